// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} and ${file:...} are the syntax under test.
/**
 * Secrets through a real `squall run` (main(), as bin.ts calls it): a managed process (a real
 * HTTP server) gets an API token from `${env:API_TOKEN}` and a key from `${file:key.txt}`, and
 * a real http probe sends both as headers; the server answers 200 only when both arrived
 * resolved, so the passing SLO proves resolution. Then every file in the run directory (journal,
 * reports, process log), and the reports `squall report` rebuilds from the journal, are
 * searched for the secrets, literal ones included; directories must be 0700 and files 0600.
 * Needs: nothing beyond Node (tsx not needed: main runs in this process).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../core/ports.js';
import { main } from './main.js';

const ENV_SECRET = 'env-secret-T0KEN-4242';
const FILE_SECRET = 'file-secret-0xK3Y-9999';
const LITERAL_ENV = 'hunter2-literal-env';
const LITERAL_COOKIE = 'session=literal-cookie-value';
const SECRETS = [ENV_SECRET, FILE_SECRET, LITERAL_ENV, LITERAL_COOKIE];

function io(cwd: string, env: Record<string, string>) {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd,
    env,
    text: () => out + err,
  };
}

/** Every file under `dir`, with its mode; every directory's mode too. */
function walk(dir: string): { files: Map<string, number>; dirs: Map<string, number> } {
  const files = new Map<string, number>();
  const dirs = new Map<string, number>([[dir, statSync(dir).mode & 0o777]]);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    (entry.isDirectory() ? dirs : files).set(path, statSync(path).mode & 0o777);
  }
  return { files, dirs };
}

describe('secrets in a real run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves references at run time; no file of the run dir holds a secret; 0700 dirs, 0600 files', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'key.txt'), `${FILE_SECRET}\n`);
    const server = `require('http').createServer((q,s)=>{s.statusCode=q.headers.authorization==='Bearer '+process.env.API_TOKEN&&q.headers['x-api-key']===process.env.FILE_KEY?200:401;s.end()}).listen(${port},'127.0.0.1')`;
    writeFileSync(
      join(dir, 'secrets.yaml'),
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: secrets }
system:
  processes:
    api:
      command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(server)}]
      env: { API_TOKEN: "\${env:API_TOKEN}", FILE_KEY: "\${file:key.txt}", LITERAL_PW: "${LITERAL_ENV}" }
      ready: { tcp: "127.0.0.1:${port}", timeout: 10s }
probes:
  - name: api
    kind: http
    every: 100ms
    params:
      url: http://127.0.0.1:${port}/
      headers: { Authorization: "Bearer \${env:API_TOKEN}", X-Api-Key: "\${file:key.txt}", Cookie: "${LITERAL_COOKIE}" }
phases: { preflight: 300ms, baseline: 500ms, recovery: 500ms }
slos:
  - { name: api-ok, sli: success_ratio, source: api, objective: ">= 99%" }
`,
    );
    const run = io(dir, { API_TOKEN: ENV_SECRET });
    const code = await main(['run', 'secrets.yaml', '--out', 'runs/one'], run);
    expect(code, run.text()).toBe(0);
    const runDir = join(dir, 'runs', 'one');
    const report = io(dir, {});
    expect(
      await main(['report', join(runDir, 'journal.jsonl'), '--out', join(runDir, 'again')], report),
    ).toBe(0);

    const { files, dirs } = walk(join(dir, 'runs'));
    expect([...files.keys()].map((f) => f.slice(runDir.length + 1)).sort()).toEqual(
      expect.arrayContaining([
        'journal.jsonl',
        'logs/api.log',
        'report.html',
        'summary.json',
        'again/report.html',
      ]),
    );
    for (const [file, mode] of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
      expect(mode.toString(8), file).toBe('600');
    }
    for (const [path, mode] of dirs) expect(mode.toString(8), path).toBe('700');
    for (const secret of SECRETS) expect(run.text() + report.text()).not.toContain(secret);

    // The journal keeps the references (what was used, not the value) and marks literals redacted.
    const start = JSON.parse(readFileSync(join(runDir, 'journal.jsonl'), 'utf8').split('\n')[0]!);
    expect(start.spec.system.processes.api.env).toEqual({
      API_TOKEN: '${env:API_TOKEN}',
      FILE_KEY: '${file:key.txt}',
      LITERAL_PW: '<redacted>',
    });
    expect(start.spec.probes[0].params.headers).toEqual({
      Authorization: 'Bearer ${env:API_TOKEN}',
      'X-Api-Key': '${file:key.txt}',
      Cookie: '<redacted>',
    });
  }, 60_000);

  it('an unset variable stops the run before anything starts: exit 2, positioned', async () => {
    writeFileSync(
      join(dir, 'unset.yaml'),
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: unset }
system:
  processes:
    api: { env: { T: "\${env:SQUALL_TEST_UNSET}" }, command: [${JSON.stringify(process.execPath)}, -e, "setInterval(()=>{},1000)"] }
phases: { preflight: 0s, baseline: 200ms, recovery: 200ms }
`,
    );
    const run = io(dir, {});
    expect(await main(['run', 'unset.yaml', '--out', 'runs/unset'], run)).toBe(2);
    expect(run.text()).toContain(
      "unset.yaml:6:22 system.processes.api.env.T: ${env:SQUALL_TEST_UNSET} is not set in squall's environment",
    );
    expect(readdirSync(join(dir, 'runs', 'unset'))).not.toContain('logs');
  });
});
