/**
 * The "is the platform unwell?" precondition: one instant query against Prometheus's HTTP API
 * (`GET <url>/api/v1/query?query=...`), bounded by a timeout. The rule is the one alerting rules
 * use: an expression that returns any series is true, so write it as the alert condition
 * (`up{job="broker"} == 0`, `ALERTS{severity="critical"}`). A vector or matrix with at least one
 * series means unwell; a scalar means unwell when it is above 0. Anything else (unreachable,
 * timed out, an error status, a string result) is SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE:
 * not knowing counts as unwell, and the caller skips the run.
 */
import { SquallError } from '../core/errors.js';
import { excerpt } from '../core/escape.js';

export interface PromVerdict {
  unwell: boolean;
  /** What was seen: `2 series, e.g. up{instance="...",job="broker"} = 0`, or `scalar 3`. */
  seen: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function queryUnwell(baseUrl: string, query: string, timeoutMs: number): Promise<PromVerdict> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  const fail = (why: string) =>
    new SquallError(
      'SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE',
      `Prometheus at ${url.origin} could not answer '${excerpt(query, 120)}': ${why}`,
    );
  let body: unknown;
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES) throw fail(`an answer over ${MAX_BODY_BYTES} bytes`);
    try {
      body = JSON.parse(text);
    } catch {
      throw fail(`HTTP ${res.status}, not JSON`);
    }
  } catch (err) {
    if (err instanceof SquallError) throw err;
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') throw fail(`no answer within ${timeoutMs} ms`);
    throw fail(e.cause?.code ?? e.message);
  }
  return verdictOf(body, fail);
}

type Sample = { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] };

function verdictOf(body: unknown, fail: (why: string) => SquallError): PromVerdict {
  const b = body as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (b?.status !== 'success')
    throw fail(`status ${b?.status ?? 'missing'}${b?.error ? `: ${excerpt(b.error, 200)}` : ''}`);
  const { resultType, result } = b.data ?? {};
  if (resultType === 'scalar' && Array.isArray(result)) {
    const value = Number(result[1]);
    return { unwell: value > 0, seen: `scalar ${result[1]}` };
  }
  if ((resultType === 'vector' || resultType === 'matrix') && Array.isArray(result)) {
    const series = result as Sample[];
    if (series.length === 0) return { unwell: false, seen: 'no series' };
    const first = series[0]!;
    const value = first.value?.[1] ?? first.values?.at(-1)?.[1] ?? '';
    return { unwell: true, seen: `${series.length} series, e.g. ${seriesName(first.metric)} = ${value}` };
  }
  throw fail(`a ${resultType ?? 'missing'} result; expected a vector or a scalar`);
}

function seriesName(metric: Record<string, string> = {}): string {
  const { __name__: name = '', ...labels } = metric;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return excerpt(`${name}{${inner}}`, 160);
}
