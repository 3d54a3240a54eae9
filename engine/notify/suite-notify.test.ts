/**
 * `squall run <suite> --notify FILE`: each experiment of the suite is a run of its own, and each
 * says how it ended: a breach fires, a run that meets everything resolves (to a receiver that
 * takes resolved alerts). Real runs of two short experiments probing a real HTTP service the
 * test starts, a real webhook receiver checking signatures. Needs: nothing beyond Node.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../app/cli/main.js';
import { ExitCode } from '../core/errors.js';
import type { Notification } from './alerts.js';
import { startReceiverServer } from './test-support/receiver-server.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-notify-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('squall run <suite> --notify', () => {
  it("notifies each experiment's end", async () => {
    const service = createServer((_req, res) => res.end('ok\n'));
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    const { port } = service.address() as AddressInfo;
    const hook = await startReceiverServer({ secret: 'suite-secret' });
    try {
      const experiment = (name: string, objective: string) =>
        writeFileSync(
          join(dir, `${name}.yaml`),
          `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name} }
probes: [{ name: api, kind: http, every: 100ms, params: { url: "http://127.0.0.1:${port}/" } }]
phases: { preflight: 0s, baseline: 600ms, recovery: 600ms }
slos: [{ name: fast, sli: latency_p99, source: api, objective: "${objective}", preflight: false }]
`,
        );
      experiment('too-strict', '< 0ms');
      experiment('fine', '<= 5s');
      writeFileSync(
        join(dir, 'suite.yaml'),
        `apiVersion: squall/v1
kind: Suite
metadata: { name: two }
continueOnFailure: true
experiments: [{ file: too-strict.yaml }, { file: fine.yaml }]
`,
      );
      writeFileSync(
        join(dir, 'notify.yaml'),
        `apiVersion: squall/v1
kind: Notify
receivers:
  hook: { kind: webhook, url: "${hook.url}", secret: suite-secret, sendResolved: true }
routes: [{ severity: P3, receivers: [hook] }]
`,
      );
      let err = '';
      const code = await main(
        [
          'run',
          join(dir, 'suite.yaml'),
          '--out',
          join(dir, 'out'),
          '--notify',
          join(dir, 'notify.yaml'),
          '--no-history',
        ],
        { stdout: { write: () => true }, stderr: { write: (c: string) => (err += c) }, cwd: dir, env: {} },
      );
      expect(code, err).toBe(ExitCode.sloBreached);
      const got = hook.accepted.map((b) => JSON.parse(b) as Notification);
      expect(got.map((n) => [n.experiment, n.event, n.status, n.severity])).toEqual([
        ['too-strict', 'run.end', 'firing', 'P3'],
        ['fine', 'run.end', 'resolved', 'P4'],
      ]);
      expect(hook.requests.every((r) => r.signed)).toBe(true);
      expect(err).toContain('notifications (');
    } finally {
      await hook.close();
      service.closeAllConnections();
      await new Promise((r) => service.close(r));
    }
  });
});
