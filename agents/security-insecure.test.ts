/**
 * Issue 12, finding 7 (`--insecure`): plain text has no controller identity, so whoever can
 * connect controls the agent with the agent's privileges. Real `squall agent` and
 * `squall agents ping` processes, as root and under `setpriv` as `nobody`:
 * - a privileged agent (root, or any capability) refuses plain text on TCP loopback;
 * - it serves plain text on a Unix socket in a 0700 directory (socket 0600): root connects,
 *   `nobody` cannot; a socket directory others can enter is refused;
 * - an unprivileged agent (no capabilities) may still use plain text on loopback.
 * Needs root (to be root, and to drop to nobody); skipped otherwise.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSquall, startSquallAgent } from './test-support/squall-cli.js';

const NOBODY = 65534;
const asNobody = (caps: string[] = []) => [
  'setpriv',
  `--reuid=${NOBODY}`,
  `--regid=${NOBODY}`,
  '--clear-groups',
  ...(caps.length
    ? [
        `--inh-caps=${caps.map((c) => `+${c}`).join(',')}`,
        `--ambient-caps=${caps.map((c) => `+${c}`).join(',')}`,
      ]
    : []),
];

describe.skipIf(process.getuid?.() !== 0)('finding 7: --insecure as root', () => {
  let dir: string;
  let nobodyDir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-insecure-'));
    chmodSync(dir, 0o711); // nobody may pass through to its own directory, not list ours
    nobodyDir = join(dir, 'nobody');
    mkdirSync(nobodyDir);
    chownSync(nobodyDir, NOBODY, NOBODY);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses plain text on TCP loopback when running as root, and says what to do instead', async () => {
    const r = await runSquall(
      ['agent', '--listen', '127.0.0.1:0', '--insecure', '--ledger', join(dir, 'l1')],
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SQUALL_AGENT_INSECURE');
    expect(r.stderr).toContain('it runs as root');
    expect(r.stderr).toContain('every local user could connect');
    expect(r.stderr).toContain('unix:/run/squall/agent.sock');
  });

  it('serves plain text on a Unix socket in a 0700 directory: root may connect, nobody may not', async () => {
    const sockDir = join(dir, 'run');
    mkdirSync(sockDir, { mode: 0o700 });
    const socket = `unix:${join(sockDir, 'agent.sock')}`;
    const agent = await startSquallAgent(['--listen', socket, '--insecure', '--ledger', join(dir, 'l2')]);
    try {
      expect(agent.address).toBe(socket);
      expect(statSync(join(sockDir, 'agent.sock')).mode & 0o777).toBe(0o600);
      const root = await runSquall(['agents', 'ping', socket, '--insecure', '--samples', '1']);
      expect(root.code, root.stderr).toBe(0);
      expect(root.stdout).toContain(`${socket}: reachable`);
      const nobody = await runSquall(['agents', 'ping', socket, '--insecure', '--samples', '1'], {
        wrap: asNobody(),
        tmpdir: nobodyDir,
      });
      expect(nobody.code).toBe(4);
      expect(nobody.stderr).toContain('SQUALL_AGENT_UNREACHABLE');
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });

  it('refuses a Unix socket in a directory other users can enter', async () => {
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const r = await runSquall(
      ['agent', '--listen', `unix:${join(open, 'agent.sock')}`, '--insecure', '--ledger', join(dir, 'l3')],
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must be a directory owned by this user (uid 0) with mode 0700');
    expect(r.stderr).toContain('it is mode 0755');
  });

  it('an agent with capabilities but no root counts as privileged: plain text on loopback refused', async () => {
    const r = await runSquall(
      ['agent', '--listen', '127.0.0.1:0', '--insecure', '--ledger', join(nobodyDir, 'l4')],
      { wrap: asNobody(['net_admin']), tmpdir: nobodyDir, timeoutMs: 20_000 },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('it has capabilities (CapEff 0000000000001000)');
  });

  it('an unprivileged agent (nobody, no capabilities) may still serve plain text on loopback', async () => {
    const agent = await startSquallAgent(
      ['--listen', '127.0.0.1:0', '--insecure', '--ledger', join(nobodyDir, 'l5')],
      { wrap: asNobody(), tmpdir: nobodyDir },
    );
    try {
      const ping = await runSquall(['agents', 'ping', agent.address, '--insecure', '--samples', '1']);
      expect(ping.code, ping.stderr).toBe(0);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });
});
