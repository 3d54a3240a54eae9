// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is config text, the syntax under test.
/**
 * The notification config as a user writes it: every problem at once, positioned
 * (`file:line:col field.path: message`), with did-you-mean; secrets resolved at load.
 * Needs: nothing (files in a temp dir).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../app/cli/main.js';
import { ExitCode, formatSpecIssue, SpecError } from '../core/errors.js';
import { loadNotifyConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-notify-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function load(text: string, env: Record<string, string> = {}) {
  const path = join(dir, `notify-${n++}.yaml`);
  writeFileSync(path, text);
  return loadNotifyConfig(path, { env, label: 'notify.yaml' });
}

async function issues(
  text: string,
  env: Record<string, string> = {},
): Promise<{ code: string; lines: string[] }> {
  try {
    const config = await load(text, env);
    for (const r of config.receivers.values()) r.close();
  } catch (err) {
    if (err instanceof SpecError) return { code: err.code, lines: err.issues.map(formatSpecIssue) };
    throw err;
  }
  return { code: 'none', lines: [] };
}

const HEAD = 'apiVersion: squall/v1\nkind: Notify\n';

describe('notification config', () => {
  it('loads receivers of every kind, routes by severity and the delivery defaults', async () => {
    writeFileSync(join(dir, 'hook-secret'), 'from-a-file\n');
    const config = await load(
      `${HEAD}receivers:
  pager: { kind: alertmanager, url: "http://127.0.0.1:9093" }
  chat: { kind: slack, url: "\${env:CHAT_URL}", sendResolved: true }
  tickets: { kind: webhook, url: "https://tickets.example/hook", secret: "\${file:hook-secret}" }
routes:
  - { severity: P1, receivers: [pager, chat] }
  - { severity: [P2, P3], receivers: [chat], experiments: [demo-latency] }
`,
      { CHAT_URL: 'https://hooks.slack.example/services/T/B/X' },
    );
    expect([...config.receivers.keys()]).toEqual(['pager', 'chat', 'tickets']);
    expect([...config.receivers.values()].map((r) => [r.kind, r.sendResolved])).toEqual([
      ['alertmanager', true],
      ['slack', true],
      ['webhook', false],
    ]);
    expect(config.routes).toEqual([
      { severities: ['P1'], experiments: undefined, receivers: ['pager', 'chat'] },
      { severities: ['P2', 'P3'], experiments: ['demo-latency'], receivers: ['chat'] },
    ]);
    expect(config.delivery).toEqual({
      attempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 30_000,
      concurrency: 4,
      maxPending: 10_000,
      flushTimeoutMs: 10_000,
    });
    for (const r of config.receivers.values()) r.close();
  });

  it('reports every problem at once, positioned, with did-you-mean', async () => {
    const { code, lines } = await issues(`${HEAD}receivers:
  pager: { kind: alertmanagr, url: "http://127.0.0.1:9093" }
  chat:
    kind: slack
    url: not a url
    chanel: "#ops"
  hook: { kind: webhook, url: "http://127.0.0.1:1/x" }
routes:
  - { severity: P5, receivers: [pager] }
  - { severity: P1, receivers: [chatt] }
delivery: { attempts: 0, backoff: soon }
`);
    expect(code).toBe('SQUALL_NOTIFY_CONFIG_INVALID');
    expect(lines).toEqual([
      'notify.yaml:11:17 routes[0].severity: expected P1, P2, P3 or P4, or a list of them',
      'notify.yaml:13:23 delivery.attempts: expected at least 1, got the number 0',
      "notify.yaml:13:35 delivery.backoff: expected a duration such as '250ms', '30s' or '5m', got 'soon'",
    ]);
    // Receivers and routes are checked once the file's shape is right.
    const second = await issues(`${HEAD}receivers:
  pager: { kind: alertmanagr, url: "http://127.0.0.1:9093" }
  chat:
    kind: slack
    url: not a url
    chanel: "#ops"
  hook: { kind: webhook, url: "http://127.0.0.1:1/x" }
routes:
  - { severity: P1, receivers: [chatt] }
`);
    expect(second.lines).toEqual([
      "notify.yaml:4:18 receivers.pager.kind: unknown receiver kind 'alertmanagr' (did you mean 'alertmanager'?); known: alertmanager, slack, webhook",
      'notify.yaml:7:10 receivers.chat.url: expected an http(s) URL, or a secret reference such as ${env:SLACK_WEBHOOK_URL}',
      "notify.yaml:8:5 receivers.chat.chanel: unknown field 'chanel' (did you mean 'channel'?); expected one of: channel, iconEmoji, sendResolved, url, username",
      "notify.yaml:9:9 receivers.hook.secret: missing required field 'secret'",
      "notify.yaml:11:33 routes[0].receivers[0]: no receiver named 'chatt' (did you mean 'chat'?); receivers: pager, chat, hook",
    ]);
  });

  it('resolves secret references at load: an unset variable, or one that is not a URL, stops it there', async () => {
    const text = `${HEAD}receivers:
  chat: { kind: slack, url: "\${env:CHAT_URL}" }
routes: [{ severity: P1, receivers: [chat] }]
`;
    const unset = await issues(text);
    expect(unset.code).toBe('SQUALL_SECRET_UNRESOLVED');
    expect(unset.lines).toEqual([
      "notify.yaml:4:29 receivers.chat.url: ${env:CHAT_URL} is not set in squall's environment",
    ]);
    const notUrl = await issues(text, { CHAT_URL: 'hunter2' });
    expect(notUrl.code).toBe('SQUALL_NOTIFY_CONFIG_INVALID');
    // The resolved value is a secret: never quoted back.
    expect(notUrl.lines).toEqual([
      'notify.yaml:4:29 receivers.chat.url: expected an http(s) URL, or a secret reference such as ${env:SLACK_WEBHOOK_URL} (once its secret reference is resolved)',
    ]);
    expect(notUrl.lines.join('\n')).not.toContain('hunter2');
  });

  it('an empty, missing or non-YAML file is an issue at 1:1, not a crash', async () => {
    expect((await issues('')).lines).toEqual([
      'notify.yaml:1:1 the file is empty; expected apiVersion: squall/v1 and kind: Notify',
    ]);
    expect((await issues('receivers: [\n')).lines[0]).toMatch(
      /^notify\.yaml:1:12 invalid YAML: this '\[' is never closed/,
    );
    await expect(loadNotifyConfig(join(dir, 'absent.yaml'), { env: {} })).rejects.toMatchObject({
      code: 'SQUALL_NOTIFY_CONFIG_INVALID',
      message: expect.stringContaining('cannot read the notification config file: no such file'),
    });
  });
});

describe('squall run --notify', () => {
  const ROOT = new URL('../../', import.meta.url).pathname;
  async function dryRun(notify: string) {
    let err = '';
    const code = await main(['run', 'experiments/demo-latency.yaml', '--dry-run', '--notify', notify], {
      stdout: { write: () => true },
      stderr: { write: (c: string) => (err += c) },
      cwd: ROOT,
      env: {},
    });
    return { code, err };
  }

  it('checks the config before anything runs, --dry-run too: a bad one is exit 2, positioned', async () => {
    const bad = join(dir, 'bad-run.yaml');
    writeFileSync(bad, `${HEAD}receivers:\n  chat: { kind: slak, url: "http://127.0.0.1:1" }\n`);
    expect(await dryRun(bad)).toEqual({
      code: ExitCode.invalidInput,
      err: `${bad}:4:17 receivers.chat.kind: unknown receiver kind 'slak' (did you mean 'slack'?); known: alertmanager, slack, webhook\n`,
    });
    const good = join(dir, 'good-run.yaml');
    writeFileSync(good, `${HEAD}receivers:\n  chat: { kind: slack, url: "http://127.0.0.1:1" }\n`);
    expect(await dryRun(good)).toEqual({ code: ExitCode.ok, err: '' });
  });
});
