/**
 * For the control room's tests: a library of short real experiments (an HTTP service the test
 * owns, probed through a fault proxy the run starts; a few seconds, no root), a server on a
 * free loopback port, and small clients for its JSON API and its event stream.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createFaultProxy } from '../../../../agents/proxy/fault-proxy.js';
import { createToxiproxyApi } from '../../../../agents/proxy/toxiproxy-api.js';
import { freePort } from '../../../core/ports.js';
import { type Service, startService } from '../../../history/test-support/quick-run.js';
import { createServeApp, type ServeOptions } from '../serve-app.js';

export interface Harness {
  dir: string;
  library: string;
  service: Service;
  proxyPort: number;
  /** The proxy the test owns, which `long.yaml` takes down through its Toxiproxy API. */
  extPort: number;
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

/** `outage` takes the proxy down at +300ms for `downMs`; `baseline` keeps a run going. */
export function experimentYaml(
  name: string,
  proxyPort: number,
  servicePort: number,
  o: { downMs?: number; baseline?: string } = {},
) {
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, description: "proxy down for a while", tags: [serve-test] }
vars: { baseline: ${o.baseline ?? '600ms'}, down: ${o.downMs ?? 600}ms }
system:
  proxies:
    api-proxy: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${servicePort}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 1s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 300ms, baseline: "\${baseline}", recovery: 600ms }
faults:
  - { name: outage, kind: proxy.down, at: +300ms, duration: "\${down}", target: { proxy: api-proxy } }
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 50%" }
`;
}

/**
 * `outage` disables a proxy the test owns, through its Toxiproxy API, at +300ms for `downMs`:
 * the proxy outlives the run, so the test can see it carry traffic again after an abort.
 */
function toxiproxyYaml(
  name: string,
  apiUrl: string,
  proxyPort: number,
  spare: number,
  o: { downMs?: number } = {},
) {
  // The spec wants a fault's proxy declared under system.proxies; the run's own 'ext' there is
  // idle (on a spare port): the fault reaches the test's 'ext' through the API URL it is given.
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, tags: [serve-test] }
vars: { down: ${o.downMs ?? 20_000}ms }
system:
  proxies:
    ext: { listen: "127.0.0.1:${spare}", upstream: "127.0.0.1:9" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 1s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 300ms, baseline: 600ms, recovery: 600ms }
faults:
  - { name: outage, kind: toxiproxy.down, at: +300ms, duration: "\${down}", target: { proxy: ext }, params: { url: "${apiUrl}" } }
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 50%" }
`;
}

export async function startHarness(options: Partial<ServeOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-serve-'));
  const library = join(dir, 'library');
  mkdirSync(library);
  const service = await startService();
  const proxyPort = await freePort();
  const extProxy = createFaultProxy({
    name: 'ext',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${service.port}`,
  });
  const extPort = (await extProxy.start()).port;
  const toxiproxy = createToxiproxyApi({ proxies: new Map([['ext', extProxy]]) });
  const apiUrl = `http://127.0.0.1:${(await toxiproxy.listen('127.0.0.1', 0)).port}`;
  writeFileSync(join(library, 'quick.yaml'), experimentYaml('quick', proxyPort, service.port));
  writeFileSync(join(library, 'long.yaml'), toxiproxyYaml('long', apiUrl, extPort, await freePort()));
  writeFileSync(join(dir, 'secret.yaml'), experimentYaml('secret', proxyPort, service.port));
  const app = createServeApp({
    library,
    historyPath: join(dir, 'history.db'),
    runsDir: join(dir, 'runs'),
    env: { ...process.env, SQUALL_HOME: dir },
    cwd: dir,
    localUser: 'tester',
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    dir,
    library,
    service,
    proxyPort,
    extPort,
    app,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await toxiproxy.close();
      await extProxy.stop();
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field, the assertions are the types
  body: any;
  headers: Headers;
}

/** A JSON request; mutations send the CSRF value the server gave unless told otherwise. */
export async function api(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

export interface SseEvent {
  event: string;
  id?: string;
  // biome-ignore lint/suspicious/noExplicitAny: as above, for event data
  data: any;
  atMs: number;
}

export interface SseClient {
  events: SseEvent[];
  close(): void;
  waitFor(predicate: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
}

/** Reads `GET path` as an event stream (node:http, so Last-Event-ID and slow reads can be tested). */
export function sse(base: string, path: string, headers: Record<string, string> = {}): SseClient {
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  const url = new URL(path, base);
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const e: Partial<SseEvent> = { atMs: Date.now() };
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('id: ')) e.id = line.slice(4);
          else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6));
        }
        if (e.event) events.push(e as SseEvent);
        for (const w of waiters.splice(0)) w();
        end = buf.indexOf('\n\n');
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    events,
    close: () => req.destroy(),
    waitFor: (predicate, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** Polls the run until it is finished. */
export async function waitFinished(
  base: string,
  runId: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(base, `/api/runs/${runId}`, { headers });
    if (r.status === 200 && (r.body.state === 'finished' || r.body.state === 'interrupted')) return r.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export async function httpStatus(port: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}
