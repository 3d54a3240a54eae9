/**
 * Issue 12, finding 9: shutdown and lost sessions, with real processes.
 * (a) `squall agent` stops within its grace period on SIGTERM even while an idle raw TCP client
 *     holds a connection open, and its managed process is gone on SIGTERM, SIGINT and SIGKILL.
 * (b) a managed process of a SIGKILLed `squall run` is gone within a second.
 * (c) a runner whose agent is killed, frozen or stopped mid-fault exits 4
 *     (SQUALL_AGENT_SESSION_LOST) within the lease ttl plus a margin, with an
 *     `agent.session_lost` journal event saying what the agent was left to revert.
 * (d) the agent's log gives the true reason a session ended: a disconnect, or no heartbeat.
 * Bounds hold on a loaded 2-core machine: grace 2 s + 4 s, ttl 1 s + 2.5 s.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDefaultEnvironment } from '../engine/app/environment.js';
import { hasExited } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import { createRunner } from '../engine/run/runner.js';
import { createFaultProxy } from './proxy/fault-proxy.js';
import { createAgentServer, readTlsFiles } from './server/agent-server.js';
import {
  agentExperiment,
  childrenOf,
  filePki,
  ROOT,
  type SquallChild,
  signalAll,
  startChildAgent,
  startTs,
} from './test-support/agent-child.js';

const pki = filePki();

let dir: string;
const cleanup: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-sec-stop-'));
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) {
    try {
      await fn();
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Ends a child for good (continued first, in case a test froze it). */
const finish = (child: SquallChild) => async () => {
  const all = [child.pid, ...childrenOf(child.pid)];
  signalAll(all, 'SIGCONT');
  signalAll(all, 'SIGKILL');
  await child.exited;
};

const managedConfig = () => {
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, 'processes:\n  kid: { command: [sleep, "60"] }\n');
  return config;
};

describe('finding 9a: the agent stops in bounded time and takes its managed processes with it', () => {
  it('SIGTERM with an idle raw TCP client connected: exits 0 within the grace period, its managed process gone', async () => {
    const agent = await startChildAgent(pki(), dir, { config: managedConfig() });
    cleanup.push(finish(agent));
    const kid = childrenOf(agent.pid)[0]!;
    cleanup.push(() => signalAll([kid], 'SIGKILL'));
    expect(hasExited(kid)).toBe(false);
    const [host, port] = agent.address.split(':') as [string, string];
    const idle = net.connect({ host, port: Number(port) }); // never sends a byte: no TLS, no HTTP/2
    cleanup.push(() => idle.destroy());
    await new Promise((resolve) => idle.once('connect', resolve));

    const sentAt = performance.now();
    agent.child.kill('SIGTERM');
    const code = await Promise.race([
      agent.exited,
      new Promise((r) => setTimeout(() => r('still running'), 8000)),
    ]);
    const tookMs = performance.now() - sentAt;
    console.log(`SIGTERM with an idle client: exit ${code} after ${tookMs.toFixed(0)} ms`);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(6000);
    expect(agent.stderr()).toContain('shutdown: connections still open after 2000 ms; closing them');
    expect(hasExited(kid)).toBe(true);
  });

  it.each(['SIGINT', 'SIGKILL'] as const)(
    '%s: its managed process is gone within a second',
    async (signal) => {
      const agent = await startChildAgent(pki(), dir, { config: managedConfig() });
      cleanup.push(finish(agent));
      const kid = childrenOf(agent.pid)[0]!;
      cleanup.push(() => signalAll([kid], 'SIGKILL'));
      expect(hasExited(kid)).toBe(false);
      agent.child.kill(signal);
      await agent.exited;
      expect(await waitUntil(() => hasExited(kid), { timeoutMs: 1000 })).toBe(true);
    },
  );
});

describe('finding 9b: a managed process does not outlive a SIGKILLed runner', () => {
  it('squall run is killed with SIGKILL: its system.processes are gone within a second', async () => {
    const file = join(dir, 'exp.yaml');
    writeFileSync(
      file,
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: orphan }
system:
  processes:
    victim: { command: [sleep, "60"] }
phases: { preflight: 100ms, baseline: 30s, recovery: 100ms }
`,
    );
    const out = join(dir, 'run');
    const runner = await startTs('engine/app/cli/bin.ts', ['run', file, '--out', out], /./);
    cleanup.push(finish(runner));
    const journal = join(out, 'journal.jsonl');
    let victim = 0;
    await waitUntil(
      () => {
        const m =
          existsSync(journal) && /process 'victim' started, pid (\d+)/.exec(readFileSync(journal, 'utf8'));
        victim = m ? Number(m[1]) : 0;
        return victim > 0;
      },
      { timeoutMs: 8000 },
    );
    expect(hasExited(victim)).toBe(false);
    cleanup.push(() => signalAll([victim], 'SIGKILL'));
    runner.child.kill('SIGKILL');
    await runner.exited;
    const killedAt = performance.now();
    expect(await waitUntil(() => hasExited(victim), { timeoutMs: 1000 })).toBe(true);
    console.log(
      `managed process gone ${(performance.now() - killedAt).toFixed(0)} ms after the runner's SIGKILL`,
    );
  });
});

