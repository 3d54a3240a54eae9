/**
 * Certificate rotation as docs/security.md describes it, on real agents over mTLS with
 * certificates from the real `squall certs init`:
 * - a new CA and certificate set is rolled out without a moment where the controller cannot
 *   reach the agent: trust both CAs (a bundle), move agents, then controllers, to the new
 *   certificates, then drop the old CA — after which old certificates are refused;
 * - a controller certificate is retired at once by taking its name off the agent's
 *   `controllers` (Squall has no CRL; the name list is the quick way to revoke a controller).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../engine/app/cli/main.js';
import { connectAgent } from '../engine/controller/agent-connection.js';
import type { SquallError } from '../engine/core/errors.js';
import { createAgentServer } from './server/agent-server.js';
import { parsePolicy } from './server/policy.js';
import { captureIo } from './test-support/squall-cli.js';

describe('rotating certificates', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const io = () => captureIo(dir);

  /** An agent (edge-1) on loopback with these files; returns a function that tries a controller. */
  const withAgent = async (
    tls: { ca: string; cert: string; key: string },
    check: (address: string) => Promise<void>,
    controllers = ['squall-controller'],
  ) => {
    const agent = createAgentServer({ ledgerDir: file('ledger'), policy: parsePolicy({ controllers }) });
    try {
      const { port } = await agent.listen('127.0.0.1:0', {
        tls: { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
      });
      await check(`127.0.0.1:${port}`);
    } finally {
      await agent.close();
    }
  };
  const reach = async (address: string, controller: { ca: string; cert: string; key: string }) => {
    const c = await connectAgent('edge-1', { address, tls: controller }, { ttlMs: 2000 });
    await c.close();
  };
  const refused = (address: string, controller: { ca: string; cert: string; key: string }) =>
    reach(address, controller).then(
      () => {
        throw new Error('expected the connection to be refused');
      },
      (e: SquallError) => e,
    );
  const set = (which: 'old' | 'new', ca = file(`${which}/ca.pem`)) => ({
    agent: { ca, cert: file(`${which}/edge-1.pem`), key: file(`${which}/edge-1.key`) },
    controller: {
      ca,
      cert: file(`${which}/squall-controller.pem`),
      key: file(`${which}/squall-controller.key`),
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-rotate-'));
    expect(await main(['certs', 'init', '--dir', 'old', '--agent', 'edge-1'], io())).toBe(0);
    expect(await main(['certs', 'init', '--dir', 'new', '--agent', 'edge-1'], io())).toBe(0);
    // Step 1 of the rollout: a bundle of both CAs, given to agents and controllers alike.
    writeFileSync(
      file('bundle.pem'),
      readFileSync(file('old/ca.pem'), 'utf8') + readFileSync(file('new/ca.pem'), 'utf8'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rolls a new CA and certificate set out: trust both, move agents and controllers, drop the old CA', async () => {
    const bundle = file('bundle.pem');
    const oldSet = set('old');
    const newSet = set('new');
    // Before: old agent, old controller.
    await withAgent(oldSet.agent, (a) => reach(a, oldSet.controller));
    // 1. Agents and controllers trust both CAs; everything still runs on old certificates.
    await withAgent({ ...oldSet.agent, ca: bundle }, async (a) => {
      await reach(a, { ...oldSet.controller, ca: bundle });
      await reach(a, { ...newSet.controller, ca: bundle }); // a controller already moved also works
    });
    // 2. Agents move to their new certificate; controllers that trust both reach them.
    await withAgent({ ...newSet.agent, ca: bundle }, async (a) => {
      await reach(a, { ...oldSet.controller, ca: bundle });
      await reach(a, { ...newSet.controller, ca: bundle });
      // A controller that trusts only the old CA cannot: why step 1 comes first.
      expect((await refused(a, oldSet.controller)).code).toBe('SQUALL_AGENT_AUTH_FAILED');
    });
    // 3. Controllers are on new certificates; the old CA is dropped everywhere.
    await withAgent(newSet.agent, async (a) => {
      await reach(a, newSet.controller);
      const old = await refused(a, { ...oldSet.controller, ca: bundle });
      expect(old.code).toBe('SQUALL_AGENT_AUTH_FAILED');
    });
  });

  it("retires a controller certificate at once by taking its name off the agent's controllers", async () => {
    // A second controller from the same CA (reused: no --force), then only it is listed.
    expect(
      await main(['certs', 'init', '--dir', 'old', '--controller', 'ci-2026', '--agent', 'spare'], io()),
    ).toBe(0);
    const oldSet = set('old');
    const ci = { ca: file('old/ca.pem'), cert: file('old/ci-2026.pem'), key: file('old/ci-2026.key') };
    await withAgent(
      oldSet.agent,
      async (a) => {
        await reach(a, oldSet.controller);
        await reach(a, ci);
      },
      ['squall-controller', 'ci-2026'],
    );
    await withAgent(
      oldSet.agent,
      async (a) => {
        await reach(a, ci);
        const retired = await refused(a, oldSet.controller);
        expect(retired.code).toBe('SQUALL_AGENT_POLICY_DENIED');
        expect(retired.message).toContain(
          "'squall-controller' is not in the agent's policy (controllers: ci-2026)",
        );
      },
      ['ci-2026'],
    );
  });
});
