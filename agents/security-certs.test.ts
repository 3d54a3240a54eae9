/**
 * Issue 12, finding 2 (certificate roles): real agents over mTLS with certificates made by
 * the real `squall certs init`, real gRPC calls, and a real `squall agents ping` process.
 * - an agent certificate is a server certificate only: used as a client it is refused in TLS;
 * - a client certificate the CA signed but whose name is not in the policy's `controllers`
 *   is refused for Hello and for Session;
 * - a controller that reaches agent edge-2 while the experiment names edge-1 fails with an
 *   error naming both;
 * - `squall agents ping <IP>` prints no DEP0123 ("Setting the TLS ServerName to an IP address").
 */

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../engine/app/cli/main.js';
import { helloAgent, newAgentClient } from '../engine/controller/agent-client.js';
import { connectAgent } from '../engine/controller/agent-connection.js';
import type { SquallError } from '../engine/core/errors.js';
import type { AgentEvent__Output } from './proto/generated/squall/agent/v1/AgentEvent.js';
import { fromGrpcError } from './proto/grpc-status.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './server/agent-server.js';
import { rejection } from './test-support/rejection.js';
import { captureIo, controllerTlsIn, runSquall } from './test-support/squall-cli.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('finding 2: certificates have roles, agents accept listed controllers only', () => {
  let dir: string;
  const certs = (name: string) => join(dir, 'certs', name);
  const agents: Record<string, { server: AgentServer; address: string; logs: string[] }> = {};
  const controllerTls = () => controllerTlsIn(join(dir, 'certs'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-certs-'));
    const io = captureIo(dir);
    const init = ['certs', 'init', '--dir', 'certs', '--agent', 'edge-1', '--agent', 'edge-2'];
    expect(await main([...init, '--host', 'edge-1=127.0.0.1'], io), io.err()).toBe(0);
    // A second controller certificate from the same CA (the CA is reused), not in any policy.
    const intruder = captureIo(dir);
    expect(
      await main(
        ['certs', 'init', '--dir', 'certs', '--controller', 'intruder', '--agent', 'spare'],
        intruder,
      ),
      intruder.err(),
    ).toBe(0);
    for (const name of ['edge-1', 'edge-2']) {
      const logs: string[] = [];
      const server = createAgentServer({ ledgerDir: join(dir, `ledger-${name}`), log: (m) => logs.push(m) });
      const { port } = await server.listen('127.0.0.1:0', {
        tls: readTlsFiles({ ca: certs('ca.pem'), cert: certs(`${name}.pem`), key: certs(`${name}.key`) }),
      });
      agents[name] = { server, address: `127.0.0.1:${port}`, logs };
    }
  });
  afterAll(async () => {
    for (const a of Object.values(agents)) await a.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('certs init issues agent certificates for serverAuth only, with their own names, and the controller for clientAuth only', () => {
    const edge1 = new X509Certificate(readFileSync(certs('edge-1.pem')));
    const edge2 = new X509Certificate(readFileSync(certs('edge-2.pem')));
    const controller = new X509Certificate(readFileSync(certs('squall-controller.pem')));
    expect(edge1.keyUsage).toEqual([SERVER_AUTH]);
    expect(controller.keyUsage).toEqual([CLIENT_AUTH]);
    expect(edge1.subjectAltName).toBe('DNS:edge-1, IP Address:127.0.0.1');
    expect(edge2.subjectAltName).toBe('DNS:edge-2'); // not edge-1's address, not localhost
  });

  it('refuses an agent certificate used as a client certificate', async () => {
    const stolen = { ca: certs('ca.pem'), cert: certs('edge-2.pem'), key: certs('edge-2.key') };
    const err = await rejection(connectAgent('edge-1', { address: agents['edge-1']!.address, tls: stolen }));
    expect(err.code).toBe('SQUALL_AGENT_AUTH_FAILED');
    expect(agents['edge-1']!.logs.some((l) => l.startsWith('refused TLS connection from 127.0.0.1'))).toBe(
      true,
    );
  });

  it("refuses Hello and Session from a CA-signed client certificate whose name is not in the policy's controllers", async () => {
    const intruderTls = { ca: certs('ca.pem'), cert: certs('intruder.pem'), key: certs('intruder.key') };
    const { address } = agents['edge-1']!;
    const spec = { address, tls: intruderTls };
    const client = newAgentClient('edge-1', spec, dir);
    try {
      const hello = await rejection(helloAgent(client, 'edge-1', 5000));
      expect(hello.code).toBe('SQUALL_AGENT_POLICY_DENIED');
      expect(hello.message).toContain("controller certificate 'intruder' is not in the agent's policy");
      expect(hello.message).toContain('controllers: squall-controller');
      // Session on its own (no Hello first): refused before any message is read.
      const call = client.Session();
      const events: AgentEvent__Output[] = [];
      call.on('data', (e) => events.push(e));
      const failed = new Promise<SquallError>((resolve) =>
        call.on('error', (e) => resolve(fromGrpcError(e, 'edge-1'))),
      );
      call.write({ open: { controller: 'intruder', ttl_ms: 5000 } });
      const session = await failed;
      expect(session.code).toBe('SQUALL_AGENT_POLICY_DENIED');
      expect(session.message).toContain("'intruder'");
      expect(events.some((e) => e.msg === 'opened')).toBe(false);
    } finally {
      client.close();
    }
    expect(agents['edge-1']!.logs.some((l) => l.startsWith('session refused'))).toBe(true);
    // The listed controller still works.
    const ok = await connectAgent('edge-1', { address, tls: controllerTls() });
    await ok.close();
  });

  it('fails with an error naming both agents when the experiment names edge-1 but edge-2 answers', async () => {
    const err = await rejection(
      connectAgent('edge-1', { address: agents['edge-2']!.address, tls: controllerTls() }),
    );
    expect(err.code).toBe('SQUALL_AGENT_AUTH_FAILED');
    expect(err.message).toContain(`agent 'edge-1' at ${agents['edge-2']!.address}`);
    expect(err.message).toContain("presented a certificate for 'edge-2'");
    expect(err.message).toContain("not for 'edge-1'");
  });

  /** A real `squall agents ping` process, one round trip, with the controller's certificate. */
  const ping = (agent: string, ...flags: string[]) => {
    const tls = controllerTlsIn(join(dir, 'certs'));
    return runSquall([
      'agents',
      'ping',
      agents[agent]!.address,
      '--samples',
      '1',
      ...flags,
      ...['--tls-ca', tls.ca, '--tls-cert', tls.cert, '--tls-key', tls.key],
    ]);
  };

  it('a real `squall agents ping` of an IP address prints no DEP0123 (TLS servername set to an IP)', async () => {
    const r = await ping('edge-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/DEP0123|TLS ServerName to an IP address/);
    expect(r.stderr).toBe('');
  });

  it('`squall agents ping --name` checks the agent it reached; without it, ping shows whose certificate it met', async () => {
    const named = await ping('edge-1', '--name', 'edge-1');
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain("certificate for 'edge-1', '127.0.0.1'");
    const any = await ping('edge-2');
    expect(any.code, any.stderr).toBe(0);
    expect(any.stdout).toContain("certificate for 'edge-2'");
    const wrong = await ping('edge-2', '--name', 'edge-1');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain("presented a certificate for 'edge-2', not for 'edge-1'");
    expect(wrong.stderr).toContain('SQUALL_AGENT_AUTH_FAILED');
    expect(wrong.stderr).not.toMatch(/DEP0123/);
  });
});
