/**
 * The worker side of cross-worker routing: an mqemitter that delivers locally and hands every
 * publish to the primary, which forwards it to exactly the workers that have a matching
 * listener. aedes takes it as `mq` (the same seam mqemitter-redis plugs into).
 */
import mqemitter, { type MQEmitter } from 'mqemitter';
import type { IpcLink } from './ipc-link.js';
import { type PrimaryToWorker, toWirePacket, type WorkerToPrimary } from './protocol.js';

/**
 * Unbounded (0): mqemitter 7 drains its overflow queue recursively (released → _do → released)
 * whenever a message completes synchronously, so a backlog of a few thousand (100k devices
 * reconnecting while telemetry flows) overflowed the stack and killed the worker. Deliveries
 * are bounded by the publishers: a QoS 1 PUBACK waits for them (ack-after-handoff.ts).
 */
export const WORKER_MQ_CONCURRENCY = 0;

type Listener = (message: mqemitter.Message, done: () => void) => void;

/** aedes announces every CONNECT here; each broker closes its own client of that id (a takeover). */
const NEW_CLIENT_TOPIC = /^\$SYS\/[^/]+\/new\/clients$/;
/** Every publish passes here: a prefix check first keeps the regex off the telemetry path. */
const isNewClientTopic = (topic: string) => topic.startsWith('$SYS/') && NEW_CLIENT_TOPIC.test(topic);

export class ClusterEmitter {
  readonly #local: MQEmitter;
  /** Listeners per topic pattern; the primary hears of a pattern only on its first and last. */
  readonly #refs = new Map<string, number>();
  /** The primary's acknowledgement of a pattern; SUBACK waits for it so no publish slips past. */
  readonly #registered = new Map<string, Promise<void>>();
  /**
   * When this worker announced each client id it accepted. aedes closes a local client on any
   * other broker's announcement of the same id, whatever their order; across IPC an
   * announcement can arrive after the device already gave up on that connection and connected
   * again here, and would close the newer connection. Under a reconnect storm that livelocks:
   * every attempt is closed by the announcement of the one before. The connection accepted
   * last wins, as a takeover should (announcement time is not enough: a worker with a backlog
   * announces a stale connection late); equal times go to the higher broker id.
   */
  readonly #announcedAtMs = new Map<string, number>();
  /** This worker's broker id, from its own announcements (ties between equal times). */
  #brokerId = '';
  /** When the local client of an id was accepted; announcements are stamped with it. */
  connectedAt: (clientId: string) => number | undefined = () => undefined;

  constructor(
    private readonly link: IpcLink<WorkerToPrimary>,
    concurrency: number,
  ) {
    // MQTT-4.7.1-3: '+' matches an empty level, as aedes' default emitter does.
    this.#local = mqemitter({ concurrency, matchEmptyLevels: true });
  }

  get current(): number {
    return this.#local.current;
  }

  get concurrent(): number {
    return this.#local.concurrent;
  }

  on(topic: string, listener: Listener, done?: () => void): this {
    this.#local.on(topic, listener);
    const n = (this.#refs.get(topic) ?? 0) + 1;
    this.#refs.set(topic, n);
    let registered = this.#registered.get(topic);
    if (!registered) {
      registered = this.link.request<void>((id) => ({ t: 'mq-on', id, topic }));
      this.#registered.set(topic, registered);
    }
    registered.then(
      () => done?.(),
      () => done?.(),
    );
    return this;
  }

  removeListener(topic: string, listener: Listener, done?: () => void): void {
    this.#local.removeListener(topic, listener);
    const n = (this.#refs.get(topic) ?? 1) - 1;
    if (n <= 0) {
      this.#refs.delete(topic);
      this.#registered.delete(topic);
      this.link.send({ t: 'mq-off', topic });
    } else {
      this.#refs.set(topic, n);
    }
    if (done) setImmediate(done);
  }

  /** A publish from a client of this worker: deliver here, and route through the primary. */
  emit(message: mqemitter.Message, done?: (error?: Error) => void): void {
    const packet = toWirePacket(message);
    if (isNewClientTopic(message.topic)) {
      const clientId = String(message.payload);
      this.#brokerId = message.topic.split('/')[1] ?? '';
      packet.emittedAtMs = this.connectedAt(clientId) ?? Date.now();
      this.#announcedAtMs.set(clientId, packet.emittedAtMs);
    }
    this.link.send({ t: 'emit', packet });
    if (!done || !((message as { qos?: number }).qos! > 0)) {
      this.#local.emit(message, done);
      return;
    }
    // QoS > 0: done (and so the publisher's PUBACK, ack-after-handoff.ts) waits until the
    // routed copy is in the IPC channel as well as delivered here.
    const written = this.link.flushed();
    this.#local.emit(message, (error) => {
      if (error) done(error);
      else void written.then(() => done());
    });
  }

  /** The local client of that id is gone: nothing left to protect from a stale takeover. */
  forget(clientId: string): void {
    this.#announcedAtMs.delete(clientId);
  }

  /** A publish routed here from another worker: deliver locally only. */
  deliverRemote(message: Extract<PrimaryToWorker, { t: 'emit' }>['packet']): void {
    if (message.emittedAtMs !== undefined && isNewClientTopic(message.topic)) {
      const localAtMs = this.#announcedAtMs.get(String(message.payload));
      const remoteBrokerId = message.topic.split('/')[1] ?? '';
      // Our client of that id connected after the other one: it is the newer session, keep it.
      const localIsNewer =
        localAtMs !== undefined &&
        (localAtMs > message.emittedAtMs ||
          (localAtMs === message.emittedAtMs && this.#brokerId > remoteBrokerId));
      if (localIsNewer) return;
    }
    this.#local.emit(message as unknown as mqemitter.Message);
  }

  close(done: () => void): void {
    this.#local.close(done);
  }
}
