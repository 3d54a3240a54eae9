/**
 * The control room on a real server (loopback, port 0, no tokens) with real runs of short
 * experiments (an HTTP service behind a fault proxy the run starts, probed through it; no
 * root): the library and plans, start with a second run queued behind the first, the reports
 * and the trend of what ran, and the live stream with its operator controls: pause holds the
 * injection, resume lets it happen, abort rolls it back (traffic flows through the proxy again)
 * and the run exits 3, each action journaled with who took it; a late viewer gets the whole
 * run so far, a reconnect with Last-Event-ID only what followed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../run/journal.js';
import {
  api,
  type Harness,
  httpStatus,
  sse,
  startHarness,
  waitFinished,
} from './test-support/serve-harness.js';

let h: Harness;
let csrf: string;
const mutate = () => ({ 'x-squall-csrf': csrf });

beforeAll(async () => {
  h = await startHarness();
  csrf = (await api(h.base, '/api/session')).body.csrf;
});
afterAll(async () => {
  await h.close();
});

describe('squall serve: library and plans', () => {
  it('answers /healthz and the tokenless session as an operator named after the local user', async () => {
    expect((await api(h.base, '/healthz')).body).toEqual({ ok: true });
    const session = await api(h.base, '/api/session');
    expect(session.body).toMatchObject({ user: 'tester', role: 'operator' });
    expect(session.body.csrf).toMatch(/^[\w-]{20,}$/);
  });

  it('lists the library with each file’s vars, and nothing outside it', async () => {
    const lib = await api(h.base, '/api/library');
    expect(lib.body.map((e: { file: string }) => e.file)).toEqual(['long.yaml', 'quick.yaml']);
    expect(lib.body[1]).toMatchObject({
      kind: 'Experiment',
      name: 'quick',
      description: 'proxy down for a while',
      vars: [
        { name: 'baseline', default: '600ms', type: 'string' },
        { name: 'down', default: '600ms', type: 'string' },
      ],
    });
  });

  it('plans a file as squall plan prints it, with vars applied', async () => {
    const plan = await api(
      h.base,
      `/api/library/plan?file=quick.yaml&vars=${encodeURIComponent('{"down":"900ms"}')}`,
    );
    expect(plan.status).toBe(200);
    const cli = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'engine/app/cli/bin.ts',
        'plan',
        join(h.library, 'quick.yaml'),
        '--var',
        'down=900ms',
      ],
      {
        cwd: new URL('../../../', import.meta.url).pathname,
        encoding: 'utf8',
      },
    );
    expect(plan.body.text).toBe(cli);
    expect(plan.body.faults).toEqual([
      {
        name: 'outage',
        kind: 'proxy.down',
        target: { proxy: 'api-proxy' },
        agent: 'local',
        at: '+900ms',
        duration: '900ms',
      },
    ]);
    expect(plan.body.blastRadius).toContain('proxies api-proxy');
  });

  it('refuses paths outside the library (403) and says which files exist', async () => {
    for (const file of ['../secret.yaml', join(h.dir, 'secret.yaml'), 'sub/../../secret.yaml']) {
      const r = await api(h.base, '/api/runs', { body: { file }, headers: mutate() });
      expect(r.status, file).toBe(403);
      expect(r.body.code).toBe('SQUALL_SERVE_FORBIDDEN');
      expect(r.body.message).toContain('outside the library');
    }
    const plan = await api(h.base, '/api/library/plan?file=../secret.yaml');
    expect(plan.status).toBe(403);
    const missing = await api(h.base, '/api/runs', { body: { file: 'nope.yaml' }, headers: mutate() });
    expect(missing.status).toBe(404);
  });

  it('answers bad vars with 400 and the positioned issue --var would give', async () => {
    const r = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml', vars: { dwon: '1s' } },
      headers: mutate(),
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('SQUALL_SPEC_INVALID');
    expect(r.body.issues[0]).toMatch(/^quick\.yaml:1:1 vars: .*dwon.*did you mean 'down'/);
    const bad = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml', vars: { down: 'soon' } },
      headers: mutate(),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.join('\n')).toMatch(/quick\.yaml:\d+:\d+ faults\[0\]\.duration/);
    const nested = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml', vars: { down: { x: 1 } } },
      headers: mutate(),
    });
    expect(nested).toMatchObject({ status: 400, body: { code: 'SQUALL_SERVE_BAD_REQUEST' } });
    const notJson = await fetch(`${h.base}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...mutate() },
      body: 'x',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toContain(
      'Content-Type: application/json',
    );
  });

  it('answers unknown routes, runs and query values with a 4xx and a message, never a stack', async () => {
    const cases: [string, number][] = [
      ['/api/nothing', 404],
      ['/api/runs/00000000-dead', 404],
      ['/api/runs?limit=lots', 400],
      ['/api/experiments/quick/trend?days=-1', 400],
      ['/api/compare?a=x', 400],
      ['/ui/..%2F..%2Fpackage.json', 404],
    ];
    for (const [url, status] of cases) {
      const r = await api(h.base, url);
      expect(r.status, url).toBe(status);
      expect(r.body.code, url).toMatch(/^SQUALL_/);
      expect(JSON.stringify(r.body), url).not.toMatch(/\bat .*\.ts:\d+/);
    }
    const control = await api(h.base, '/api/runs/none/pause', { method: 'POST', headers: mutate() });
    expect(control.status).toBe(404);
  });
});

describe('squall serve: runs', () => {
  let first: string;
  let second: string;

  it('starts a run, queues the next behind it, and finishes both in order', async () => {
    const a = await api(h.base, '/api/runs', { body: { file: 'quick.yaml' }, headers: mutate() });
    const b = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml', vars: { down: '400ms' } },
      headers: mutate(),
    });
    expect(a.status).toBe(202);
    expect(b).toMatchObject({ status: 202, body: { state: 'queued' } });
    first = a.body.runId;
    second = b.body.runId;
    const listed = await api(h.base, '/api/runs');
    const states = Object.fromEntries(
      listed.body.map((r: { runId: string; state: string }) => [r.runId, r.state]),
    );
    expect(states[second]).toBe('queued');
    expect(['queued', 'running']).toContain(states[first]);
    const one = await waitFinished(h.base, first);
    const two = await waitFinished(h.base, second);
    expect([one.outcome, one.exitCode, two.outcome, two.exitCode]).toEqual(['passed', 0, 'passed', 0]);
    expect(Date.parse(two.startedAt)).toBeGreaterThanOrEqual(Date.parse(one.endedAt));
    expect(one.startedBy).toBe('tester');
    expect(one.file).toBe('quick.yaml');
    expect(two.vars).toMatchObject({ down: '400ms' });
    const newest = await api(h.base, '/api/runs?experiment=quick&outcome=passed&limit=1');
    expect(newest.body.map((r: { runId: string }) => r.runId)).toEqual([second]);
  });

  it('serves the run with its SLOs and its report files', async () => {
    const run = await api(h.base, `/api/runs/${first}`);
    expect(run.body.slos.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['available', 'met'],
    ]);
    expect(run.body.reports).toEqual({
      html: `/api/runs/${first}/files/report.html`,
      md: `/api/runs/${first}/files/summary.md`,
      postmortem: `/api/runs/${first}/files/postmortem.md`,
      journal: `/api/runs/${first}/files/journal.jsonl`,
      json: `/api/runs/${first}/files/summary.json`,
    });
    const html = await fetch(`${h.base}${run.body.reports.html}`);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain('sandbox');
    expect(await html.text()).toContain('<html');
    const summary = await api(h.base, run.body.reports.json);
    expect(summary.body.runId).toBe(first);
    expect((await api(h.base, `/api/runs/${first}/files/secrets.txt`)).status).toBe(404);
  });

  it('gives the trend with budgets across runs, and the comparison squall report --compare writes', async () => {
    const trend = await api(h.base, '/api/experiments/quick/trend?days=7');
    expect(trend.body.runs.map((r: { runId: string }) => r.runId)).toEqual([first, second]);
    expect(trend.body.runs[0].slos[0]).toMatchObject({ name: 'available', window: 'run', status: 'met' });
    expect(trend.body.budgets[0]).toMatchObject({
      slo: 'available',
      window: 'run',
      runs: 2,
      runsMet: 2,
      regressed: false,
    });
    const cmp = await api(h.base, `/api/compare?a=${second}&b=${first}`);
    expect(cmp.status).toBe(200);
    expect(cmp.body.markdown).toContain('available');
  });

  it('replays a finished run’s whole journal to a viewer, then its final state', async () => {
    const client = sse(h.base, `/api/runs/${first}/events`);
    const state = await client.waitFor((e) => e.event === 'state');
    client.close();
    const journal = client.events.filter((e) => e.event === 'journal');
    expect(journal[0]!.data.type).toBe('run.start');
    expect(journal.at(-1)!.data.type).toBe('run.end');
    expect(journal.map((e) => Number(e.id))).toEqual(
      journal.map((_, i) => i + 1).map((_, i) => journal[i]!.data.seq),
    );
    expect(state.data).toMatchObject({ state: 'finished', exitCode: 0, outcome: 'passed' });
  });
});

describe('squall serve: live run and operator controls', () => {
  it('pause holds the injection, resume injects, abort rolls back and exits 3; late and resumed viewers catch up', async () => {
    const start = await api(h.base, '/api/runs', { body: { file: 'long.yaml' }, headers: mutate() });
    expect(start.body).toMatchObject({ state: expect.any(String) });
    const runId = start.body.runId;
    const paused = await api(h.base, `/api/runs/${runId}/pause`, { method: 'POST', headers: mutate() });
    expect(paused.body).toEqual({ ok: true });
    expect(
      (await api(h.base, `/api/runs/${runId}/resume`, { method: 'POST', headers: mutate() })).status,
    ).toBe(200);
    expect(
      (await api(h.base, `/api/runs/${runId}/resume`, { method: 'POST', headers: mutate() })).status,
    ).toBe(409);
    await api(h.base, `/api/runs/${runId}/pause`, { method: 'POST', headers: mutate() });
    const live = sse(h.base, `/api/runs/${runId}/events`);
    // The fault is due 1.2 s after preflight starts; paused, it must not come.
    await live.waitFor(
      (e) => e.event === 'journal' && e.data.type === 'phase' && e.data.phase === 'baseline',
    );
    await live.waitFor((e) => e.event === 'scoreboard');
    await new Promise((r) => setTimeout(r, 1500));
    expect(live.events.some((e) => e.data?.type === 'fault.injected')).toBe(false);
    expect(live.events.filter((e) => e.event === 'state').at(-1)!.data).toMatchObject({
      state: 'running',
      paused: true,
    });
    const note = await api(h.base, `/api/runs/${runId}/notes`, {
      body: { text: 'paged at +2 s' },
      headers: mutate(),
    });
    expect(note.status).toBe(201);
    await api(h.base, `/api/runs/${runId}/resume`, { method: 'POST', headers: mutate() });
    const injected = await live.waitFor((e) => e.data?.type === 'fault.injected');
    expect(await httpStatus(h.extPort)).toBe(0);

    // A viewer joining now gets everything so far; one resuming gets only what followed.
    const late = sse(h.base, `/api/runs/${runId}/events`);
    await late.waitFor((e) => e.event === 'state');
    const seqs = (c: typeof late) =>
      c.events.filter((e) => e.event === 'journal').map((e) => e.data.seq as number);
    expect(seqs(late).slice(0, seqs(live).indexOf(injected.data.seq) + 1)).toEqual(
      seqs(live).slice(0, seqs(live).indexOf(injected.data.seq) + 1),
    );
    const resumed = sse(h.base, `/api/runs/${runId}/events`, { 'last-event-id': String(injected.data.seq) });
    await resumed.waitFor((e) => e.event === 'state');
    const firstResumed = resumed.events.find((e) => e.event === 'journal');
    if (firstResumed) expect(firstResumed.data.seq).toBe(injected.data.seq + 1);
    await resumed.waitFor((e) => e.data?.type === 'metrics' && e.data.seq > injected.data.seq);
    expect(seqs(resumed)[0]).toBe(injected.data.seq + 1);

    const abort = await api(h.base, `/api/runs/${runId}/abort`, { method: 'POST', headers: mutate() });
    expect(abort.status).toBe(200);
    await live.waitFor((e) => e.data?.type === 'fault.reverted');
    const end = await live.waitFor((e) => e.event === 'state' && e.data.state === 'finished');
    // Reverted on the real proxy, which outlives the run: traffic flows through it again.
    expect(await httpStatus(h.extPort)).toBe(200);
    expect(end.data).toMatchObject({ exitCode: 3, outcome: 'aborted' });
    expect(
      (await api(h.base, `/api/runs/${runId}/abort`, { method: 'POST', headers: mutate() })).status,
    ).toBe(409);
    for (const c of [live, late, resumed]) c.close();

    const run = await api(h.base, `/api/runs/${runId}`);
    const { events } = readJournal(join(h.app.squall.runs.get(runId)!.outDir, 'journal.jsonl'));
    const ops = events.flatMap((e) =>
      e.type.startsWith('operator.') || e.type === 'abort' ? [[e.type, (e as { by?: string }).by]] : [],
    );
    expect(ops).toEqual([
      ['operator.pause', 'tester'],
      ['operator.resume', 'tester'],
      ['operator.pause', 'tester'],
      ['operator.note', 'tester'],
      ['operator.resume', 'tester'],
      ['abort', 'tester'],
    ]);
    expect(run.body).toMatchObject({ state: 'finished', exitCode: 3, outcome: 'aborted' });
  }, 40_000);

  it('exports /metrics that promtool accepts, with the runs by outcome', async () => {
    const res = await fetch(`${h.base}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/^squall_runs_total\{outcome="passed"\} 2$/m);
    expect(text).toMatch(/^squall_runs_total\{outcome="aborted"\} 1$/m);
    expect(text).toMatch(/^squall_run_active 0$/m);
    expect(text).toMatch(/^squall_slo_budget_remaining_ratio\{slo="available",window="run"\} /m);
    expect(text).toMatch(/^squall_operator_actions_total\{action="pause"\} 2$/m);
    const check = execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.trim()).toBe('');
  });
});
