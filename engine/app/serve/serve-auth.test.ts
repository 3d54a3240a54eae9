/**
 * The control room with --tokens (real server on a loopback port, tokens made as `squall serve
 * token add` makes them): no token is 401; a viewer reads but every mutation is 403; a
 * cross-origin POST is refused even with an operator token; a cookie session needs the CSRF
 * header; a note is journaled with the token's name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../run/journal.js';
import { api, type Harness, sse, startHarness, waitFinished } from './test-support/serve-harness.js';
import { addToken, readTokens } from './tokens.js';

let h: Harness;
let viewer: string;
let operator: string;
let fileText: string;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'squall-tokens-')), 'tokens.txt');
  viewer = addToken(file, 'wall', 'viewer');
  operator = addToken(file, 'alice', 'operator');
  fileText = readFileSync(file, 'utf8');
  h = await startHarness({ tokens: readTokens(file) });
  const { rmSync } = await import('node:fs');
  rmSync(join(file, '..'), { recursive: true });
});
afterAll(async () => {
  await h.close();
});

describe('squall serve --tokens', () => {
  it('keeps only hashes in the file, one line per token with its role', () => {
    expect(viewer).toMatch(/^sq_[\w-]{43}$/);
    expect(viewer).not.toBe(operator);
    const lines = fileText.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines.map((l) => l.split(' ').slice(0, 2))).toEqual([
      ['wall', 'viewer'],
      ['alice', 'operator'],
    ]);
    for (const l of lines) expect(l).toMatch(/ sha256:[0-9a-f]{64}$/);
    expect(fileText).not.toContain(viewer);
    expect(fileText).not.toContain(operator);
  });

  it('answers 401 without a token, and /healthz to anyone', async () => {
    expect((await api(h.base, '/healthz')).status).toBe(200);
    for (const path of ['/api/runs', '/api/library', '/api/session', '/metrics']) {
      const r = await api(h.base, path);
      expect(r.status, path).toBe(401);
      expect(r.body.code).toBe('SQUALL_SERVE_UNAUTHORIZED');
    }
    expect((await api(h.base, '/api/runs', { headers: bearer('sq_wrong') })).status).toBe(401);
  });

  it('lets a viewer read, and refuses every mutation with 403', async () => {
    expect((await api(h.base, '/api/session', { headers: bearer(viewer) })).body).toMatchObject({
      user: 'wall',
      role: 'viewer',
    });
    expect((await api(h.base, '/api/runs', { headers: bearer(viewer) })).status).toBe(200);
    const started = await api(h.base, '/api/runs', {
      body: { file: 'long.yaml' },
      headers: bearer(operator),
    });
    expect(started.status).toBe(202);
    const id = started.body.runId;
    const mutations: [string, unknown][] = [
      ['/api/runs', { file: 'quick.yaml' }],
      [`/api/runs/${id}/abort`, undefined],
      [`/api/runs/${id}/pause`, undefined],
      [`/api/runs/${id}/resume`, undefined],
      [`/api/runs/${id}/notes`, { text: 'hi' }],
    ];
    for (const [path, body] of mutations) {
      const r = await api(h.base, path, { method: 'POST', body, headers: bearer(viewer) });
      expect(r.status, path).toBe(403);
      expect(r.body.message).toContain('wall is a viewer');
    }
    // Cross-origin: refused even for an operator.
    const cross = await api(h.base, `/api/runs/${id}/notes`, {
      body: { text: 'from evil' },
      headers: { ...bearer(operator), origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect(cross.body.message).toContain('cross-origin');
    const note = await api(h.base, `/api/runs/${id}/notes`, {
      body: { text: 'paged' },
      headers: bearer(operator),
    });
    expect(note.status).toBe(201);
    const live = sse(h.base, `/api/runs/${id}/events`, bearer(viewer));
    await live.waitFor((e) => e.data?.type === 'operator.note');
    live.close();
    expect(
      (await api(h.base, `/api/runs/${id}/abort`, { method: 'POST', headers: bearer(operator) })).status,
    ).toBe(200);
    const done = await waitFinished(h.base, id, bearer(viewer));
    expect(done).toMatchObject({ exitCode: 3, startedBy: 'alice' });
    const { events } = readJournal(join(h.app.squall.runs.get(id)!.outDir, 'journal.jsonl'));
    const notes = events.filter((e) => e.type === 'operator.note');
    expect(notes.map((n) => [(n as { by: string }).by, (n as { text: string }).text])).toEqual([
      ['alice', 'paged'],
    ]);
    expect(events.find((e) => e.type === 'abort')).toMatchObject({ reason: 'operator', by: 'alice' });
  }, 30_000);

  it('signs in with a cookie (HttpOnly, SameSite=Strict) whose mutations need the CSRF header', async () => {
    const bad = await api(h.base, '/api/login', { body: { token: 'sq_nope' } });
    expect(bad.status).toBe(401);
    const login = await api(h.base, '/api/login', { body: { token: operator } });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^squall_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const session = await api(h.base, '/api/session', { headers: { cookie } });
    expect(session.body).toMatchObject({ user: 'alice', role: 'operator' });
    const withoutCsrf = await api(h.base, '/api/runs', { body: { file: 'quick.yaml' }, headers: { cookie } });
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.body.message).toContain('X-Squall-CSRF');
    const wrongCsrf = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml' },
      headers: { cookie, 'x-squall-csrf': 'x' },
    });
    expect(wrongCsrf.status).toBe(403);
    const ok = await api(h.base, '/api/runs', {
      body: { file: 'quick.yaml' },
      headers: { cookie, 'x-squall-csrf': session.body.csrf },
    });
    expect(ok.status).toBe(202);
    await waitFinished(h.base, ok.body.runId, { cookie });
    const out = await api(h.base, '/api/logout', { method: 'POST', headers: { cookie } });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await api(h.base, '/api/session', { headers: { cookie } })).status).toBe(401);
  }, 30_000);

  it('refuses a tokens file line that is not name role sha256:<hex>, naming file and line', async () => {
    const { parseTokens } = await import('./tokens.js');
    expect(() => parseTokens('alice admin sha256:00\n', 'tokens.txt')).toThrow(/tokens\.txt:1: role 'admin'/);
    expect(() => parseTokens(`# c\nbob viewer md5:${'0'.repeat(64)}\n`, 't')).toThrow(
      /t:2: the hash must be sha256/,
    );
  });
});
