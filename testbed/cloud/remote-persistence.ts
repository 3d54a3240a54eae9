/**
 * The worker side of the shared session store: an aedes persistence whose every call runs in
 * the primary's one in-memory store. Sessions, offline queues, retained messages and wills are
 * therefore cluster-wide: a persistent client may reconnect to any worker, and a worker's death
 * loses none of it. (The primary's death loses all of it, as a single in-memory aedes would.)
 */
import { Readable } from 'node:stream';
import type { IpcLink } from './ipc-link.js';
import { toWirePacket, type WorkerToPrimary } from './protocol.js';

interface HasId {
  id: string;
}

/** Strips a client down to what the store keys on. */
const who = (client: HasId) => ({ id: client.id });

export class RemotePersistence {
  constructor(
    private readonly link: IpcLink<WorkerToPrimary>,
    /** This worker's aedes id, recorded on wills so the cluster can tell whose clients died. */
    private readonly brokerId: () => string,
  ) {}

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.link.request<T>((id) => ({ t: 'call', id, method, args }));
  }

  #stream(method: string, ...args: unknown[]): Readable {
    const items = this.#call<unknown[]>(method, ...args);
    return Readable.from(
      (async function* () {
        yield* await items;
      })(),
    );
  }

  // aedes requires `setup` to be an AsyncFunction (checked by constructor name).
  async setup(): Promise<void> {}

  storeRetained(packet: object) {
    return this.#call<void>('storeRetained', toWirePacket(packet));
  }
  createRetainedStream(pattern: string) {
    return this.#stream('createRetainedStream', pattern);
  }
  createRetainedStreamCombi(patterns: string[]) {
    return this.#stream('createRetainedStreamCombi', patterns);
  }
  addSubscriptions(client: HasId, subs: object[]) {
    return this.#call<void>('addSubscriptions', who(client), subs.map(plainSub));
  }
  removeSubscriptions(client: HasId, subs: string[]) {
    return this.#call<void>('removeSubscriptions', who(client), subs);
  }
  subscriptionsByClient(client: HasId) {
    return this.#call<unknown[]>('subscriptionsByClient', who(client));
  }
  countOffline() {
    return this.#call<unknown>('countOffline');
  }
  subscriptionsByTopic(topic: string) {
    return this.#call<unknown[]>('subscriptionsByTopic', topic);
  }
  cleanSubscriptions(client: HasId) {
    return this.#call<void>('cleanSubscriptions', who(client));
  }
  outgoingEnqueue(sub: { clientId: string }, packet: object) {
    return this.#call<void>('outgoingEnqueue', { clientId: sub.clientId }, toWirePacket(packet));
  }
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: object) {
    // The common case for telemetry: nobody has a persistent session on this topic.
    if (subs.length === 0) return Promise.resolve();
    return this.#call<void>(
      'outgoingEnqueueCombi',
      subs.map((s) => ({ clientId: s.clientId })),
      toWirePacket(packet),
    );
  }
  outgoingUpdate(client: HasId, packet: object) {
    return this.#call<void>('outgoingUpdate', who(client), toWirePacket(packet));
  }
  outgoingClearMessageId(client: HasId, packet: object) {
    return this.#call<unknown>('outgoingClearMessageId', who(client), toWirePacket(packet));
  }
  outgoingStream(client: HasId) {
    return this.#stream('outgoingStream', who(client));
  }
  incomingStorePacket(client: HasId, packet: object) {
    return this.#call<void>('incomingStorePacket', who(client), toWirePacket(packet));
  }
  incomingGetPacket(client: HasId, packet: object) {
    return this.#call<unknown>('incomingGetPacket', who(client), toWirePacket(packet));
  }
  incomingDelPacket(client: HasId, packet: object) {
    return this.#call<void>('incomingDelPacket', who(client), toWirePacket(packet));
  }
  cleanIncoming(client: HasId) {
    return this.#call<void>('cleanIncoming', who(client));
  }
  putWill(client: HasId, packet: object) {
    return this.#call<void>('putWill', who(client), toWirePacket(packet), this.brokerId());
  }
  getWill(client: HasId) {
    return this.#call<unknown>('getWill', who(client));
  }
  delWill(client: HasId) {
    return this.#call<unknown>('delWill', who(client));
  }
  streamWill(brokers: Record<string, unknown> = {}) {
    return this.#stream('streamWill', Object.fromEntries(Object.keys(brokers).map((k) => [k, true])));
  }
  getClientList(topic: string) {
    return this.#stream('getClientList', topic);
  }
  async destroy(): Promise<void> {}
}

function plainSub(sub: object) {
  const s = sub as Record<string, unknown>;
  const out: Record<string, unknown> = { topic: s.topic, qos: s.qos };
  for (const key of ['rh', 'rap', 'nl', 'subscriptionIdentifier'])
    if (s[key] !== undefined) out[key] = s[key];
  return out;
}
