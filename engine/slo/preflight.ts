/**
 * Which SLOs the preflight gate checks. The gate asks "does steady state hold before any
 * fault?", so it checks an SLO only when the SLO describes steady state and its SLI has a value
 * at rest:
 *
 * - window: only `baseline` and `run` SLOs describe steady state. A `fault` or `recovery` SLO
 *   states what should hold while (or after) the system is disturbed, which may rightly differ
 *   from rest (`e2e_latency_p50 >= 195ms` under a 200 ms latency fault). `preflight: true` on
 *   one is a spec error.
 * - SLI: the catalogue's `preflight` column (catalog.ts). `never`: measured from a fault's
 *   timeline (`time_to_recover`, `rto`, `rpo`), no value before one; `preflight: true` is a spec
 *   error. `opt-in`: only events a disruption causes (`reconnect_time_pNN`: a healthy fleet does
 *   not reconnect), so checked only when the SLO says `preflight: true` (to catch a flapping
 *   fleet). Anything else is checked by default.
 *
 * `preflight: false` always turns the check off.
 */
import type { SloSpec } from '../spec/schema.js';
import { resolveSli } from './catalog.js';

/** The windows whose SLOs describe steady state. */
const STEADY_STATE_WINDOWS: readonly SloSpec['window'][] = ['baseline', 'run'];

type PreflightSubject = Pick<SloSpec, 'sli' | 'window' | 'preflight'>;

/** Why the gate cannot check this SLO at all (so an explicit `preflight: true` is wrong), or undefined. */
export function preflightImpossible(slo: PreflightSubject): string | undefined {
  if (!STEADY_STATE_WINDOWS.includes(slo.window)) {
    return (
      `preflight checks steady state before any fault, but this SLO is scored in the ${slo.window} window, ` +
      `where the fault may rightly move it; preflight: true applies to window: baseline or run ` +
      `(remove it, or add a baseline SLO for the steady state)`
    );
  }
  if (resolveSli(slo.sli)?.definition.preflight === 'never') {
    return `SLI '${slo.sli}' is measured from a fault's timeline and has no value before one; remove preflight: true`;
  }
  return undefined;
}

/** Whether the preflight gate checks this SLO: its explicit `preflight`, else the rules above. */
export function checkedAtPreflight(slo: PreflightSubject): boolean {
  if (preflightImpossible(slo) !== undefined) return false;
  return slo.preflight ?? resolveSli(slo.sli)?.definition.preflight !== 'opt-in';
}
