/**
 * The primary side of the shared session store: one aedes in-memory persistence, driven by
 * the workers' `RemotePersistence` calls. It also counts the persistent-session queue, which
 * the store itself does not expose.
 */
import { Readable } from 'node:stream';
import memory from 'aedes-persistence';

type Method = (...args: unknown[]) => unknown;
type Store = Record<string, Method>;

/** The persistence methods a worker may call; anything else is refused. */
const METHODS = new Set([
  'storeRetained',
  'createRetainedStream',
  'createRetainedStreamCombi',
  'addSubscriptions',
  'removeSubscriptions',
  'subscriptionsByClient',
  'countOffline',
  'subscriptionsByTopic',
  'cleanSubscriptions',
  'outgoingEnqueue',
  'outgoingEnqueueCombi',
  'outgoingUpdate',
  'outgoingClearMessageId',
  'outgoingStream',
  'incomingStorePacket',
  'incomingGetPacket',
  'incomingDelPacket',
  'cleanIncoming',
  'putWill',
  'getWill',
  'delWill',
  'streamWill',
  'getClientList',
]);

export class PersistenceHost {
  readonly #store: Store;
  /** Messages queued for persistent sessions, and those acknowledged (PUBACK) since start. */
  enqueued = 0;
  acked = 0;

  private constructor(store: Store) {
    this.#store = store;
  }

  static async create(): Promise<PersistenceHost> {
    // The callback wrapper delegates to the promise API when called without a callback.
    const wrapper = (memory as unknown as () => { asyncPersistence: Store })();
    const store = wrapper.asyncPersistence;
    // The store reads `broker.id` only in putWill, which `call` overrides per worker.
    await (store.setup as Method)({ id: 'squall-cloud-primary' });
    return new PersistenceHost(store);
  }

  /** Messages waiting in persistent sessions' queues (enqueued, not yet acknowledged). */
  get queued(): number {
    return this.enqueued - this.acked;
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    if (!METHODS.has(method)) throw new Error(`persistence method '${method}' is not allowed`);
    const fn = this.#store[method]!;
    const result = await fn.apply(this.#store, args);
    if (method === 'outgoingEnqueueCombi') this.enqueued += (args[0] as unknown[]).length;
    else if (method === 'outgoingEnqueue') this.enqueued++;
    else if (method === 'outgoingClearMessageId' && result) this.acked++;
    else if (method === 'putWill') {
      // The store stamps its own broker id; the will belongs to the worker that holds the client.
      const will = (await (this.#store.getWill as Method).call(this.#store, args[0])) as
        | { brokerId?: string }
        | undefined;
      if (will) will.brokerId = args[2] as string;
    }
    if (result instanceof Readable) return await result.toArray();
    return result;
  }
}
