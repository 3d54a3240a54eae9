/**
 * Checks that need more than one field or a registry, run after the zod schema: duplicate
 * names, fault kinds and their params, targets that name declared agents/processes/proxies,
 * faults that outlast the run, SLIs and objective units, probe kinds, guards. Every issue is
 * positioned through the file's source map. The checks live in `validate-faults.ts`; those of
 * SLOs and guards in engine/slo/validate-slos.ts (which documents the timeslices decision),
 * handed in through `SpecCatalogs.checks`.
 */
import type { SpecIssue } from '../core/errors.js';
import type { SpecCatalogs } from './catalogs.js';
import {
  Experiment,
  Fault,
  type FaultSpec,
  Guard,
  type GuardSpec,
  Probe,
  type ProbeSpec,
  Slo,
  type SloSpec,
} from './schema.js';
import { noSourceMap, type SourceMap } from './source-map.js';
import { add, type Ctx, type ExperimentParts } from './validate-context.js';
import { checkFault, checkProbe } from './validate-faults.js';
import { checkFleet } from './validate-fleet.js';

export type { ExperimentParts } from './validate-context.js';

/** Checks a fully parsed experiment; returns every issue (empty when it is valid). */
export function validateExperiment(
  experiment: Experiment,
  catalogs: SpecCatalogs,
  source: SourceMap = noSourceMap(),
): SpecIssue[] {
  return checkExperiment(experiment, source, catalogs);
}

/** As `validateExperiment`, also for an experiment that only partly parsed (`partialExperiment`). */
export function checkExperiment(
  input: Experiment | ExperimentParts,
  source: SourceMap,
  catalogs: SpecCatalogs,
): SpecIssue[] {
  const parts = 'broken' in input ? input : fromExperiment(input);
  const issues: SpecIssue[] = [];
  const ctx: Ctx = { parts, source, issues, catalogs };
  checkDuplicates(ctx);
  checkFleet(ctx);
  parts.faults.forEach((fault, i) => {
    if (fault) checkFault(ctx, fault, i);
  });
  parts.probes.forEach((probe, i) => {
    if (probe) checkProbe(ctx, probe, i);
  });
  for (const check of catalogs.checks) check(ctx);
  return issues;
}

const LISTS = { faults: Fault, slos: Slo, probes: Probe, guards: Guard } as const;

/** Parses each section and list item of `raw` on its own, keeping whatever is valid. */
export function partialExperiment(raw: unknown): ExperimentParts {
  const obj = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const sections: Record<string, unknown> = {};
  const broken = new Set<string>();
  const lists: Record<string, unknown[]> = {};
  for (const [key, schema] of Object.entries(Experiment.shape)) {
    if (key in LISTS) {
      const items = obj[key] ?? [];
      if (!Array.isArray(items)) broken.add(key);
      const item = LISTS[key as keyof typeof LISTS];
      lists[key] = Array.isArray(items) ? items.map((it) => item.safeParse(it).data) : [];
      if (lists[key].includes(undefined)) broken.add(key);
      continue;
    }
    const parsed = schema.safeParse(obj[key]);
    if (parsed.success) sections[key] = parsed.data;
    else broken.add(key);
  }
  return {
    sections: sections as ExperimentParts['sections'],
    faults: lists.faults as (FaultSpec | undefined)[],
    slos: lists.slos as (SloSpec | undefined)[],
    probes: lists.probes as (ProbeSpec | undefined)[],
    guards: lists.guards as (GuardSpec | undefined)[],
    broken,
  };
}

function fromExperiment(experiment: Experiment): ExperimentParts {
  const { faults, slos, probes, guards, ...sections } = experiment;
  return { sections, faults, slos, probes, guards, broken: new Set() };
}

function checkDuplicates(ctx: Ctx): void {
  const what = { faults: 'fault', slos: 'SLO', probes: 'probe', guards: 'guard' } as const;
  for (const list of ['faults', 'slos', 'probes', 'guards'] as const) {
    const firstIndex = new Map<string, number>();
    ctx.parts[list].forEach((item, i) => {
      const name = item?.name;
      if (name === undefined) return;
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, i);
        return;
      }
      const line = ctx.source.valueAt([list, first, 'name']).line;
      add(ctx, [list, i, 'name'], `duplicate ${what[list]} name '${name}' (first used at line ${line})`);
    });
  }
}
