/**
 * `time_to_recover`: from the fault's end (its start, for instantaneous faults such as kills)
 * until a chosen SLI is back within its objective and stays there for a stability window.
 *
 * Rules:
 * - The SLI is read per slice, from the first slice starting at or after the reference time.
 *   Recovery happens at the start of the first good slice of a streak that reaches `stableMs`
 *   (from that start to the end of a later good slice) with no bad slice in between. A flap
 *   (good, then bad before the window is full) restarts the streak. Resolution: one slice.
 * - Slices without data neither break nor confirm a streak, but their time counts, so a probe
 *   that runs every 5 s can confirm a 5 s window. A streak must end on a good slice.
 * - Never recovered before the run's end: breached, value = run end − reference, flagged.
 *   No slice with data after the reference: nodata.
 * - Several faults: each is measured on its own; the SLO's value is the slowest recovery.
 * - Defaults (`params` of the SLO): the fleet recovers when `connected_ratio >= 99%`, a probe
 *   source when `success_ratio >= 99%`; `stable: 5s`. Override with
 *   `params: { of: delivery_ratio, source: fleet, objective: '>= 99.9%', stable: 10s }`.
 */
import { SquallError } from '../core/errors.js';
import type { MetricSlice } from '../core/metrics.js';
import { meets, type Objective, parseDurationMs, parseObjective, UnitError } from '../core/units.js';
import { isFleetSource, resolveSli, unknownSliMessage } from './catalog.js';
import { readSli, type SliSubject } from './measure.js';

const DEFAULT_RECOVERY_STABLE_MS = 5000;

/** The default "recovered" SLI by kind of source (data, not branches). */
const DEFAULT_RECOVERY_SLI = {
  fleet: { of: 'connected_ratio', objective: '>= 99%' },
  probe: { of: 'success_ratio', objective: '>= 99%' },
} as const;

export interface RecoveryCriterion {
  readonly subject: SliSubject;
  readonly objective: Objective;
  readonly stableMs: number;
}

/** A fault as the timeline saw it. */
export interface FaultTiming {
  name: string;
  startMs: number;
  endMs: number;
  /** Kills and other one-shot faults: recovery is measured from their start. */
  instantaneous: boolean;
}

function optionalString(params: Record<string, unknown>, field: string): string | undefined {
  const v = params[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UnitError(`params.${field}: expected a string, got ${typeof v}`);
  return v;
}

/**
 * The criterion from an SLO's `params` (`of`, `source`, `objective`, `stable`) and its source.
 * Throws `UnitError` for a malformed value and `SQUALL_SLI_UNKNOWN` for an unknown `of`, so
 * the spec loader can report it before the run.
 */
export function recoveryCriterion(params: Record<string, unknown>, sloSource?: string): RecoveryCriterion {
  const source = optionalString(params, 'source') ?? sloSource ?? 'fleet';
  const defaults = DEFAULT_RECOVERY_SLI[isFleetSource(source) ? 'fleet' : 'probe'];
  const of = optionalString(params, 'of') ?? defaults.of;
  const sli = resolveSli(of);
  if (!sli) throw new SquallError('SQUALL_SLI_UNKNOWN', `params.of: ${unknownSliMessage(of)}`);
  if (sli.definition.compute.measure === 'derived') {
    throw new UnitError(`params.of: '${of}' cannot define recovery; name an SLI measured per slice`);
  }
  if (sli.definition.sources === 'prometheus') {
    throw new UnitError(
      `params.of: '${of}' is defined by an SLO's PromQL and cannot define recovery here; name a fleet or probe SLI`,
    );
  }
  let objectiveText = optionalString(params, 'objective');
  if (objectiveText === undefined) {
    if (sli.definition.unit !== 'ratio') {
      throw new UnitError(`params.objective: required when 'of' is '${of}' (e.g. '<= 500ms')`);
    }
    objectiveText = defaults.objective;
  }
  const stable = optionalString(params, 'stable');
  return {
    subject: { sli, source },
    objective: parseObjective(objectiveText),
    stableMs: stable === undefined ? DEFAULT_RECOVERY_STABLE_MS : parseDurationMs(stable),
  };
}

export interface RecoveryResult {
  status: 'recovered' | 'never' | 'nodata';
  /** Where the clock started: the fault's end, or its start when instantaneous. */
  fromMs: number;
  recoveredAtMs: number | null;
  /** Time to recover; for `never`, the time until the run's end. Null for nodata. */
  valueMs: number | null;
}

/** Recovery after `fromMs` (see the module doc). */
export function recoverFrom(
  criterion: RecoveryCriterion,
  slices: readonly MetricSlice[],
  fromMs: number,
  runEndMs: number,
  /**
   * Only a good streak after the SLI went bad counts (RTO, clocked from a fault's start: a
   * fault the fleet notices late — a paused broker, a partition found by keepalive — must not
   * read as recovered in the seconds before anyone noticed). Never bad: recovered in 0.
   */
  requireDegradation = false,
): RecoveryResult {
  const after = slices.filter((s) => s.startMs >= fromMs).sort((a, b) => a.startMs - b.startMs);
  let streakStartMs: number | undefined;
  let sawData = false;
  let degraded = !requireDegradation;
  for (const slice of after) {
    const { value } = readSli(criterion.subject, criterion.objective, [slice], false);
    if (value === null) continue;
    sawData = true;
    if (!meets(value, criterion.objective)) {
      streakStartMs = undefined;
      degraded = true;
      continue;
    }
    if (!degraded) continue;
    streakStartMs ??= slice.startMs;
    if (slice.startMs + slice.durationMs - streakStartMs >= criterion.stableMs) {
      return { status: 'recovered', fromMs, recoveredAtMs: streakStartMs, valueMs: streakStartMs - fromMs };
    }
  }
  if (!sawData) return { status: 'nodata', fromMs, recoveredAtMs: null, valueMs: null };
  if (!degraded) return { status: 'recovered', fromMs, recoveredAtMs: fromMs, valueMs: 0 };
  return { status: 'never', fromMs, recoveredAtMs: null, valueMs: Math.max(0, runEndMs - fromMs) };
}

export interface TimeToRecover {
  /** The slowest recovery; null when nodata. */
  valueMs: number | null;
  status: 'recovered' | 'never' | 'nodata';
  perFault: (RecoveryResult & { fault: string })[];
}

/**
 * Time to recover after every fault; the slowest wins. `never` when any fault was never
 * recovered from; `nodata` when there are no faults or no fault had data after it.
 */
export function timeToRecover(
  criterion: RecoveryCriterion,
  slices: readonly MetricSlice[],
  faults: readonly FaultTiming[],
  runEndMs: number,
  requireDegradation = false,
): TimeToRecover {
  const perFault = faults.map((f) => ({
    fault: f.name,
    ...recoverFrom(criterion, slices, f.instantaneous ? f.startMs : f.endMs, runEndMs, requireDegradation),
  }));
  const measured = perFault.filter((r) => r.valueMs !== null);
  if (measured.length === 0) return { valueMs: null, status: 'nodata', perFault };
  const valueMs = Math.max(...measured.map((r) => r.valueMs!));
  const status = perFault.some((r) => r.status === 'never') ? 'never' : 'recovered';
  return { valueMs, status, perFault };
}
