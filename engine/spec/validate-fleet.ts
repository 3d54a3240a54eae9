/** The fleet's broker must be one the run will know: a `system.brokers` name, a testbed broker, or a URL. */
import { parseBrokerUrl } from '../../simulator/engine-config.js';
import { add, type Ctx, notDeclared } from './validate-context.js';

const isUrl = (broker: string) => /^[a-z]+:\/\//.test(broker);

/** What is wrong with a broker URL as the fleet will read it (scheme, syntax, port), or undefined. */
function brokerUrlProblem(url: string): string | undefined {
  try {
    const { port } = parseBrokerUrl(url);
    return port >= 1 && port <= 65_535 ? undefined : `broker port must be 1–65535, got ${port}`;
  } catch (err) {
    return (err as Error).message.replace(/^broker: /, '');
  }
}

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
  for (const [name, url] of Object.entries(system?.brokers ?? {})) {
    const problem = brokerUrlProblem(url);
    if (problem) add(ctx, ['system', 'brokers', name], problem);
  }
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
    if (broker !== undefined && isUrl(broker)) {
      const problem = brokerUrlProblem(broker);
      if (problem) add(ctx, path, problem);
      continue;
    }
    if (broker === undefined || known.includes(broker)) continue;
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
