/**
 * `squall serve` as a user runs it (the real CLI in a child process): a non-loopback address
 * without --tokens is refused with exit 2 before anything binds; `token add` prints a token
 * once; HTTPS with a certificate from `squall certs`; and a server killed (SIGKILL) mid-run
 * leaves the run `interrupted` in the history the next server reads, while SIGTERM aborts the
 * active run, waits for its rollback and exits 0.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../core/ports.js';
import { type Child, squall, waitFor } from '../../history/test-support/quick-run.js';
import { api, type Harness, startHarness } from './test-support/serve-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-serve-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function serve(args: string[], env: Record<string, string> = {}): Child {
  const c = squall(['serve', ...args], env);
  cleanups.push(() => {
    if (c.child.exitCode === null) c.child.kill('SIGKILL');
  });
  return c;
}

describe('squall serve (CLI)', () => {
  it('refuses a non-loopback address without --tokens: exit 2 and what to add', async () => {
    const c = serve(['--listen', '0.0.0.0:0', '--library', 'experiments']);
    expect(await c.exit).toBe(2);
    expect(c.output()).toContain('SQUALL_SERVE_INSECURE_LISTEN');
    expect(c.output()).toContain('--tokens FILE');
    expect(c.output()).toContain('squall serve token add');
  });

  it('adds a token, printing it once, and serves HTTPS with a certificate from squall certs', async () => {
    const dir = tempDir();
    const certs = squall([
      'certs',
      'init',
      '--dir',
      join(dir, 'pki'),
      '--agent',
      'serve',
      '--host',
      '127.0.0.1',
    ]);
    expect(await certs.exit).toBe(0);
    const add = squall([
      'serve',
      'token',
      'add',
      'alice',
      '--role',
      'operator',
      '--file',
      join(dir, 'tokens.txt'),
    ]);
    expect(await add.exit).toBe(0);
    const token = add.stdout().trim();
    expect(token).toMatch(/^sq_/);
    expect(readFileSync(join(dir, 'tokens.txt'), 'utf8')).toMatch(/^alice operator sha256:[0-9a-f]{64}$/m);
    const port = await freePort();
    const c = serve([
      '--listen',
      `127.0.0.1:${port}`,
      '--library',
      'experiments',
      '--tokens',
      join(dir, 'tokens.txt'),
      '--tls-cert',
      join(dir, 'pki/serve.pem'),
      '--tls-key',
      join(dir, 'pki/serve.key'),
      '--history',
      join(dir, 'history.db'),
    ]);
    await waitFor(() => c.output().includes('control room at'), 20_000, 'the server to listen');
    expect(c.output()).toContain(`https://127.0.0.1:${port}`);
    const ca = readFileSync(join(dir, 'pki/ca.pem'));
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, ca, headers }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get('/healthz')).toEqual({ status: 200, body: '{"ok":true}' });
    expect((await get('/api/session')).status).toBe(401);
    const session = await get('/api/session', { authorization: `Bearer ${token}` });
    expect(JSON.parse(session.body)).toMatchObject({ user: 'alice', role: 'operator' });
    c.child.kill('SIGTERM');
    expect(await c.exit).toBe(0);
  }, 40_000);
});

describe('squall serve: crashes and stops', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const startServer = async (dir: string, library: string) => {
    const port = await freePort();
    const c = serve([
      '--listen',
      `127.0.0.1:${port}`,
      '--library',
      library,
      '--history',
      join(dir, 'history.db'),
      '--runs',
      join(dir, 'runs'),
    ]);
    await waitFor(() => c.output().includes('control room at'), 20_000, 'the server to listen');
    return { c, base: `http://127.0.0.1:${port}` };
  };
  const csrfOf = async (base: string) => ({
    'x-squall-csrf': (await api(base, '/api/session')).body.csrf as string,
  });
  const untilInjected = async (base: string, id: string) => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = await api(base, `/api/runs/${id}/files/journal.jsonl`);
      if (typeof r.body === 'string' && r.body.includes('"fault.injected"')) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the fault was never injected');
  };

  it('a server killed mid-run: the next one shows the run interrupted', async () => {
    // The harness only provides the library (and the proxy `long.yaml` takes down).
    h = await startHarness();
    const dir = tempDir();
    const first = await startServer(dir, h.library);
    const started = await api(first.base, '/api/runs', {
      body: { file: 'long.yaml' },
      headers: await csrfOf(first.base),
    });
    const id = started.body.runId as string;
    await untilInjected(first.base, id);
    first.c.child.kill('SIGKILL');
    await first.c.exit;
    const second = await startServer(dir, h.library);
    const run = await api(second.base, `/api/runs/${id}`);
    expect(run.body).toMatchObject({ runId: id, state: 'interrupted', outcome: 'interrupted' });
    second.c.child.kill('SIGTERM');
    expect(await second.c.exit).toBe(0);
  }, 60_000);

  it('SIGTERM aborts the active run, waits for its rollback, then exits', async () => {
    h = await startHarness();
    const dir = tempDir();
    const s = await startServer(dir, h.library);
    const started = await api(s.base, '/api/runs', {
      body: { file: 'long.yaml' },
      headers: await csrfOf(s.base),
    });
    const id = started.body.runId as string;
    await untilInjected(s.base, id);
    // A browser watching: its open event stream must not hold the server up (it did: 15 s+).
    const watcher = new AbortController();
    const stream = await fetch(`${s.base}/api/runs/${id}/events`, { signal: watcher.signal });
    const seen = stream.body!.getReader().read();
    expect((await seen).done).toBe(false);
    const stoppingAt = Date.now();
    s.c.child.kill('SIGTERM');
    expect(await s.c.exit).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(10_000);
    watcher.abort();
    expect(s.c.output()).toContain(`aborting run ${id}`);
    const journal = readFileSync(
      join(dir, 'runs', readdirSync(join(dir, 'runs'))[0]!, 'journal.jsonl'),
      'utf8',
    );
    expect(journal).toContain('"fault.reverted"');
    expect(journal).toMatch(/"type":"run\.end","exitCode":3/);
  }, 60_000);
});
