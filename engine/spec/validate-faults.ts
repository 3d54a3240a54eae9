/** Fault and probe checks: registered kinds, their params, targets, and the schedule. */
import type { FaultDriver } from '../core/faults.js';
import { formatDurationMs } from '../core/units.js';
import { DISCOVER_KEY, DISCOVERED_AGENT_NAME, discoveryLabel } from './discovered-agents.js';
import type { FaultSpec, ProbeSpec } from './schema.js';
import type { FieldPath } from './source-map.js';
import { testbedProxyNames } from './testbed-names.js';
import { add, type Ctx, notDeclared } from './validate-context.js';
import { friendlyZodError, specIssuesFromZod } from './zod-issues.js';

/** Kind registered, params valid for the driver, target declared, schedule within the run. */
export function checkFault(ctx: Ctx, fault: FaultSpec, i: number): void {
  const at = (...rest: (string | number)[]): FieldPath => ['faults', i, ...rest];
  const driver = ctx.catalogs.faults.get(fault.kind);
  if (!driver) {
    add(ctx, at('kind'), ctx.catalogs.faults.unknownMessage(fault.kind));
  } else {
    checkDriver(ctx, driver, fault, i);
  }
  checkTargetNames(ctx, fault, i);
  checkSchedule(ctx, fault, i);
}

function checkDriver(ctx: Ctx, driver: FaultDriver, fault: FaultSpec, i: number): void {
  const base: FieldPath = ['faults', i, 'params'];
  const parsed = driver.params.safeParse(fault.params, { error: friendlyZodError });
  if (!parsed.success) {
    ctx.issues.push(
      ...specIssuesFromZod(parsed.error.issues, {
        schema: driver.params,
        input: fault.params,
        source: ctx.source,
        base,
      }),
    );
  } else if (isLocal(fault) && driver.checkCapacity) {
    // The local agent is this machine; a remote agent's capacity is checked at run start.
    for (const problem of driver.checkCapacity(parsed.data, ctx.catalogs.localCapacity())) {
      add(ctx, [...base, problem.param], `${driver.name}: ${problem.message}`);
    }
  }
  const targetKeys = Object.keys(fault.target).filter(
    (k) => fault.target[k as keyof FaultSpec['target']] !== undefined,
  );
  const wanted = driver.targets as readonly string[];
  if (!wanted.some((k) => targetKeys.includes(k))) {
    const list = wanted.length > 1 ? `one of: ${wanted.join(', ')}` : `'${wanted[0]}'`;
    add(ctx, ['faults', i, 'target'], `${driver.name} needs a target with ${list}`);
  }
  for (const key of targetKeys) {
    // `agent` says where the fault runs, not what it hits, so every driver accepts it.
    if (key === 'agent' || wanted.includes(key)) continue;
    add(
      ctx,
      ['faults', i, 'target', key],
      `${driver.name} does not use target '${key}'; it takes: ${wanted.join(', ')}`,
    );
  }
  if (!driver.instantaneous && fault.duration === undefined) {
    add(
      ctx,
      ['faults', i, 'duration'],
      `${driver.name} needs a duration (how long the fault lasts before it is reverted)`,
    );
  }
}

const isLocal = (fault: FaultSpec) => fault.target.agent === undefined || fault.target.agent === 'local';

function checkTargetNames(ctx: Ctx, fault: FaultSpec, i: number): void {
  const { sections, broken } = ctx.parts;
  const { agent, process, proxy } = fault.target;
  if (agent !== undefined && agent !== 'local' && !broken.has('agents')) {
    const declared = Object.keys(sections.agents ?? {}).filter((a) => a !== DISCOVER_KEY);
    const discovery = sections.agents?.[DISCOVER_KEY];
    const discovered = DISCOVERED_AGENT_NAME.exec(agent);
    if (discovered) {
      // Which addresses the DNS name has is only known when the run starts (environment.ts).
      if (!discovery || discovered[1] !== discoveryLabel(discovery.dns)) {
        add(
          ctx,
          ['faults', i, 'target', 'agent'],
          discovery
            ? `'${agent}' names a discovered agent, but agents.discover finds agents named ${discoveryLabel(discovery.dns)}/<address>`
            : `'${agent}' names a discovered agent, but agents has no discover block`,
        );
      }
    } else if (!declared.includes(agent)) {
      add(
        ctx,
        ['faults', i, 'target', 'agent'],
        notDeclared('agent', agent, declared, 'agents', "'local' is the built-in local agent"),
      );
    }
  }
  // A remote agent resolves process and proxy names against its own config (squall agent
  // --config / --proxy); only faults on the local agent must name what `system:` declares.
  if (broken.has('system') || (agent !== undefined && agent !== 'local')) return;
  const system: Partial<NonNullable<typeof sections.system>> = sections.system ?? {};
  // The embedded testbed defines its own roles (cloud-broker, edge-1, ...) when it starts.
  if (process !== undefined && system.testbed === undefined) {
    const declared = Object.keys(system.processes ?? {});
    if (!declared.includes(process)) {
      add(
        ctx,
        ['faults', i, 'target', 'process'],
        notDeclared('process', process, declared, 'system.processes'),
      );
    }
  }
  if (proxy !== undefined) {
    const declared = [
      ...Object.keys(system.proxies ?? {}),
      ...(system.testbed ? testbedProxyNames(system.testbed) : []),
    ];
    if (!declared.includes(proxy)) {
      add(ctx, ['faults', i, 'target', 'proxy'], notDeclared('proxy', proxy, declared, 'system.proxies'));
    }
  }
}

function checkSchedule(ctx: Ctx, fault: FaultSpec, i: number): void {
  const phases = ctx.parts.sections.phases;
  if (!phases || phases.fault === undefined) return;
  const windowMs = phases.fault;
  const runEndMs = windowMs + phases.recovery;
  const endMs = fault.at + (fault.duration ?? 0);
  const fmt = (ms: number) => `+${formatDurationMs(ms)}`;
  if (fault.at >= runEndMs) {
    add(
      ctx,
      ['faults', i, 'at'],
      `fault starts at ${fmt(fault.at)}, after the run has ended (${fmt(runEndMs)} after the baseline: fault window ${formatDurationMs(windowMs)} + recovery ${formatDurationMs(phases.recovery)})`,
    );
  } else if (fault.at >= windowMs && windowMs > 0) {
    add(
      ctx,
      ['faults', i, 'at'],
      `fault starts at ${fmt(fault.at)}, after the fault window ends (phases.fault: ${formatDurationMs(windowMs)})`,
    );
  } else if (endMs > windowMs) {
    add(
      ctx,
      ['faults', i, 'duration'],
      `fault ends at ${fmt(endMs)}, after the fault window ends (phases.fault: ${formatDurationMs(windowMs)}); lengthen phases.fault or shorten the fault`,
    );
  }
}

/** Kind registered and params valid for it. */
export function checkProbe(ctx: Ctx, probe: ProbeSpec, i: number): void {
  const kind = ctx.catalogs.probes.get(probe.kind);
  if (!kind) {
    add(ctx, ['probes', i, 'kind'], ctx.catalogs.probes.unknownMessage(probe.kind));
    return;
  }
  const parsed = kind.params.safeParse(probe.params, { error: friendlyZodError });
  if (!parsed.success) {
    ctx.issues.push(
      ...specIssuesFromZod(parsed.error.issues, {
        schema: kind.params,
        input: probe.params,
        source: ctx.source,
        base: ['probes', i, 'params'],
      }),
    );
  }
}
