/** A suite's plan: every experiment's timeline and blast radius, in order, with the pauses. */

import { escapeControlLines } from '../core/escape.js';
import { formatDurationMs } from '../core/units.js';
import { buildPlan, type Plan, renderPlan } from '../run/plan.js';
import type { LoadedSuite } from './load.js';

export type SuitePlanStep =
  | { kind: 'experiment'; name: string; file: string; vars: Record<string, string>; plan: Plan }
  | { kind: 'pause'; pauseMs: number };

export function buildSuitePlan(suite: LoadedSuite): SuitePlanStep[] {
  return suite.steps.map((s) =>
    s.kind === 'pause'
      ? s
      : { kind: 'experiment', name: s.name, file: s.label, vars: s.vars, plan: buildPlan(s.experiment) },
  );
}

export function renderSuitePlan(suite: LoadedSuite): string {
  const steps = buildSuitePlan(suite);
  const total = steps.filter((s) => s.kind === 'experiment').length;
  const runMs = steps.reduce((ms, s) => ms + (s.kind === 'pause' ? s.pauseMs : s.plan.totalMs), 0);
  const out = [
    `Suite: ${suite.suite.metadata.name} (${total} experiments, ~${formatDurationMs(runMs)} without setup)`,
  ];
  let n = 0;
  for (const step of steps) {
    if (step.kind === 'pause') {
      out.push(`\n--- pause ${formatDurationMs(step.pauseMs)}`);
      continue;
    }
    n++;
    out.push(`\n=== [${n}/${total}] ${step.name} (${step.file})`, renderPlan(step.plan).trimEnd());
  }
  return `${escapeControlLines(out.join('\n'))}\n`;
}
