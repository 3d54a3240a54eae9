/** The fleet's broker must be one the run will know: a `system.brokers` name, a testbed broker, or a URL. */
import { add, type Ctx, notDeclared } from './validate-context.js';

/**
 * Broker names the embedded testbed provides (testbed/engine-hook.ts): `cloud`, `edge-1`...`edge-N`,
 * `cloud-sink` (the cloud through a fault proxy) with `sinkProxy`, and `cloud-standby` with `standby`.
 */
export function testbedBrokerNames(gateways: number, sinkProxy = false, standby = false): string[] {
  return [
    'cloud',
    ...Array.from({ length: gateways }, (_, i) => `edge-${i + 1}`),
    ...(sinkProxy ? ['cloud-sink'] : []),
    ...(standby ? ['cloud-standby'] : []),
  ];
}

export function checkFleet(ctx: Ctx): void {
  const { fleet, system, agents } = ctx.parts.sections;
  if (!fleet) return;
  if (!ctx.parts.broken.has('agents')) {
    const declared = Object.keys(agents ?? {}).filter((a) => a !== 'local');
    fleet.agents?.forEach((name, i) => {
      if (!declared.includes(name)) {
        add(
          ctx,
          ['fleet', 'agents', i],
          notDeclared('agent', name, declared, 'agents', 'fleet shards run on remote agents'),
        );
      }
    });
  }
  if (ctx.parts.broken.has('system')) return;
  const known = [
    ...Object.keys(system?.brokers ?? {}),
    ...(system?.testbed
      ? testbedBrokerNames(system.testbed.gateways, system.testbed.sinkProxy, system.testbed.standby)
      : []),
  ];
  const named: [(string | number)[], string | undefined][] = [
    [['fleet', 'broker'], fleet.broker],
    [['fleet', 'sink', 'broker'], fleet.sink === false ? undefined : fleet.sink?.broker],
    ...(fleet.failover ?? []).map((b, i): [(string | number)[], string] => [['fleet', 'failover', i], b]),
    ...(fleet.groups ?? []).flatMap((g, gi) =>
      (g.failover ?? []).map((b, i): [(string | number)[], string] => [
        ['fleet', 'groups', gi, 'failover', i],
        b,
      ]),
    ),
    ...(fleet.sink === false ? [] : (fleet.sink?.brokers ?? [])).map(
      (b, i): [(string | number)[], string] => [['fleet', 'sink', 'brokers', i], b],
    ),
  ];
  for (const [path, broker] of named) {
    if (broker === undefined || /^[a-z]+:\/\//.test(broker) || known.includes(broker)) continue;
    add(
      ctx,
      path,
      notDeclared(
        'broker',
        broker,
        known,
        'system.brokers',
        "name one, use 'system.testbed: embedded' (brokers cloud, edge-1...), or give a URL such as mqtt://127.0.0.1:1883",
      ),
    );
  }
}
