/**
 * Probes measure the system from outside (an HTTP endpoint, a command) and feed the same
 * metrics contract the fleet does. One file per probe kind, listed by name in catalog.ts.
 */
import type { z } from 'zod';
import type { MetricsSource } from '../core/metrics.js';
import type { ProbeSpec } from '../spec/schema.js';

export interface ProbeKind<P = unknown> {
  /** `http`, `command`, ... */
  readonly name: string;
  readonly summary: string;
  /** Validated when the experiment file loads. */
  readonly params: z.ZodType<P>;
  /**
   * A running probe. Its metrics source reports, keyed without prefix: `ok` and `total`
   * (counters), `latency` (histogram), and any kind-specific extras.
   */
  create(spec: ProbeSpec, params: P): MetricsSource;
}

/** Types a probe kind's params for its file; the catalog (catalog.ts, generated) lists it. */
export function defineProbeKind<P>(kind: ProbeKind<P>): ProbeKind<P> {
  return kind;
}
