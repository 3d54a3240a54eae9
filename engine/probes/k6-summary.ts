/**
 * k6's end-of-test summary, in the three shapes k6 writes, into one (engine/core/k6-summary.ts)
 * for `squall report --import-k6`:
 *
 * - `handleSummary(data)` data, `JSON.stringify(data)` as k6 documents it
 *   (results-output/end-of-test/custom-summary): `{ root_group: { groups: [...], checks: [...] },
 *   options, state: { testRunDurationMs }, metrics: { <name>: { type, contains, values,
 *   thresholds?: { '<expr>': { ok } } } } }`;
 * - `--summary-export FILE` (the legacy export): `{ root_group: { groups: {<name>: ...},
 *   checks: {<name>: {passes, fails}} }, metrics: { <name>: { <flat values>, thresholds?:
 *   { '<expr>': <true when it failed> } } } }`, a rate's share as `value`, no types: they are
 *   inferred from the values;
 * - the machine-readable summary (k6 ≥ 1.5 with `--new-machine-readable-summary`, schema 1.0.0
 *   at github.com/grafana/k6-summary): `{ version, metadata: { generatedAt, k6Version },
 *   config: { execution, script?, duration }, results: { passed?, metrics: [{ name, type,
 *   contains, values }], checks?: { metrics?, results? | orderedChecks? } } }`. Its rates come
 *   as `{ rate, passes, fails }` (the schema) or `{ rate, matches, total }` (k6's generated
 *   types): both are read. Schema 1.0.0 carries no per-threshold results, only `passed`.
 */
import { SquallError } from '../core/errors.js';
import type { K6Summary, K6SummaryCheck, K6SummaryMetric, K6SummaryThreshold } from '../core/k6-summary.js';
import { formatByteLimit } from '../core/limits.js';

/** Far above a real summary (hundreds of metrics, a few hundred KB), far below what hurts. */
export const MAX_K6_SUMMARY_BYTES = 16 * 1024 * 1024;
const MAX_METRICS = 1000;
const MAX_CHECKS = 1000;
const MAX_GROUP_DEPTH = 32;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const TYPES = new Set(['counter', 'gauge', 'rate', 'trend']);
const CONTAINS = new Set(['default', 'time', 'data']);

/** Time metrics k6 ships (their values are ms): what an export, which has no `contains`, implies. */
const BUILTIN_TIME =
  /^(http_req_(duration|blocked|connecting|tls_handshaking|sending|waiting|receiving)|iteration_duration|group_duration|grpc_req_duration|ws_(session_duration|connecting|ping)|browser_.*)(\{.*\})?$/;
const BUILTIN_DATA = /^data_(received|sent)(\{.*\})?$/;

function invalid(file: string, why: string): SquallError {
  return new SquallError('SQUALL_K6_SUMMARY_INVALID', `'${file}' is not a k6 end-of-test summary: ${why}`);
}

const EXPECTED =
  "expected handleSummary data or --summary-export output ({ metrics: { <name>: ... }, root_group }) or k6's machine-readable summary ({ version, results: { metrics: [...] } })";

