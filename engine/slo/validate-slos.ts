/**
 * SLO and guard checks: SLIs resolve, objectives fit the SLI's unit, sources exist and can
 * provide the SLI, guards are well-formed.
 *
 * Timeslice SLOs (decision): `budgeting: timeslices` requires `sliceObjective`, the threshold a
 * single 1 s slice must meet (in the SLI's unit); `objective` is then the share of good slices
 * and must be a percentage. We require it rather than default it, because no default reads
 * right: the objective cannot be both the slice threshold and the share of good slices.
 */

import { type Objective, parseObjective, UnitError } from '../core/units.js';
import type { GuardSpec, SloSpec } from '../spec/schema.js';
import type { FieldPath } from '../spec/source-map.js';
import { add, type Ctx, notDeclared } from '../spec/validate-context.js';
import { isFleetSource, resolveSli, sliSourceProblem, unknownSliMessage } from './catalog.js';
import { guardMathProblems, sloMathProblems } from './check.js';
import { preflightImpossible } from './preflight.js';
import type { ResolvedSli } from './sli.js';

/** SLI known, objective units right for it, source able to provide it, timeslices complete. */
function checkSlo(ctx: Ctx, slo: SloSpec, i: number): void {
  const sli = resolveSli(slo.sli);
  if (!sli) {
    add(ctx, ['slos', i, 'sli'], unknownSliMessage(slo.sli));
  }
  checkSource(ctx, ['slos', i], slo.source, sli, 'sli');
  // What only the SLO math knows: time_to_recover params, SLIs that take no params.
  for (const p of sloMathProblems(slo)) add(ctx, ['slos', i, ...p.path.split('.')], p.message);
  const noPreflight = slo.preflight === true ? preflightImpossible(slo) : undefined;
  if (noPreflight) add(ctx, ['slos', i, 'preflight'], noPreflight);
  if (slo.budgeting === 'timeslices') {
    if (!slo.sliceObjective) {
      add(
        ctx,
        ['slos', i, 'sliceObjective'],
        "budgeting: timeslices needs sliceObjective, the threshold one 1 s slice must meet (e.g. '<= 500ms'); objective is then the share of good slices (e.g. '>= 99%')",
      );
    } else if (sli) {
      checkUnit(ctx, ['slos', i, 'sliceObjective'], slo.sliceObjective, sli, slo.sli);
    }
    if (slo.objective.unit !== 'ratio') {
      add(
        ctx,
        ['slos', i, 'objective'],
        `with budgeting: timeslices, objective is the share of good slices; expected a percentage such as '>= 99%', got '${slo.objective.text}'`,
      );
    }
    return;
  }
  if (slo.sliceObjective) {
    add(ctx, ['slos', i, 'sliceObjective'], 'sliceObjective applies only to budgeting: timeslices');
  }
  if (sli) checkUnit(ctx, ['slos', i, 'objective'], slo.objective, sli, slo.sli);
}

const UNIT_WORDS: Record<Objective['unit'], string> = {
  ratio: 'a percentage',
  ms: 'a duration',
  count: 'a number',
};
const SLI_UNIT_WORDS: Record<string, string> = {
  ratio: 'a ratio',
  ms: 'a duration',
  count: 'a count',
  per_s: 'a rate per second',
};
const UNIT_EXAMPLES: Record<string, string> = {
  ratio: "a percentage such as '>= 99.9%'",
  ms: "a duration such as '<= 500ms'",
  count: "a number such as '== 0'",
  per_s: "a number (per second) such as '>= 1000'",
};
// A rate SLI is compared with a plain number of events per second.
const OBJECTIVE_UNIT_FOR: Record<string, Objective['unit']> = {
  ratio: 'ratio',
  ms: 'ms',
  count: 'count',
  per_s: 'count',
};

function checkUnit(ctx: Ctx, path: FieldPath, objective: Objective, sli: ResolvedSli, sliName: string): void {
  const unit = sli.definition.unit;
  if (OBJECTIVE_UNIT_FOR[unit] === objective.unit) return;
  const label = path.at(-1) === 'sliceObjective' ? 'sliceObjective' : 'objective';
  add(
    ctx,
    path,
    `${label} '${objective.text.trim()}' is ${UNIT_WORDS[objective.unit]}, but SLI '${sliName}' is ${SLI_UNIT_WORDS[unit] ?? unit}; expected ${UNIT_EXAMPLES[unit] ?? unit}`,
  );
}

