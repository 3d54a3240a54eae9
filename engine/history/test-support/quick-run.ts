/**
 * For the history tests: a short real experiment (a few seconds, no root) and the real CLI in a
 * child process. The experiment probes an HTTP service the test owns through a fault proxy the
 * run starts, and adds latency there for 800 ms: `--var latency=400ms` breaches its p99 SLO,
 * the default passes; `--var baseline=60s` keeps it running for a kill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../core/ports.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'engine/app/cli/bin.ts');

export interface Service {
  port: number;
  close(): Promise<void>;
}

export async function startService(): Promise<Service> {
  const server = createServer((_req, res) => res.end('ok\n'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Writes `<dir>/<name>.yaml` for the service; the proxy gets a port of its own. */
export async function writeQuickExperiment(dir: string, service: Service, name = 'history-demo') {
  const proxyPort = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, tags: [history-test, ci] }
vars: { latency: 1ms, baseline: 800ms }
system:
  proxies:
    api-proxy: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${service.port}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 2s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 300ms, baseline: "\${baseline}", recovery: 800ms }
faults:
  - name: slow
    kind: proxy.latency
    at: +0s
    duration: 800ms
    target: { proxy: api-proxy }
    params: { latency: "\${latency}" }
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 99%" }
  # No preflight check: a first probe on a cold connection can be slow; the fault is the test.
  - { name: fast, sli: latency_p99, source: api, objective: "<= 150ms", preflight: false }
`,
  );
  return file;
}

export interface Child {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  exit: Promise<number>;
}

/** `squall ...args` in a child process, as a user runs it. */
export function squall(args: string[], env: Record<string, string | undefined> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (d) => {
    out += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exit = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  return { child, output: () => out, stdout: () => stdout, exit };
}

/** Polls until `predicate` holds. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
