// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is config text.
/**
 * Delivery to real HTTP receivers on loopback: the webhook's signature checked by the receiver
 * with its own HMAC, exactly one alert despite a failed first attempt, Slack's payload, and
 * receivers that are down, hang or refuse: none holds up the caller, each is retried as its
 * answer deserves and then reported undelivered. Notifications come from recorded runs
 * (reports/fixtures). Needs: nothing beyond Node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadRun } from '../../reports/write.js';
import { freePort } from '../core/ports.js';
import type { Notification } from './alerts.js';
import { loadNotifyConfig } from './config.js';
import { createNotifier } from './notifier.js';
import type { DeliveryOutcome } from './queue.js';
import { type ReceiverServer, startReceiverServer } from './test-support/receiver-server.js';

const FIXTURES = join(import.meta.dirname, '../../reports/fixtures');
const breach = () => loadRun(join(FIXTURES, 'demo-breach/journal.jsonl'));
const guard = () => loadRun(join(FIXTURES, 'demo-guard/journal.jsonl'));
const SECRET = 'a shared secret of some length';

const dir = mkdtempSync(join(tmpdir(), 'squall-notify-delivery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: ReceiverServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(options: Parameters<typeof startReceiverServer>[0]) {
  const s = await startReceiverServer(options);
  servers.push(s);
  return s;
}

let n = 0;
async function notifierFor(receivers: string, routes: string, delivery = '{ attempts: 3, backoff: 20ms }') {
  const path = join(dir, `notify-${n++}.yaml`);
  writeFileSync(
    path,
    `apiVersion: squall/v1\nkind: Notify\nreceivers:\n${receivers}\nroutes:\n${routes}\ndelivery: ${delivery}\n`,
  );
  const config = await loadNotifyConfig(path, { env: { HOOK_SECRET: SECRET } });
  const outcomes: DeliveryOutcome[] = [];
  return { notifier: createNotifier(config, { onOutcome: (o) => outcomes.push(o) }), outcomes };
}

describe('webhook', () => {
  it('is signed, retried after a failed first attempt, and taken exactly once', async () => {
    const hook = await server({ secret: SECRET, answer: (i) => (i === 0 ? 503 : undefined) });
    const { notifier, outcomes } = await notifierFor(
      `  hook: { kind: webhook, url: "${hook.url}/squall", secret: "\${env:HOOK_SECRET}" }`,
      '  - { severity: P3, receivers: [hook] }',
    );
    notifier.runEnded(breach());
    const stats = await notifier.close();

    expect(hook.requests.map((r) => [r.status, r.signed, r.headers['x-squall-attempt']])).toEqual([
      [503, true, '1'],
      [200, true, '2'],
    ]);
    const [first, second] = hook.requests;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(hook.accepted).toHaveLength(1);
    expect(hook.duplicates).toEqual([]);
    const body = JSON.parse(hook.accepted[0]!) as Notification;
    expect(body).toMatchObject({ version: 1, event: 'run.end', severity: 'P3', experiment: 'demo-latency' });
    expect(body.id).toBe(first!.headers['idempotency-key']);
    // This receiver does not take resolved alerts: only the breach.
    expect(body.alerts.map((a) => [a.status, a.labels.slo])).toEqual([['firing', 'fast-enough']]);
    expect(stats).toEqual({ delivered: 1, undelivered: 0, unrouted: 0 });
    expect(outcomes[0]).toMatchObject({ receiver: 'hook', delivered: true, attempts: 2 });
  });

  it('a body changed on the way (or a wrong secret) fails the check', async () => {
    const hook = await server({ secret: 'another secret' });
    const { notifier, outcomes } = await notifierFor(
      `  hook: { kind: webhook, url: "${hook.url}", secret: "\${env:HOOK_SECRET}" }`,
      '  - { severity: P3, receivers: [hook] }',
    );
    notifier.runEnded(breach());
    await notifier.close();
    // 401 is the receiver refusing: not retried.
    expect(hook.requests.map((r) => [r.status, r.signed])).toEqual([[401, false]]);
    expect(outcomes[0]).toMatchObject({ delivered: false, attempts: 1 });
    expect(outcomes[0]!.error).toMatch(/HTTP 401.* \(not retried\)$/);
  });

  it('a guard trip seen live and again at the run end is one alert', async () => {
    const hook = await server({ secret: SECRET });
    const { notifier } = await notifierFor(
      `  hook: { kind: webhook, url: "${hook.url}", secret: "\${env:HOOK_SECRET}" }`,
      '  - { severity: [P2, P3], receivers: [hook] }',
    );
    const run = guard();
    for (const e of run.events) notifier.observe(e);
    notifier.runEnded(run);
    await notifier.close();
    const events = hook.accepted.map((b) => (JSON.parse(b) as Notification).event);
    expect(events).toEqual(['guard.tripped', 'run.end']);
    expect(hook.requests).toHaveLength(2);
  });
});

describe('slack', () => {
  it('posts text and blocks, mrkdwn escaped', async () => {
    const chat = await server({});
    const { notifier } = await notifierFor(
      `  chat: { kind: slack, url: "${chat.url}/services/T/B/X", channel: "#chaos" }`,
      '  - { severity: P2, receivers: [chat] }',
    );
    notifier.runEnded(guard());
    await notifier.close();
    const posts = chat.accepted.map(
      (b) => JSON.parse(b) as { text: string; channel: string; blocks: { text?: { text: string } }[] },
    );
    expect(posts.map((p) => p.text)).toEqual([
      ":warning: [P2 major] demo-proxy-down: guard 'api-down' tripped; the run is stopping and rolling back",
      ':warning: [P2 major] demo-proxy-down: ABORTED',
    ]);
    expect(posts[0]!.channel).toBe('#chaos');
    expect(posts[0]!.blocks[0]!.text!.text).toContain('success_ratio (api) &lt; 50% for 2000 ms');
  });
});

describe('receivers that are down', () => {
  it('never hold up the caller; retried, then reported undelivered within the flush bound', async () => {
    const closedPort = await freePort();
    const hanging = await server({ answer: () => 'hang' });
    const refusing = await server({ answer: () => 400 });
    const { notifier, outcomes } = await notifierFor(
      [
        `  down: { kind: webhook, url: "http://127.0.0.1:${closedPort}/", secret: x }`,
        `  hangs: { kind: slack, url: "${hanging.url}" }`,
        `  refuses: { kind: alertmanager, url: "${refusing.url}" }`,
      ].join('\n'),
      '  - { severity: P3, receivers: [down, hangs, refuses] }',
      '{ attempts: 3, backoff: 20ms, timeout: 200ms, flushTimeout: 3s }',
    );
    const run = breach();
    const t0 = performance.now();
    notifier.runEnded(run);
    const enqueueMs = performance.now() - t0;
    const stats = await notifier.close();
    const closeMs = performance.now() - t0;

    expect(enqueueMs).toBeLessThan(50);
    expect(closeMs).toBeLessThan(3000);
    expect(stats).toEqual({ delivered: 0, undelivered: 3, unrouted: 0 });
    const by = Object.fromEntries(outcomes.map((o) => [o.receiver, o]));
    expect(by.down).toMatchObject({ attempts: 3, error: expect.stringContaining('ECONNREFUSED') });
    expect(by.hangs).toMatchObject({
      attempts: 3,
      error: expect.stringContaining('no answer within 200 ms'),
    });
    expect(by.refuses).toMatchObject({ attempts: 1, error: expect.stringContaining('HTTP 400') });
    expect(hanging.requests).toHaveLength(3);
    expect(refusing.requests[0]!.path).toBe('/api/v2/alerts');
    // Messages name the receiver's host, never its URL path (a Slack webhook's path is its secret).
    for (const o of outcomes) expect(o.error).not.toMatch(/\/services|\/api\/v2/);
  });

  it('what is still pending at exit is given up when the flush bound runs out', async () => {
    const hanging = await server({ answer: () => 'hang' });
    const { notifier, outcomes } = await notifierFor(
      `  hangs: { kind: webhook, url: "${hanging.url}", secret: x }`,
      '  - { severity: P3, receivers: [hangs] }',
      '{ attempts: 5, timeout: 30s, flushTimeout: 300ms }',
    );
    notifier.runEnded(breach());
    const t0 = performance.now();
    const stats = await notifier.close();
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(stats.undelivered).toBe(1);
    expect(outcomes[0]!.error).toMatch(
      /^still pending when squall exited \(after 300 ms of waiting\), 1 attempt\(s\)/,
    );
  });
});
