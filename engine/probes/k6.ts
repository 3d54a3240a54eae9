/**
 * `k6` probe: runs a user's k6 script beside the experiment (`k6 run --out json=… --quiet
 * script`) and turns the points k6 streams into per-slice metrics (k6-points.ts), so SLOs on
 * k6's numbers get baseline / fault / recovery windows, error budgets and guards, which k6's
 * own whole-run thresholds cannot give. `every` and `timeout` of the probe do not apply: k6
 * sets its own pace (the script's `options`). README "k6" says how to run it and what maps
 * to what.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SquallError } from '../core/errors.js';
import { Duration, secretText } from '../core/unit-schemas.js';
import { findK6 } from './k6-binary.js';
import { createK6Source } from './k6-run.js';
import { defineProbeKind } from './probe.js';

const Params = z.strictObject({
  script: z.string().min(1, { error: 'expected the k6 script to run, e.g. load.js' }).meta({
    description: "The k6 script, relative to the experiment file's folder.",
  }),
  args: z
    .array(z.string())
    .default([])
    .meta({ description: 'More `k6 run` flags, before the script: [--vus, "20", --duration, 5m].' }),
  env: z.record(z.string(), secretText('the variable’s value')).optional(),
  k6: z.string().min(1).optional().meta({
    description:
      "The k6 binary: a path (relative to the experiment file's folder) or a name on PATH. Default: k6 on PATH.",
  }),
  startTimeout: Duration.prefault('60s').meta({
    description: "How long k6 may take to write its first point (the script's init and setup).",
  }),
  stopTimeout: Duration.prefault('10s').meta({
    description: 'How long k6 may take to stop after SIGINT (teardown, handleSummary) before it is killed.',
  }),
});
export type K6ProbeParams = z.output<typeof Params>;

export const k6Probe = defineProbeKind({
  name: 'k6',
  summary: 'Run a k6 script during the experiment; its requests, checks and iterations per slice.',
  params: Params,
  checkHost(spec, params, { baseDir }) {
    findK6(spec.name, params.k6, { baseDir });
    const script = resolve(baseDir, params.script);
    if (!existsSync(script))
      throw new SquallError(
        'SQUALL_PROBE_FAILED',
        `probe '${spec.name}': k6 script '${script}' does not exist`,
      );
  },
  create(spec, params, context) {
    if (!context)
      throw new SquallError('SQUALL_INTERNAL', `probe '${spec.name}': a k6 probe needs the run's context`);
    return createK6Source(spec, params, context);
  },
});
