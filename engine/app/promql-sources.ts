/**
 * The experiment's `sources:` (Prometheus servers) as metrics sources, each with the PromQL of
 * the SLOs that read it, checked at run start before anything is started or injected: every
 * query is asked once, now. A query Prometheus rejects (syntax, types, several series) is an
 * invalid experiment (exit 2), an unreachable Prometheus an infrastructure error (exit 4), both
 * positioned where they are written; a query with no data yet is only logged (its target may
 * not be scraped until the testbed is up).
 */
import { formatSpecIssue, type SpecIssue, SquallError } from '../core/errors.js';
import type { MetricsSource } from '../core/metrics.js';
import { queryAt } from '../probes/prometheus-api.js';
import { createPromqlSource, type PromqlQuery } from '../probes/promql-source.js';
import { PROMQL_PARAMS } from '../slo/check.js';
import type { Experiment } from '../spec/schema.js';
import type { FieldPath, SourceMap } from '../spec/source-map.js';

const where = (issue: SpecIssue) => `${issue.file}:${issue.line}:${issue.col} ${issue.path}`;

/** Each source's queries, from the SLOs that read it (`source: <name>`, `sli: promql…`). */
function promqlQueries(experiment: Experiment, source: SourceMap): Map<string, PromqlQuery[]> {
  const bySource = new Map<string, PromqlQuery[]>();
  for (const name of Object.keys(experiment.sources ?? {})) bySource.set(name, []);
  experiment.slos.forEach((slo, i) => {
    const list = slo.source === undefined ? undefined : bySource.get(slo.source);
    const params = PROMQL_PARAMS[slo.sli];
    if (!list || !params) return;
    for (const param of params) {
      const path: FieldPath = ['slos', i, 'params', param];
      list.push({
        key: `${slo.name}.${param === 'query' ? 'value' : param}`,
        expr: String(slo.params[param]),
        kind: param === 'query' ? 'value' : 'rate',
        where: where(source.issue(path, '')),
      });
    }
  });
  return bySource;
}

/** Asks every query once; throws when Prometheus is unreachable or rejects a query. */
async function checkPromqlSources(
  experiment: Experiment,
  queries: Map<string, PromqlQuery[]>,
  source: SourceMap,
  log: (message: string) => void,
): Promise<void> {
  const rejected: string[] = [];
  for (const [name, list] of queries) {
    const spec = experiment.sources![name]!.prometheus;
    const outcomes = await Promise.all(list.map((q) => queryAt(spec.url, q.expr, Date.now(), spec.timeout)));
    const unreachable = outcomes.find((o) => o.kind === 'unreachable');
    if (unreachable) {
      const at = source.issue(
        ['sources', name, 'prometheus', 'url'],
        `source '${name}': ${unreachable.message}`,
      );
      throw new SquallError('SQUALL_PROM_UNREACHABLE', formatSpecIssue(at));
    }
    outcomes.forEach((o, j) => {
      const q = list[j]!;
      if (o.kind === 'rejected') rejected.push(`${q.where}: Prometheus rejected the query: ${o.message}`);
      else if (o.kind === 'failed')
        log(`${q.where}: source '${name}': query failed at run start: ${o.message}`);
      else if (o.kind === 'nodata')
        log(`${q.where}: source '${name}': no data yet (an empty result); its slices have none until it has`);
    });
  }
  if (rejected.length > 0) throw new SquallError('SQUALL_PROM_QUERY_INVALID', rejected.join('\n'));
}

/** The checked sources, one per name under `sources:`. */
export async function startPromqlSources(
  experiment: Experiment,
  source: SourceMap,
  options: { sliceMs: number; log: (message: string) => void },
): Promise<MetricsSource[]> {
  if (!experiment.sources) return [];
  const queries = promqlQueries(experiment, source);
  await checkPromqlSources(experiment, queries, source, options.log);
  return [...queries].map(([name, list]) =>
    createPromqlSource(name, experiment.sources![name]!.prometheus, list, options),
  );
}
