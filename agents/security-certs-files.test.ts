/**
 * Issue 12, finding 10 (`squall certs init` files and removal hints), with the real CLI code,
 * real files and a real shell:
 * - `--force` leaves keys 0600 and certificates 0644 whatever modes the old files had, and a
 *   reused CA key with a loose mode is tightened (and said so);
 * - `--agent ../x` (or a controller name with a slash) is a usage error, exit 2, and nothing is
 *   written outside `--dir`;
 * - the output is one aligned table of what was written;
 * - removal hints are quoted for a shell: the stress.disk hint, run by `sh -c`, removes the file
 *   in a directory whose name holds spaces and `$(...)`, and runs nothing else.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../engine/app/cli/main.js';
import { createLocalAgent } from './local/local-agent.js';
import { captureIo } from './test-support/squall-cli.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('finding 10: certs init files, names and hints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const init = async (...args: string[]) => {
    const io = captureIo(dir);
    const code = await main(['certs', 'init', '--dir', 'certs', ...args], io);
    return { code, out: io.out(), err: io.err() };
  };
  const file = (name: string) => join(dir, 'certs', name);

  it('--force ends with keys 0600 and certificates 0644, whatever the old files had', async () => {
    expect((await init('--agent', 'edge-1')).code).toBe(0);
    chmodSync(file('ca.key'), 0o644);
    chmodSync(file('edge-1.key'), 0o666);
    chmodSync(file('squall-controller.key'), 0o640);
    chmodSync(file('edge-1.pem'), 0o600);
    const forced = await init('--agent', 'edge-1', '--force');
    expect(forced.code, forced.err).toBe(0);
    for (const key of ['ca.key', 'edge-1.key', 'squall-controller.key'])
      expect(mode(file(key)), key).toBe(0o600);
    for (const cert of ['ca.pem', 'edge-1.pem', 'squall-controller.pem'])
      expect(mode(file(cert)), cert).toBe(0o644);
    // No temporary files left behind.
    expect(readdirSync(join(dir, 'certs')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a reused CA key with a loose mode is tightened to 0600, and the output says so', async () => {
    expect((await init('--agent', 'edge-1')).code).toBe(0);
    chmodSync(file('ca.key'), 0o644);
    const again = await init('--agent', 'edge-1');
    expect(again.code, again.err).toBe(2); // edge-1 exists: refused, nothing written
    expect(mode(file('ca.key'))).toBe(0o644);
    // Adding an agent keeps the CA and the controller's certificate, and tightens the CA key.
    const controllerBefore = readFileSync(file('squall-controller.pem'), 'utf8');
    const other = await init('--agent', 'edge-2');
    expect(other.code, other.err).toBe(0);
    expect(mode(file('ca.key'))).toBe(0o600);
    expect(other.out).toContain(`note: ${file('ca.key')} was mode 0644; now 0600`);
    expect(readFileSync(file('squall-controller.pem'), 'utf8')).toBe(controllerBefore);
  });

  it('--agent ../x is a usage error (exit 2) and writes nothing outside --dir', async () => {
    for (const bad of [
      ['--agent', '../x'],
      ['--agent', 'a/b'],
      ['--controller', '../../evil'],
      ['--agent', '.hidden'],
    ]) {
      const r = await init(...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.err).toContain('is not a valid certificate name');
      expect(r.err).toContain('SQUALL_USAGE');
    }
    expect(readdirSync(dir)).toEqual([]); // not even certs/ was created
    expect(existsSync(join(tmpdir(), 'evil.pem'))).toBe(false);
  });

  it('--host without an agent name is refused when several agents are issued; a name= prefix must be an issued agent', async () => {
    const bare = await init('--agent', 'a', '--agent', 'b', '--host', '10.0.0.5');
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('--host a=10.0.0.5');
    const unknown = await init('--agent', 'a', '--host', 'c=10.0.0.5');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("'c' is not an agent being issued");
    const badHost = await init('--agent', 'a', '--host', 'a=$(id)');
    expect(badHost.code).toBe(2);
    expect(badHost.err).toContain('neither an IP address nor a DNS name');
  });

  it('prints one aligned table of what was written', async () => {
    const r = await init('--agent', 'edge-1', '--agent', 'cloud-1', '--host', 'edge-1=10.0.0.5');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^ROLE {8}NAME {15}CERTIFICATE/);
    // Every column starts at the same offset on every line.
    const starts = (l: string) => [...l.matchAll(/ {2}(?=\S)/g)].map((m) => m.index! + 2);
    const header = starts(lines[0]!);
    for (const line of lines.slice(1)) expect(header.slice(0, 4)).toEqual(starts(line).slice(0, 4));
    expect(lines[1]).toMatch(/^CA\s+ca\s+certs\/ca\.pem\s+certs\/ca\.key\s+signs the others$/);
    expect(lines[3]).toMatch(
      /^agent\s+edge-1\s+certs\/edge-1\.pem\s+certs\/edge-1\.key\s+server auth only: edge-1, 10\.0\.0\.5$/,
    );
    expect(lines[2]).toContain('client auth only');
  });

  it('removal hints are quoted for a shell (stress.disk in a directory named with spaces and $(...))', async () => {
    const marker = join(dir, 'ran');
    const target = join(dir, 'fill me $(touch ran)');
    mkdirSync(target);
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map(), log: () => {} });
    const fault = await agent.inject({
      faultId: 'disk-1',
      kind: 'stress.disk',
      target: { host: 'self' },
      params: { path: target, size: '4KiB', keepFree: '5%' },
      durationMs: 10_000,
    });
    const [filled] = readdirSync(target);
    expect(filled).toBeDefined();
    // The operator pastes the hint into a shell: it removes exactly that file and runs nothing else.
    execFileSync('sh', ['-c', fault.removeCommand], { cwd: dir });
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    await fault.revert();
  });
});
