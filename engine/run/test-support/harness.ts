/**
 * Test harness for runner tests: a real HTTP service, a real fault proxy the test owns (so it
 * can check the proxy's real state after the run), and experiments loaded through the real
 * loader from YAML text.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createFaultProxy, type FaultProxy } from '../../../agents/proxy/fault-proxy.js';
import { createDefaultEnvironment } from '../../app/environment.js';
import { Experiment } from '../../spec/schema.js';
import { createRunner, type RunOptions, type RunResult } from '../runner.js';

export interface Harness {
  service: Server;
  servicePort: number;
  proxy: FaultProxy;
  proxyPort: number;
  outDir: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const service = createServer((_req, res) => res.end('ok\n'));
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  const servicePort = (service.address() as AddressInfo).port;
  const proxy = createFaultProxy({
    name: 'svc-proxy',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${servicePort}`,
  });
  const { port: proxyPort } = await proxy.start();
  const outDir = mkdtempSync(join(tmpdir(), 'squall-run-'));
  return {
    service,
    servicePort,
    proxy,
    proxyPort,
    outDir,
    async close() {
      await proxy.stop();
      service.closeAllConnections();
      await new Promise((r) => service.close(r));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** GET through the proxy: resolves with the status, or rejects (refused, reset, timeout). */
export function httpGet(port: number, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function runYaml(
  h: Harness,
  yaml: string,
  extra: Partial<Omit<RunOptions, 'experiment' | 'file' | 'outDir' | 'environment'>> = {},
): Promise<RunResult> {
  // The proxy is the test's own (declared nowhere in the file), so cross-field validation,
  // which wants every target declared, is skipped: the loader has its own tests.
  const experiment = Experiment.parse(parseYaml(yaml));
  const runner = createRunner({
    experiment,
    file: 'test.yaml',
    outDir: h.outDir,
    environment: createDefaultEnvironment({ proxies: new Map([['svc-proxy', h.proxy]]) }),
    sliceMs: 250,
    revertPolicy: { attempts: 2, backoffMs: 20 },
    ...extra,
  });
  return runner.run();
}

/** An experiment against the harness: a probe through the proxy, one fault, given SLOs/guards. */
export function experimentYaml(
  h: Harness,
  parts: { faults: string; slos?: string; guards?: string; phases?: string },
) {
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: runner-test }
probes:
  - { name: svc, kind: http, every: 100ms, timeout: 500ms, params: { url: "http://127.0.0.1:${h.proxyPort}/" } }
phases: ${parts.phases ?? '{ preflight: 500ms, baseline: 750ms, recovery: 750ms }'}
faults:
${parts.faults}
slos:
${parts.slos ?? '  []'}
guards:
${parts.guards ?? '  []'}
`;
}
