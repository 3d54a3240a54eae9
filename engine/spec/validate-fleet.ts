/** The fleet's broker must be one the run will know: a `system.brokers` name, a testbed broker, or a URL. */
import { brokerUrlProblem } from './broker-url.js';
import { DISCOVER_KEY } from './discovered-agents.js';
import { testbedBrokerNames } from './testbed-names.js';
import { hasUrlScheme } from './url-scheme.js';
import { add, type Ctx, notDeclared } from './validate-context.js';

export function checkFleet(ctx: Ctx): void {
  const { fleet, system, agents } = ctx.parts.sections;
  for (const [name, url] of Object.entries(system?.brokers ?? {})) {
    const problem = brokerUrlProblem(url);
    if (problem) add(ctx, ['system', 'brokers', name], problem);
  }
  if (!fleet) return;
  if (ctx.parts.broken.has('agents')) {
    // knock-on errors only
  } else if (fleet.agents === 'discover') {
    if (!agents?.[DISCOVER_KEY]) {
      add(
        ctx,
        ['fleet', 'agents'],
        "'discover' splits the fleet over the agents agents.discover finds, but agents has no discover block (agents: { discover: { dns, port, tls } })",
      );
    }
  } else {
    const declared = Object.keys(agents ?? {}).filter((a) => a !== 'local' && a !== DISCOVER_KEY);
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
    ...(system?.testbed ? testbedBrokerNames(system.testbed) : []),
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
    if (broker !== undefined && hasUrlScheme(broker)) {
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