export function parseK6Summary(text: string, file: string): K6Summary {
  if (Buffer.byteLength(text) > MAX_K6_SUMMARY_BYTES)
    throw invalid(file, `larger than ${formatByteLimit(MAX_K6_SUMMARY_BYTES)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw invalid(file, EXPECTED);
  if (typeof doc.version === 'string' && isObject(doc.results) && Array.isArray(doc.results.metrics))
    return machineReadable(doc, file);
  if (isObject(doc.metrics)) {
    const entries = Object.values(doc.metrics);
    // k6 always has some (vus, iterations): an empty map is not its summary.
    if (entries.length === 0) throw invalid(file, 'it has no metrics');
    if (entries.every((m) => isObject(m) && isObject(m.values))) return handleSummary(doc, file);
    if (entries.every(isObject)) return summaryExport(doc, file);
  }
  throw invalid(file, EXPECTED);
}

function numbers(values: Obj): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function capped<T>(items: T[], max: number, file: string, what: string): T[] {
  if (items.length > max) throw invalid(file, `more than ${max} ${what}`);
  return items;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** handleSummary data: typed metrics, thresholds as `{ ok }`, groups and checks as arrays. */
function handleSummary(doc: Obj, file: string): K6Summary {
  const metrics: K6SummaryMetric[] = [];
  const thresholds: K6SummaryThreshold[] = [];
  for (const [name, m] of capped(Object.entries(doc.metrics as Obj), MAX_METRICS, file, 'metrics')) {
    const { type, contains, values } = m as Obj;
    if (typeof type !== 'string' || !TYPES.has(type))
      throw invalid(file, `metric '${name}' has type ${JSON.stringify(type)}`);
    metrics.push({
      name,
      type: type as K6SummaryMetric['type'],
      contains: (typeof contains === 'string' && CONTAINS.has(contains)
        ? contains
        : 'default') as K6SummaryMetric['contains'],
      values: numbers(values as Obj),
    });
    for (const [expression, t] of Object.entries(
      isObject((m as Obj).thresholds) ? ((m as Obj).thresholds as Obj) : {},
    ))
      if (isObject(t) && typeof t.ok === 'boolean') thresholds.push({ metric: name, expression, ok: t.ok });
  }
  const state = isObject(doc.state) ? doc.state : {};
  return {
    format: 'handleSummary',
    file,
    k6Version: null,
    script: null,
    durationMs: num(state.testRunDurationMs) ?? null,
    passed: thresholds.length > 0 ? thresholds.every((t) => t.ok) : null,
    metrics: metrics.sort(byName),
    thresholds,
    checks: capped(groupChecks(doc.root_group, 0), MAX_CHECKS, file, 'checks'),
  };
}

/** The legacy export: flat values, no types, thresholds as `true` when they failed. */
function summaryExport(doc: Obj, file: string): K6Summary {
  const metrics: K6SummaryMetric[] = [];
  const thresholds: K6SummaryThreshold[] = [];
  for (const [name, m] of capped(Object.entries(doc.metrics as Obj), MAX_METRICS, file, 'metrics')) {
    const flat = numbers(m as Obj);
    const keys = Object.keys(flat);
    let type: K6SummaryMetric['type'];
    let values = flat;
    if ('passes' in flat && 'fails' in flat) {
      type = 'rate';
      const { value, ...rest } = flat;
      values = { ...(value !== undefined && { rate: value }), ...rest };
    } else if (keys.some((k) => k === 'avg' || k === 'med' || k.startsWith('p('))) type = 'trend';
    else if ('value' in flat && 'min' in flat && 'max' in flat) type = 'gauge';
    else if ('count' in flat) type = 'counter';
    else
      throw invalid(
        file,
        `metric '${name}' has none of the values k6 exports (count, rate, value, passes, avg)`,
      );
    const contains = BUILTIN_DATA.test(name)
      ? 'data'
      : type === 'trend' && BUILTIN_TIME.test(name)
        ? 'time'
        : 'default';
    metrics.push({ name, type, contains, values });
    const t = (m as Obj).thresholds;
    for (const [expression, failed] of Object.entries(isObject(t) ? t : {}))
      if (typeof failed === 'boolean') thresholds.push({ metric: name, expression, ok: !failed });
  }
  return {
    format: 'summary-export',
    file,
    k6Version: null,
    script: null,
    durationMs: null,
    passed: thresholds.length > 0 ? thresholds.every((t) => t.ok) : null,
    metrics: metrics.sort(byName),
    thresholds,
    checks: capped(groupChecks(doc.root_group, 0), MAX_CHECKS, file, 'checks'),
  };
}

/** Checks of a group and its groups, depth first; arrays (handleSummary) or maps (the export). */
function groupChecks(group: unknown, depth: number): K6SummaryCheck[] {
  if (!isObject(group) || depth > MAX_GROUP_DEPTH) return [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : []);
  const out: K6SummaryCheck[] = [];
  for (const c of list(group.checks)) {
    if (!isObject(c) || typeof c.name !== 'string') continue;
    out.push({
      path: str(c.path) ?? c.name,
      name: c.name,
      passes: num(c.passes) ?? 0,
      fails: num(c.fails) ?? 0,
    });
  }
  for (const g of list(group.groups)) out.push(...groupChecks(g, depth + 1));
  return out;
}

/** The machine-readable summary (schema 1.0.0). */
function machineReadable(doc: Obj, file: string): K6Summary {
  const results = doc.results as Obj;
  const metrics: K6SummaryMetric[] = [];
  for (const m of capped(results.metrics as unknown[], MAX_METRICS, file, 'metrics')) {
    if (!isObject(m) || typeof m.name !== 'string' || typeof m.type !== 'string' || !TYPES.has(m.type))
      throw invalid(file, 'results.metrics[] must each have a name and a type (counter, gauge, rate, trend)');
    let values = numbers(isObject(m.values) ? m.values : {});
    if (m.type === 'rate' && !('passes' in values) && 'matches' in values && 'total' in values) {
      const { matches, total, ...rest } = values as Record<string, number>;
      values = { ...rest, passes: matches!, fails: total! - matches! };
    }
    const contains = typeof m.contains === 'string' && CONTAINS.has(m.contains) ? m.contains : 'default';
    metrics.push({
      name: m.name,
      type: m.type as K6SummaryMetric['type'],
      contains: contains as K6SummaryMetric['contains'],
      values,
    });
  }
  const checksDoc = isObject(results.checks) ? results.checks : {};
  const listed = Array.isArray(checksDoc.results)
    ? checksDoc.results
    : Array.isArray(checksDoc.orderedChecks)
      ? checksDoc.orderedChecks
      : [];
  const checks = capped(listed, MAX_CHECKS, file, 'checks').flatMap((c): K6SummaryCheck[] =>
    isObject(c) && typeof c.name === 'string'
      ? [{ path: c.name, name: c.name, passes: num(c.passes) ?? 0, fails: num(c.fails) ?? 0 }]
      : [],
  );
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const config = isObject(doc.config) ? doc.config : {};
  const durationS = num(config.duration);
  return {
    format: 'machine-readable',
    file,
    k6Version: str(metadata.k6Version),
    script: str(config.script),
    durationMs: durationS === undefined ? null : durationS * 1000,
    passed: typeof results.passed === 'boolean' ? results.passed : null,
    metrics: metrics.sort(byName),
    thresholds: [],
    checks,
  };
}
