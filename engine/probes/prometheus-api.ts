/**
 * The one call Squall makes to Prometheus: an instant query at a given time
 * (`GET /api/v1/query?query=…&time=…`, https://prometheus.io/docs/prometheus/latest/querying/api/).
 * Asking at a slice's end time rather than "now" dates the answer (docs/measurement.md): a late
 * answer still describes its own slice. Every outcome is a value, never a throw, so one slow
 * Prometheus costs a slice its data, not the run.
 */

/** What one query gave. `rejected`: Prometheus refused the query itself (a PromQL syntax or type error). */
export type QueryOutcome =
  | { kind: 'value'; value: number }
  | { kind: 'nodata' }
  | { kind: 'rejected'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'failed'; message: string };

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** `http://host:9090` (with or without a path prefix) → its query endpoint. */
function queryUrl(baseUrl: string, query: string, timeSec: number): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', query);
  url.searchParams.set('time', timeSec.toFixed(3));
  return url.toString();
}

/** The query's value at `timeMs` (epoch ms); a vector must hold one series (aggregate it). */
export async function queryAt(
  baseUrl: string,
  query: string,
  timeMs: number,
  timeoutMs: number,
): Promise<QueryOutcome> {
  let response: Response;
  try {
    response = await fetch(queryUrl(baseUrl, query, timeMs / 1000), {
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') return { kind: 'failed', message: `no answer within ${timeoutMs} ms` };
    return {
      kind: 'unreachable',
      message: `cannot reach Prometheus at ${baseUrl} (${e.cause?.code ?? e.message})`,
    };
  }
  let body: ApiBody;
  try {
    body = (await response.json()) as ApiBody;
  } catch {
    return {
      kind: 'failed',
      message: `${baseUrl} answered HTTP ${response.status} without Prometheus' JSON`,
    };
  }
  if (body.status !== 'success') {
    const message = body.error ?? `HTTP ${response.status}`;
    // bad_data: the query does not parse or does not type-check; anything else is the server's.
    return body.errorType === 'bad_data'
      ? { kind: 'rejected', message }
      : { kind: 'failed', message: `${body.errorType ?? 'error'}: ${message}` };
  }
  return resultValue(body.data);
}

function resultValue(data: ApiBody['data']): QueryOutcome {
  const result = data?.result;
  switch (data?.resultType) {
    case 'scalar':
      return sampleValue(result);
    case 'vector': {
      const series = Array.isArray(result) ? (result as { value?: unknown; metric?: unknown }[]) : [];
      if (series.length === 0) return { kind: 'nodata' };
      if (series.length > 1) {
        return {
          kind: 'rejected',
          message: `returns ${series.length} series, e.g. ${JSON.stringify(series[0]?.metric ?? {})}; aggregate it to one (sum(…), max(…))`,
        };
      }
      return sampleValue(series[0]?.value);
    }
    default:
      return {
        kind: 'rejected',
        message: `returns a ${data?.resultType ?? 'strange'} result; expected one number (an instant vector of one series, or a scalar)`,
      };
  }
}

/** `[<time>, "<value>"]`; NaN (0/0, an empty rate) is no data; ±Inf has no place in a slice. */
function sampleValue(sample: unknown): QueryOutcome {
  const text = Array.isArray(sample) ? String(sample[1]) : 'NaN';
  if (text === '+Inf' || text === '-Inf') return { kind: 'failed', message: `the value is ${text}` };
  const value = Number(text);
  return Number.isNaN(value) ? { kind: 'nodata' } : { kind: 'value', value };
}
