/**
 * A k6 end-of-test summary put beside a run (`squall report --import-k6 FILE`): read from any
 * of k6's shapes by engine/probes/k6-summary.ts, shown by the reports (summary.md, and
 * summary.json as `k6`). Whole-run numbers, k6's own: Squall's windows come from the probe.
 */

export type K6SummaryFormat = 'handleSummary' | 'summary-export' | 'machine-readable';

export interface K6SummaryMetric {
  name: string;
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  /** `time` values are milliseconds, `data` bytes. */
  contains: 'default' | 'time' | 'data';
  /**
   * k6's values as it names them: a trend's `avg`, `min`, `med`, `max`, `p(90)`, `p(95)`…; a
   * rate's `rate`, `passes`, `fails`; a counter's `count`, `rate` (per second); a gauge's
   * `value`, `min`, `max`.
   */
  values: Record<string, number>;
}

export interface K6SummaryThreshold {
  /** `http_req_duration`, or a submetric such as `http_req_duration{expected_response:true}`. */
  metric: string;
  /** As written in the script: `p(95)<500`. */
  expression: string;
  ok: boolean;
}

export interface K6SummaryCheck {
  /** The groups it ran in, `::`-joined as k6 writes them (`::login::status is 200`), or its name. */
  path: string;
  name: string;
  passes: number;
  fails: number;
}

export interface K6Summary {
  format: K6SummaryFormat;
  /** The file as it was given. */
  file: string;
  k6Version: string | null;
  script: string | null;
  durationMs: number | null;
  /** k6's verdict: false when a threshold failed; null when the file does not say. */
  passed: boolean | null;
  /** By name. */
  metrics: K6SummaryMetric[];
  thresholds: K6SummaryThreshold[];
  /** In the order k6 lists them. */
  checks: K6SummaryCheck[];
}
