/** `squall agent` refuses unsafe or incomplete flags before it starts anything. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/command.js';
import { main } from '../cli/main.js';

describe('squall agent flags', () => {
  let dir: string;
  let err: string[];
  let io: CliIO;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-agent-cli-'));
    err = [];
    io = {
      stdout: { write: () => true },
      stderr: { write: (c: string) => err.push(c) },
      cwd: dir,
      env: { HOME: dir },
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses --insecure on a non-loopback address (exit 2, SQUALL_AGENT_INSECURE)', async () => {
    expect(await main(['agent', '--listen', '0.0.0.0:7070', '--insecure', '--ledger', 'l'], io)).toBe(2);
    expect(err.join('')).toContain('SQUALL_AGENT_INSECURE');
  });

  it('needs all three TLS files, or --insecure', async () => {
    expect(await main(['agent', '--tls-ca', 'ca.pem', '--ledger', 'l'], io)).toBe(2);
    expect(err.join('')).toContain('--tls-ca, --tls-cert and --tls-key');
  });

  it('names a missing TLS file (SQUALL_TLS_CONFIG_INVALID)', async () => {
    expect(
      await main(
        ['agent', '--tls-ca', 'ca.pem', '--tls-cert', 'a.pem', '--tls-key', 'a.key', '--ledger', 'l'],
        io,
      ),
    ).toBe(2);
    expect(err.join('')).toMatch(/TLS CA .*ca\.pem.*SQUALL_TLS_CONFIG_INVALID/);
  });

  it('refuses a Toxiproxy API on a non-loopback address (it has no authentication)', async () => {
    const args = [
      'agent',
      '--listen',
      `unix:${join(dir, 'agent.sock')}`,
      '--insecure',
      '--ledger',
      'l',
      '--toxiproxy-api',
      '0.0.0.0:0',
    ];
    expect(await main(args, io)).toBe(2);
    expect(err.join('')).toContain('--toxiproxy-api must be a loopback address');
  });
});