/** `source` must be the fleet, a fleet tenant, or a declared probe, and able to provide the SLI. */
function checkSource(
  ctx: Ctx,
  at: FieldPath,
  source: string | undefined,
  sli: ResolvedSli | undefined,
  sliField: string,
): void {
  const name = source ?? 'fleet';
  const metricsSources = Object.keys(ctx.parts.sections.sources ?? {});
  // With no source written, the SLI is what asked for the fleet; point there.
  const where: FieldPath = [...at, source === undefined ? sliField : 'source'];
  if (isFleetSource(name)) {
    const tenant = name.slice('fleet.'.length);
    const tenants = ctx.parts.sections.fleet?.tenants;
    if (tenant && !ctx.parts.broken.has('fleet')) {
      const declared = tenants && typeof tenants === 'object' ? Object.keys(tenants) : [];
      if (!declared.includes(tenant)) {
        add(ctx, where, notDeclared('tenant', tenant, declared, 'fleet.tenants'));
        return;
      }
    }
  } else if (metricsSources.includes(name)) {
    // A Prometheus source under sources: (its SLIs are checked below).
  } else if (!ctx.parts.broken.has('probes') && !ctx.parts.broken.has('sources')) {
    const probes = ctx.parts.probes.flatMap((p) => (p ? [p.name] : []));
    if (!probes.includes(name)) {
      add(
        ctx,
        where,
        metricsSources.length === 0
          ? notDeclared(
              'probe',
              name,
              probes,
              'probes',
              "source is 'fleet', 'fleet.<tenant>' or a probe's name",
            )
          : notDeclared(
              'probe or source',
              name,
              [...probes, ...metricsSources],
              'probes or sources',
              "source is 'fleet', 'fleet.<tenant>', a probe's name or a name under sources:",
            ),
      );
      return;
    }
  }
  const problem = sli ? sliSourceProblem(sli, name, metricsSources) : undefined;
  if (problem) add(ctx, where, problem);
}

const WHEN_RE = /^\s*([A-Za-z0-9_.]+)\s*((?:>=|<=|==|!=|>|<).*)$/;

/** Exactly one of `when` / `burnRate`; `when` parses and its SLI resolves; `burnRate.slo` exists. */
function checkGuard(ctx: Ctx, guard: GuardSpec, i: number): void {
  const at = (...rest: (string | number)[]): FieldPath => ['guards', i, ...rest];
  if (guard.when === undefined && guard.burnRate === undefined) {
    add(ctx, at(), "a guard needs when: (e.g. 'connected_ratio < 50%') or burnRate: { slo: <name> }");
  }
  if (guard.when !== undefined && guard.burnRate !== undefined) {
    add(ctx, at('burnRate'), 'a guard takes when: or burnRate:, not both; split it into two guards');
  }
  if (guard.when !== undefined) {
    const m = WHEN_RE.exec(guard.when);
    if (!m) {
      add(
        ctx,
        at('when'),
        `expected '<sli> <comparator> <value>' such as 'connected_ratio < 50%', got '${guard.when}'`,
      );
      return;
    }
    let objective: Objective;
    try {
      objective = parseObjective(m[2]);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      add(ctx, at('when'), err.message);
      return;
    }
    const sli = resolveSli(m[1]!);
    if (!sli) add(ctx, at('when'), unknownSliMessage(m[1]!));
    else checkUnit(ctx, at('when'), objective, sli, m[1]!);
    checkSource(ctx, at(), guard.source, sli, 'when');
  }
  const slos = ctx.parts.slos.flatMap((s) => (s ? [s] : []));
  for (const p of guardMathProblems(guard, slos)) add(ctx, at(...p.path.split('.')), p.message);
  if (guard.burnRate !== undefined) {
    const slos = ctx.parts.slos.flatMap((s) => (s ? [s.name] : []));
    if (!ctx.parts.broken.has('slos') && !slos.includes(guard.burnRate.slo)) {
      add(ctx, at('burnRate', 'slo'), notDeclared('SLO', guard.burnRate.slo, slos, 'slos'));
    }
    const target = ctx.parts.slos.find((s) => s?.name === guard.burnRate!.slo);
    if (target && expectationOf(ctx, target) === 'breached') {
      add(
        ctx,
        at('burnRate', 'slo'),
        `SLO '${target.name}' is expected to breach (expect: breached): a burn-rate guard on it would abort the run before the breach it is meant to show; guard another SLO`,
      );
    }
  }
}

/** An SLO's own `expect`, else the experiment's, else `met`. */
function expectationOf(ctx: Ctx, slo: SloSpec): 'met' | 'breached' {
  return slo.expect ?? ctx.parts.sections.expect ?? 'met';
}

/** `expect: breached` on the experiment needs an SLO that can breach. */
function checkExpectation(ctx: Ctx): void {
  if (ctx.parts.sections.expect !== 'breached' || ctx.parts.broken.has('slos')) return;
  if (!ctx.parts.slos.some((s) => s && expectationOf(ctx, s) === 'breached')) {
    add(
      ctx,
      ['expect'],
      ctx.parts.slos.length === 0
        ? 'expect: breached needs an SLO to breach; slos is empty'
        : "expect: breached applies to SLOs without an expect of their own, and every SLO here says expect: met; remove the experiment's expect, or set expect: breached on the SLOs that must breach",
    );
  }
}

/** Every SLO, every guard, then the run's expectation: the checks engine/spec runs through its catalogs. */
export function checkSlosAndGuards(ctx: Ctx): void {
  ctx.parts.slos.forEach((slo, i) => {
    if (slo) checkSlo(ctx, slo, i);
  });
  ctx.parts.guards.forEach((guard, i) => {
    if (guard) checkGuard(ctx, guard, i);
  });
  checkExpectation(ctx);
}
