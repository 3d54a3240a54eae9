/**
 * Probes measure the system from outside (an HTTP endpoint, a command) and feed the same
 * metrics contract the fleet does. One file per probe kind, registered by name.
 */
import type { z } from 'zod';
import type { MetricsSource } from '../core/metrics.js';
import { Registry } from '../core/registry.js';
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

export const probeKinds = new Registry<ProbeKind<unknown>>('probe kind');

export function defineProbeKind<P>(kind: ProbeKind<P>): ProbeKind<P> {
  return probeKinds.register(kind as ProbeKind<unknown>) as ProbeKind<P>;
}
