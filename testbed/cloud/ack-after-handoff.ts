/**
 * PUBACK only after the hand-off. aedes 1.2 answers a QoS 1 PUBLISH with PUBACK first and runs
 * the publish afterwards (lib/handlers/publish.js). In one process that is a crash window; in
 * this cluster the publish goes on to enqueue for persistent sessions in the primary and route
 * to other workers over IPC, two round trips during which a worker's stop (SIGTERM or SIGKILL)
 * lost messages the publisher had already been told were delivered (rolling-restart experiment).
 *
 * aedes runs `authorizePublish` before it writes PUBACK, so the publish runs there, to the
 * end of its pipeline (store, route, IPC written), and aedes' own `broker.publish` that follows
 * the PUBACK is skipped for that packet. A publish that fails, or a worker that dies first,
 * sends no PUBACK: the publisher resends (at least once, never lost).
 */
import type { Aedes, Client } from 'aedes';

type Done = (error?: Error | null) => void;
/** aedes' runtime signature; its typings omit the client argument. */
type Publish = (packet: object, client: Client | null, done: Done) => void;

export interface HandoffStats {
  /** Client publishes whose pipeline runs now, PUBACK withheld. */
  readonly pending: number;
  /** Resolves once `pending` is 0. */
  idle(): Promise<void>;
}

export function ackAfterHandoff(broker: Aedes): HandoffStats {
  const handedOff = new WeakSet<object>();
  const authorize = broker.authorizePublish.bind(broker);
  const publish = broker.publish.bind(broker) as unknown as Publish;
  let pending = 0;
  const waiters: (() => void)[] = [];

  const settle = () => {
    pending--;
    if (pending === 0) for (const w of waiters.splice(0)) w();
  };

  broker.authorizePublish = (client, packet, callback) => {
    authorize(client, packet, (err) => {
      // Only a client's QoS 1 PUBLISH (wills have no messageId; QoS 2 publishes after PUBREC
      // bookkeeping that must not run twice).
      if (err || !client || packet.qos !== 1 || packet.messageId === undefined) return callback(err);
      pending++;
      publish(packet, client, (publishErr) => {
        if (!publishErr) handedOff.add(packet);
        settle();
        callback(publishErr ?? null);
      });
    });
  };

  (broker as { publish: unknown }).publish = (packet: object, client: Client | Done | null, done?: Done) => {
    const callback = typeof client === 'function' ? client : done;
    if (handedOff.delete(packet)) return void callback?.();
    return publish(packet, typeof client === 'function' ? null : client, callback ?? (() => {}));
  };

  return {
    get pending() {
      return pending;
    },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
