/**
 * `http` probe: one request per tick on a fresh connection (no keep-alive, so each request also
 * measures connecting, and a proxy fault that closes connections is seen at once). `ok` when the
 * status is expected; `latency` is time to the end of the response body, for every request that
 * got a response; `errors` counts requests that got none (refused, reset, timed out).
 */
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { secretText } from '../core/unit-schemas.js';
import { type Attempt, createPeriodicProbe } from './periodic.js';
import { defineProbeKind } from './probe.js';

/** `200`, or an inclusive range `'200-399'`. */
const StatusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]\d\d-[1-5]\d\d$/, { error: "expected a status range such as '200-399'" }),
]);

const toRange = (s: z.output<typeof StatusSpec>): [number, number] => {
  if (typeof s === 'number') return [s, s];
  const [lo, hi] = s.split('-').map(Number) as [number, number];
  return [lo, hi];
};

const Params = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  expectStatus: z
    .union([StatusSpec, z.array(StatusSpec).min(1)])
    .default('200-399')
    .transform((s) => (Array.isArray(s) ? s : [s]).map(toRange)),
  headers: z.record(z.string(), secretText('a header value')).optional(),
  body: z.string().optional(),
});
export type HttpProbeParams = z.output<typeof Params>;

export const httpProbe = defineProbeKind({
  name: 'http',
  summary: 'Request a URL every tick; ok when the status is expected.',
  params: Params,
  create: (spec, params) => createPeriodicProbe(spec, (timeoutMs) => request(params, timeoutMs)),
});

function request(p: HttpProbeParams, timeoutMs: number): Promise<Attempt> {
  const client = p.url.startsWith('https:') ? https : http;
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    const req = client.request(p.url, { method: p.method, headers: p.headers, agent: false }, (res) => {
      res.resume();
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        settle({
          ok: p.expectStatus.some(([lo, hi]) => status >= lo && status <= hi),
          latencyMs: performance.now() - t0,
        });
      });
      res.once('error', () => settle({ ok: false, error: 'failed' }));
    });
    // One deadline for the whole exchange (connect, headers, body), not an idle timeout.
    const timer = setTimeout(() => {
      settle({ ok: false, error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.once('error', () => settle({ ok: false, error: 'failed' }));
    req.end(p.body);
  });
}
