/**
 * Issue 12, finding 7 (network reach): real `squall agent` processes inside a network namespace
 * linked to the test's by a veth pair (the controller connects across it, as to a remote host),
 * with certificates from the real `squall certs init`:
 * - `tc.*` never shapes the interface the agent listens on, nor (with a wildcard listener) the
 *   one its controller is reached over; other devices stay usable;
 * - `tc.devices` allow-lists devices;
 * - `toxiproxy.*` calls loopback URLs only unless the policy lists more.
 * Needs root (namespaces, tc); skipped otherwise. Everything lives in the namespace it creates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../engine/app/cli/main.js';
import type { AgentConnection } from '../engine/controller/agent-connection.js';
import { connectAcross, createHostLinkedNetns, type HostLinkedNetns } from './test-support/host-netns.js';
import { canUseNetns } from './test-support/netns.js';
import { rejection } from './test-support/rejection.js';
import { agentTlsFlags, captureIo, type RunningAgent, startSquallAgent } from './test-support/squall-cli.js';

describe.skipIf(!canUseNetns())('finding 7: tc devices, the control interface, toxiproxy URLs', () => {
  let net: HostLinkedNetns;
  let dir: string;
  let specific: RunningAgent; // listens on the namespace's veth address
  let wildcard: RunningAgent; // listens on 0.0.0.0, tc.devices allow-list
  let apiPort: number;
  const connections: AgentConnection[] = [];
  const file = (name: string) => join(dir, name);

  const connect = async (agent: RunningAgent) => {
    const c = await connectAcross(net, agent.address, file('certs'));
    connections.push(c);
    return c;
  };
  /** Shapes `device` through `c`, sees the qdisc, reverts, sees it gone. */
  const shapesAndReverts = async (c: AgentConnection, faultId: string, device: string) => {
    const fault = await c.inject(tcFault(faultId, device));
    expect(rootQdisc(device)).toContain('qdisc tbf 5157:');
    await fault.revert();
    expect(rootQdisc(device)).not.toContain('5157:');
  };
  const tcFault = (faultId: string, device: string) => ({
    faultId,
    kind: 'tc.bandwidth',
    target: { host: 'self' },
    params: { device, rate: '100mbit' },
    durationMs: 10_000,
  });
  const rootQdisc = (device: string) => net.exec(['tc', 'qdisc', 'show', 'dev', device, 'root']);

  beforeAll(async () => {
    net = createHostLinkedNetns();
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-net-'));
    const io = captureIo(dir);
    expect(
      await main(['certs', 'init', '--dir', 'certs', '--agent', 'edge-1', '--host', net.nsAddr], io),
    ).toBe(0);
    // Two spare devices inside the namespace, for the allow-list.
    net.exec(['ip', 'link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1']);
    for (const d of ['x0', 'x1']) net.exec(['ip', 'link', 'set', d, 'up']);
    writeFileSync(file('all.yaml'), "drivers: ['*']\n");
    writeFileSync(file('listed.yaml'), `tc: { devices: [x0, ${net.nsDev}] }\n`);
    const tls = agentTlsFlags(file('certs'), 'edge-1');
    specific = await startSquallAgent(
      [
        '--listen',
        `${net.nsAddr}:0`,
        ...tls,
        '--ledger',
        file('ledger-1'),
        '--policy',
        file('all.yaml'),
        '--proxy',
        'api=127.0.0.1:0,127.0.0.1:9',
        '--toxiproxy-api',
        '127.0.0.1:0',
      ],
      { wrap: net.prefix },
    );
    apiPort = Number(/:(\d+)$/.exec(specific.stdout().find((l) => l.startsWith('Toxiproxy API on'))!)![1]);
    wildcard = await startSquallAgent(
      ['--listen', '0.0.0.0:0', ...tls, '--ledger', file('ledger-2'), '--policy', file('listed.yaml')],
      { wrap: net.prefix },
    );
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
  });
  afterAll(async () => {
    await specific?.stop();
    await wildcard?.stop();
    net?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shapes the interface the agent listens on', async () => {
    const c = await connect(specific);
    const err = await rejection(c.inject(tcFault('tc-ctl', net.nsDev)));
    expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(err.message).toContain(`device '${net.nsDev}' carries the agent's control channel`);
    expect(rootQdisc(net.nsDev)).not.toContain('5157:');
    // A device that does not carry the control channel is fine (lo: the controller is remote).
    await shapesAndReverts(c, 'tc-lo', 'lo');
  });

  it('with a wildcard listener, protects the interface the controller is reached over, even when tc.devices lists it', async () => {
    const c = await connect(wildcard);
    const err = await rejection(c.inject(tcFault('tc-wild', net.nsDev)));
    expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(err.message).toContain('carries the agent');
    expect(rootQdisc(net.nsDev)).not.toContain('5157:');
  });

  it('tc.devices allow-lists the devices tc.* may shape', async () => {
    const c = await connect(wildcard);
    const err = await rejection(c.inject(tcFault('tc-x1', 'x1')));
    expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(err.message).toContain(
      `device 'x1' is not allowed by the agent's policy (tc.devices: x0, ${net.nsDev})`,
    );
    await shapesAndReverts(c, 'tc-x0', 'x0');
  });

  it('toxiproxy.* may call loopback Toxiproxy APIs only, unless the policy lists more', async () => {
    const c = await connect(specific);
    const toxic = (faultId: string, url: string) => ({
      faultId,
      kind: 'toxiproxy.toxic',
      target: { proxy: 'api' },
      params: { url, type: 'latency', attributes: { latency: 5 } },
      durationMs: 10_000,
    });
    for (const url of [
      `http://${net.hostAddr}:8474`,
      `http://127.0.0.1:${apiPort}@${net.hostAddr}:8474`,
      'http://169.254.169.254',
    ]) {
      const err = await rejection(c.inject(toxic(`tp-${connections.length}-${url.length}`, url)));
      expect(err.code, url).toBe('SQUALL_AGENT_POLICY_DENIED');
      expect(err.message, url).toContain(
        'toxiproxy.urls: http://127.0.0.1:*, http://localhost:*, http://[::1]:*',
      );
    }
    const ok = await c.inject(toxic('tp-local', `http://127.0.0.1:${apiPort}`));
    expect(ok.where).toContain('toxic squall_tp-local');
    await ok.revert();
  });
});
