/**
 * `squall serve --notify`: runs started in the control room alert as `squall run --notify`
 * does. A real server on a free port runs a short experiment that breaches; a real HTTP
 * receiver checks the webhook's HMAC signature and takes exactly one alert for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitUntil } from '../../core/wait.js';
import { type ReceiverServer, startReceiverServer } from '../../notify/test-support/receiver-server.js';
import type { CliIO } from '../cli/command.js';
import { openRunNotifier, type RunNotifier } from '../commands/notify-flag.js';
import { api, type Harness, startHarness, waitFinished } from './test-support/serve-harness.js';

const SECRET = 'a shared secret for the room';
let h: Harness;
let hook: ReceiverServer;
let notifier: RunNotifier;
const logged: string[] = [];
let dir: string;

beforeAll(async () => {
  hook = await startReceiverServer({ secret: SECRET });
  dir = mkdtempSync(join(tmpdir(), 'squall-serve-notify-'));
  const file = join(dir, 'notify.yaml');
  writeFileSync(
    file,
    `apiVersion: squall/v1\nkind: Notify\nreceivers:\n  hook: { kind: webhook, url: "${hook.url}/squall", secret: "\${env:HOOK_SECRET}" }\nroutes:\n  - { severity: P3, receivers: [hook] }\n`,
  );
  const io = {
    stdout: { write: () => true },
    stderr: { write: (s: string) => logged.push(s) },
    cwd: dir,
    env: { HOOK_SECRET: SECRET },
  } as unknown as CliIO;
  const opened = await openRunNotifier(file, io);
  if (!opened || opened === 'invalid') throw new Error(`notify config refused: ${logged.join('')}`);
  notifier = opened;
  h = await startHarness({ notifier });
});
afterAll(async () => {
  await h?.close();
  await notifier?.close();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a breached run started in the room sends one signed alert', async () => {
  const csrf = (await api(h.base, '/api/session')).body.csrf;
  const started = await api(h.base, '/api/runs', {
    body: { file: 'quick.yaml', vars: { down: '3000ms' } },
    headers: { 'x-squall-csrf': csrf },
  });
  const run = await waitFinished(h.base, started.body.runId);
  expect(run.outcome).toBe('slo_breached');
  expect(await waitUntil(() => hook.accepted.length > 0, { timeoutMs: 10_000, intervalMs: 50 })).toBe(true);
  expect(hook.accepted).toHaveLength(1);
  expect(hook.requests.every((r) => r.signed)).toBe(true);
  expect(hook.duplicates).toEqual([]);
  expect(JSON.parse(hook.accepted[0]!)).toMatchObject({ experiment: 'quick' });
});
