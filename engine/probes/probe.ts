/**
 * Probes measure the system from outside (an HTTP endpoint, a command, a k6 script) and feed
 * the same metrics contract the fleet does. One file per probe kind, listed by name in catalog.ts.
 */
import type { z } from 'zod';
import type { MetricsSource } from '../core/metrics.js';
import type { ProbeSpec } from '../spec/schema.js';

/** What a run gives its probes (engine/app/environment.ts). */
export interface ProbeContext {
  /** The run's directory: a probe that writes files (k6's output) writes them here. */
  runDir: string;
  /** The experiment file's folder: relative paths in params are read from there. */
  baseDir: string;
  /** The slice grid (metrics.ts): a probe that dates its counts dates them on it. */
  sliceMs: number;
  /** Into the journal, as the run's other messages. */
  log(message: string): void;
}

export interface ProbeKind<P = unknown> {
  /** `http`, `command`, ... */
  readonly name: string;
  readonly summary: string;
  /** Validated when the experiment file loads. */
  readonly params: z.ZodType<P>;
  /**
   * Throws a SquallError when this machine cannot run the probe (k6 is not installed). The run
   * calls it for every probe before it starts anything, so a missing binary costs nothing.
   */
  checkHost?(spec: ProbeSpec, params: P, context: Pick<ProbeContext, 'baseDir'>): void;
  /**
   * A running probe. Its metrics source reports, keyed without prefix: `ok` and `total`
   * (counters), `latency` (histogram), and any kind-specific extras. `context` is absent only
   * in unit tests of kinds that need none.
   */
  create(spec: ProbeSpec, params: P, context?: ProbeContext): MetricsSource;
}

/** Types a probe kind's params for its file; the catalog (catalog.ts, generated) lists it. */
export function defineProbeKind<P>(kind: ProbeKind<P>): ProbeKind<P> {
  return kind;
}
