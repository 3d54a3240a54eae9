/**
 * For the control room's browser tests: a real `squall serve` (the CLI in a child process, on
 * port 0, its own history and runs dir in a temp dir), headless Chromium (Debian's, through
 * playwright-core), the quick experiments the tests start from the library, and the waits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'engine/app/cli/bin.ts');
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** Where screenshots go: `SQUALL_SCREENSHOTS=docs/screenshots/control-room` keeps them, else a temp dir. */
export function screenshotPath(tmp: string, name: string): string {
  const keep = process.env.SQUALL_SCREENSHOTS;
  return keep ? `${resolve(ROOT, keep)}-${name}.png` : join(tmp, `${name}.png`);
}

export interface Serve {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** `squall serve` on 127.0.0.1:0; resolves once it prints where it listens. */
export async function startServe(dir: string, extra: string[] = []): Promise<Serve> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      BIN,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--library',
      join(dir, 'library'),
      '--history',
      join(dir, 'history.db'),
      '--runs',
      join(dir, 'runs'),
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SQUALL_HOME: dir } },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`squall serve did not start in 30 s:\n${out}`)), 30_000);
    const look = () => {
      const m = /control room at (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.on('exit', () => {
      clearTimeout(timer);
      fail(new Error(`squall serve exited before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    /** SIGTERM (the server aborts a live run and waits for its rollback); SIGKILL after 30 s. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(killer);
      return code;
    },
  };
}

export function tempRoom(prefix: string): { dir: string; library: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `squall-room-${prefix}-`));
  const library = join(dir, 'library');
  mkdirSync(library);
  return { dir, library, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A token file line for `--tokens` (`name role sha256:<hex>`), and the token itself. */
export function tokenFor(name: string, role: 'viewer' | 'operator'): { token: string; line: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, line: `${name} ${role} sha256:${createHash('sha256').update(token).digest('hex')}` };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

const openContexts = new Set<BrowserContext>();

/**
 * A page (in its own browser context, so its session cookie is its own) that collects every
 * script error the control room throws. Close them with closeRoomPages before stopping the
 * server: an open page holds its event stream.
 */
export async function roomPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  openContexts.add(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return page;
}

export async function closeRoomPages(): Promise<void> {
  for (const c of openContexts) await c.close();
  openContexts.clear();
}

/**
 * JSON from the API as the local operator (loopback, no tokens: a mutation echoes the session's
 * CSRF value, as the page does) or with a bearer token.
 */
export async function api(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  const method = init.method ?? 'GET';
  const csrf =
    method !== 'GET' && !init.token
      ? ((await (await fetch(`${url}/api/session`)).json()) as { csrf: string }).csrf
      : undefined;
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      origin: url,
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(csrf ? { 'x-squall-csrf': csrf } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Waits until the run's state is `finished` (or fails after `timeoutMs`). */
export async function waitFinished(url: string, runId: string, timeoutMs = 60_000, token?: string) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(url, `/api/runs/${runId}`, { token });
    if (body?.state === 'finished' || body?.state === 'interrupted') return body;
    if (Date.now() > until) throw new Error(`run ${runId} still ${body?.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Writes a file into the library and returns its name there. */
export function addToLibrary(library: string, name: string, yaml: string): string {
  writeFileSync(join(library, name), yaml);
  return name;
}
