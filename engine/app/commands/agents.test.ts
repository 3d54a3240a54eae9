/**
 * `squall certs init`, `squall agents ping` and the clock-offset estimate, against a real agent
 * whose clock is skewed by +5 s.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentServer, createAgentServer, readTlsFiles } from '../../../agents/server/agent-server.js';
import { connectAgent } from '../../controller/agent-connection.js';
import type { CliIO } from '../cli/command.js';
import { main } from '../cli/main.js';

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = {
    stdout: { write: (c: string) => out.push(c) },
    stderr: { write: (c: string) => err.push(c) },
    cwd,
    env: {},
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

const SKEW_MS = 5000;

describe('squall certs init + squall agents ping', () => {
  let dir: string;
  let agent: AgentServer;
  let address: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-cli-agents-'));
    const certs = io(dir);
    expect(
      await main(
        ['certs', 'init', '--dir', 'certs', '--agent', 'edge-1', '--host', 'edge-1=10.9.9.9'],
        certs.cli,
      ),
    ).toBe(0);
    agent = createAgentServer({
      ledgerDir: join(dir, 'ledger'),
      clock: () => Date.now() + SKEW_MS,
      host: 'edge-1',
    });
    const c = join(dir, 'certs');
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: join(c, 'ca.pem'), cert: join(c, 'edge-1.pem'), key: join(c, 'edge-1.key') }),
    });
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('certs init writes a CA, a controller and agent certificates, keys 0600, and refuses to overwrite', async () => {
    expect(readdirSync(join(dir, 'certs')).sort()).toEqual(
      [
        'ca.key',
        'ca.pem',
        'edge-1.key',
        'edge-1.pem',
        'squall-controller.key',
        'squall-controller.pem',
      ].sort(),
    );
    expect(statSync(join(dir, 'certs', 'edge-1.key')).mode & 0o777).toBe(0o600);
    const again = io(dir);
    expect(await main(['certs', 'init', '--dir', 'certs', '--agent', 'edge-1'], again.cli)).toBe(2);
    expect(again.err()).toContain('already exist');
  });

  it('agents ping prints reachability, version, clock offset and drivers', async () => {
    const ping = io(dir);
    const tls = [
      '--tls-ca',
      'certs/ca.pem',
      '--tls-cert',
      'certs/squall-controller.pem',
      '--tls-key',
      'certs/squall-controller.key',
    ];
    expect(await main(['agents', 'ping', address, ...tls, '--json'], ping.cli)).toBe(0);
    const result = JSON.parse(ping.out()) as {
      host: string;
      version: string;
      clockOffsetMs: number;
      rttMs: number;
      drivers: { name: string }[];
    };
    expect(result.host).toBe('edge-1');
    expect(Math.abs(result.clockOffsetMs - SKEW_MS)).toBeLessThanOrEqual(result.rttMs / 2 + 2);
    expect(result.drivers.map((d) => d.name)).toEqual(
      expect.arrayContaining(['nft.partition', 'proxy.latency', 'tc.bandwidth']),
    );
    const text = io(dir);
    expect(await main(['agents', 'ping', address, ...tls], text.cli)).toBe(0);
    expect(text.out()).toMatch(
      /reachable, squall \S+ on edge-1\n {2}certificate for 'edge-1', '10\.9\.9\.9'\n {2}clock offset (49|50)\d\d\.\d ms/,
    );
  });

  it('the session keeps estimating the offset from heartbeats', async () => {
    const c = join(dir, 'certs');
    const connection = await connectAgent(
      'edge-1',
      {
        address,
        tls: {
          ca: join(c, 'ca.pem'),
          cert: join(c, 'squall-controller.pem'),
          key: join(c, 'squall-controller.key'),
        },
      },
      { ttlMs: 600, heartbeatMs: 50 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(Math.abs(connection.clockOffsetMs() - SKEW_MS)).toBeLessThanOrEqual(connection.rttMs() / 2 + 2);
    await connection.close();
  });

  it('a plain-text ping of a TLS agent says so (SQUALL_AGENT_AUTH_FAILED)', async () => {
    const ping = io(dir);
    expect(await main(['agents', 'ping', address, '--insecure'], ping.cli)).toBe(4);
    expect(ping.err()).toContain('speaks TLS');
    expect(ping.err()).toContain('SQUALL_AGENT_AUTH_FAILED');
  });

  it('agents ping of a dead address exits 4 with SQUALL_AGENT_UNREACHABLE', async () => {
    const ping = io(dir);
    expect(await main(['agents', 'ping', '127.0.0.1:1', '--insecure'], ping.cli)).toBe(4);
    expect(ping.err()).toContain('SQUALL_AGENT_UNREACHABLE');
  });
});