describe('finding 9c: a run whose agent is lost mid-fault stops with exit 4 within the ttl', () => {
  const TTL_MS = 1000;

  it.each([
    ['SIGKILL', 'killed'],
    ['SIGSTOP', 'frozen'],
    ['SIGTERM', 'stopped'],
  ] as const)('the agent is %s (%s) while its proxy is down', async (signal, _what) => {
    const agent = await startChildAgent(pki(), dir, { args: ['--proxy', 'api=127.0.0.1:0,127.0.0.1:9'] });
    cleanup.push(finish(agent));
    const experiment = agentExperiment(
      'lost-agent',
      agent.address,
      pki(),
      `name: cut, kind: proxy.down, duration: 10s, target: { agent: agent, proxy: api }`,
    );
    let sentAt = 0;
    const result = await createRunner({
      experiment,
      file: join(dir, 'lost.yaml'),
      outDir: join(dir, 'run'),
      environment: createDefaultEnvironment({ agentOptions: { ttlMs: TTL_MS } }),
      sliceMs: 100,
      revertPolicy: { attempts: 1, backoffMs: 10 },
      onEvent: (e) => {
        if (e.type === 'fault.injected') {
          sentAt = performance.now();
          agent.child.kill(signal);
        }
      },
    }).run();
    const tookMs = performance.now() - sentAt;
    console.log(
      `agent ${signal} mid-fault: run ended exit ${result.exitCode} after ${tookMs.toFixed(0)} ms (ttl ${TTL_MS})`,
    );
    expect(result.exitCode).toBe(4);
    expect(result.error?.code).toBe('SQUALL_AGENT_SESSION_LOST');
    expect(tookMs).toBeLessThan(TTL_MS + 2500);
    const events = readFileSync(result.journalPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; handedOver?: { name: string }[]; name?: string });
    const lost = events.find((e) => e.type === 'agent.session_lost');
    expect(lost).toBeDefined();
    expect(events.some((e) => e.type === 'fault.revert_failed')).toBe(false);
    if (signal === 'SIGTERM') {
      // A stopping agent reverts first and says so: the run records the revert, hands nothing over.
      expect(lost!.handedOver).toEqual([]);
      expect(events.some((e) => e.type === 'fault.reverted' && e.name === 'cut')).toBe(true);
    } else {
      expect(lost!.handedOver!.map((f) => f.name)).toEqual(['cut']);
      expect(result.error!.message).toContain(
        "the agent reverts what it still held by itself — proxy.down 'cut'",
      );
    }
  });
});

describe('finding 9d: the agent logs the true reason a session ended', () => {
  it.each([
    ['SIGKILL', 'the controller disconnected', 'no heartbeat'],
    ['SIGSTOP', 'no heartbeat for 1000 ms, the connection still open', 'disconnected'],
  ] as const)('the controller is %s: the log says "%s"', async (signal, says, doesNotSay) => {
    const logs: string[] = [];
    const proxy = createFaultProxy({ name: 'api', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await proxy.start();
    cleanup.push(() => proxy.stop());
    const agent = createAgentServer({
      ledgerDir: join(dir, 'ledger'),
      proxies: new Map([['api', proxy]]),
      log: (m) => logs.push(m),
    });
    cleanup.push(() => agent.close());
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki().ca, cert: pki().agent.cert, key: pki().agent.key }),
    });
    const faults = [
      {
        faultId: 'lat-1',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '5ms' },
        durationMs: 60_000,
      },
    ];
    const controller: ChildProcess = (
      await startTs(
        'agents/test-support/controller-child.ts',
        [
          `127.0.0.1:${port}`,
          pki().ca,
          pki().controller.cert,
          pki().controller.key,
          '1000',
          JSON.stringify(faults),
        ],
        /^injected$/,
        { cwd: ROOT },
      )
    ).child;
    cleanup.push(() => {
      controller.kill('SIGCONT');
      controller.kill('SIGKILL');
    });
    controller.kill(signal);
    expect(await waitUntil(() => agent.activeFaults() === 0, { timeoutMs: 3000 })).toBe(true);
    const ended = logs.filter(
      (l) => / \(.*\): .*reverting its 1 fault/.test(l) || /connection dropped|no heartbeat/.test(l),
    );
    expect(ended.join('\n')).toContain(says);
    expect(ended.join('\n')).not.toContain(doesNotSay);
  });
});
