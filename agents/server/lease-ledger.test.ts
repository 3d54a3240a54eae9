/**
 * The two promises: every fault is undone whatever dies.
 * - Dead-man's switch: a real controller process injects a proxy outage, a process pause and an
 *   nft partition (in namespaces this test creates), then is killed with SIGKILL. The agent must
 *   revert everything within ttl + 1 s; the test checks the real state: the proxy passes
 *   traffic, the process runs, the nft table is gone and TCP flows.
 * - Ledger: the agent itself is killed with SIGKILL mid-fault and restarted on the same ledger;
 *   at start-up it reverts the leftovers (nft table gone, process resumed).
 * Needs root with nftables for the nft parts (skipped otherwise).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAgent } from '../../engine/controller/agent-connection.js';
import { isStopped } from '../../engine/core/processes.js';
import { waitUntil } from '../../engine/core/wait.js';
import { createFaultProxy, type FaultProxy } from '../proxy/fault-proxy.js';
import { startChildAgent, startTs } from '../test-support/agent-child.js';
import { canUseNetns, createNetnsPair, type NetnsPair } from '../test-support/netns.js';
import { makeTestPki, type TestPki } from '../test-support/pki.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './agent-server.js';
import { parsePolicy } from './policy.js';

const TTL_MS = 1000;

function echoServer(): Promise<net.Server> {
  const server = net.createServer((s) => s.pipe(s));
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => server);
}

/** True when a round trip through host:port works within 500 ms. */
function passes(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    s.on('connect', () => s.write('x'));
    s.on('data', () => {
      clearTimeout(timer);
      done(true);
    });
    s.on('error', () => {
      clearTimeout(timer);
      done(false);
    });
  });
}

function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

describe('dead-man switch and ledger', () => {
  let pki: TestPki;
  let dir: string;
  let netns: NetnsPair | undefined;
  const cleanup: (() => unknown)[] = [];

  beforeEach(() => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'squall-lease-'));
    netns = canUseNetns() ? createNetnsPair(203) : undefined;
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      try {
        await fn();
      } catch {}
    }
    netns?.destroy();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  // SIGKILL: the kernel closes the controller's connection, the agent sees the stream end.
  // SIGSTOP: the connection stays open but falls silent — only the lease can notice.
  it.each(['SIGKILL', 'SIGSTOP'] as const)(
    '%s of the controller mid-fault: the agent reverts everything within ttl + 1 s',
    async (signal) => {
      const upstream = await echoServer();
      cleanup.push(() => upstream.close());
      const proxy: FaultProxy = createFaultProxy({
        name: 'api',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
      });
      await proxy.start();
      cleanup.push(() => proxy.stop());
      const victim = sleeper();
      cleanup.push(() => victim.kill('SIGKILL'));
      const agent: AgentServer = createAgentServer({
        ledgerDir: join(dir, 'ledger'),
        proxies: new Map([['api', proxy]]),
        policy: parsePolicy({ targets: { pids: true } }), // the victim is a bare pid
      });
      cleanup.push(() => agent.close());
      const { port } = await agent.listen('127.0.0.1:0', {
        tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
      });
      if (netns) {
        const server = await netns.start(netns.b, ['tcp-server', netns.addrB, '7000']);
        cleanup.push(() => server.child.kill('SIGKILL'));
      }
      const tcpFlows = async () =>
        netns && (await netns.probe(netns.a, ['tcp-connect', netns.addrB, '7000', '300']))[0] === 'ok';

      const faults = [
        { faultId: 'down-1', kind: 'proxy.down', target: { proxy: 'api' }, params: {}, durationMs: 60_000 },
        {
          faultId: 'pause-1',
          kind: 'process.pause',
          target: { pid: victim.pid },
          params: {},
          durationMs: 60_000,
        },
        ...(netns
          ? [
              {
                faultId: 'part-1',
                kind: 'nft.partition',
                target: { host: netns.b },
                params: { peers: [netns.addrA] },
                durationMs: 60_000,
              },
            ]
          : []),
      ];
      const { child: controller } = await startTs(
        'agents/test-support/controller-child.ts',
        [
          `127.0.0.1:${port}`,
          pki.ca,
          pki.controller.cert,
          pki.controller.key,
          String(TTL_MS),
          JSON.stringify(faults),
        ],
        /^injected$/,
      );
      cleanup.push(() => controller.kill('SIGKILL'));

      // The faults are real.
      expect(await passes(proxy.listen)).toBe(false);
      expect(isStopped(victim.pid!)).toBe(true);
      if (netns) {
        expect(netns.nftTables(netns.b)).toContain('table inet squall_part-1');
        expect(await tcpFlows()).toBe(false);
      }
      expect(readdirSync(join(dir, 'ledger')).sort()).toEqual(faults.map((f) => `${f.faultId}.json`).sort());

      const killedAt = performance.now();
      controller.kill(signal);
      const reverted = await waitUntil(
        () =>
          agent.activeFaults() === 0 &&
          !isStopped(victim.pid!) &&
          (!netns || netns.nftTables(netns.b).length === 0),
        { timeoutMs: TTL_MS + 3000, intervalMs: 20 },
      );
      const elapsedMs = performance.now() - killedAt;
      console.log(
        `dead-man switch: reverted ${faults.length} faults ${elapsedMs.toFixed(0)} ms after ${signal} (ttl ${TTL_MS} ms)`,
      );
      expect(reverted).toBe(true);
      expect(elapsedMs).toBeLessThanOrEqual(TTL_MS + 1000);
      // A silent controller is given its lease: nothing is reverted before the last heartbeat + ttl.
      if (signal === 'SIGSTOP') expect(elapsedMs).toBeGreaterThan(TTL_MS / 2);
      // Real state, not bookkeeping.
      expect(await passes(proxy.listen)).toBe(true);
      if (netns) expect(await tcpFlows()).toBe(true);
      expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
    },
  );

  it('kill -9 of the agent mid-fault, restart: the ledger leftovers are reverted at start-up', async () => {
    const victim = sleeper();
    cleanup.push(() => victim.kill('SIGKILL'));
    const ledger = join(dir, 'ledger');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n'); // the victim is a bare pid
    const first = await startChildAgent(pki, dir, { policy });
    cleanup.push(() => first.child.kill('SIGKILL'));
    const { address } = first;
    const tls = { ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key };
    const connection = await connectAgent('agent', { address, tls }, { ttlMs: 60_000 });
    cleanup.push(() => connection.close());
    await connection.inject({
      faultId: 'pause-2',
      kind: 'process.pause',
      target: { pid: victim.pid! },
      params: {},
      durationMs: 60_000,
    });
    if (netns) {
      await connection.inject({
        faultId: 'part-2',
        kind: 'nft.partition',
        target: { host: netns.b },
        params: { peers: [netns.addrA] },
        durationMs: 60_000,
      });
    }
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    // The agent is gone and the faults are still there: that is what the ledger is for.
    expect(isStopped(victim.pid!)).toBe(true);
    if (netns) expect(netns.nftTables(netns.b)).toContain('table inet squall_part-2');
    expect(readdirSync(ledger).length).toBe(netns ? 2 : 1);

    const second = await startChildAgent(pki, dir, { policy });
    cleanup.push(() => second.child.kill('SIGKILL'));
    expect(second.line).toContain(`${netns ? 2 : 1} leftover(s) of a previous agent cleared`);
    expect(isStopped(victim.pid!)).toBe(false);
    if (netns) expect(netns.nftTables(netns.b)).toEqual([]);
    expect(readdirSync(ledger)).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
