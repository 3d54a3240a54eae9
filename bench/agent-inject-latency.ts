/**
 * bench/agent-inject-latency: how long from the controller's `inject` call until the fault is
 * active on the agent (the agent applied it and said so), over mTLS on loopback. 200 injections
 * (each reverted before the next) of `proxy.latency` on a proxy the agent hosts, and — as root
 * with nftables — of `nft.partition` in a network namespace the bench creates. The agent runs
 * in its own process (`squall agent`), as in production.
 * Target: p99 ≤ 20 ms. Writes bench/results/agent-inject-latency.json.
 *
 *   npm run bench:agent-inject-latency
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initCerts } from '../agents/certs/cert-files.js';
import { findPackageRoot } from '../agents/proto/load.js';
import { connectAgent } from '../engine/controller/agent-connection.js';

const INJECTIONS = Number(process.env.INJECTIONS ?? 200);
const TARGET_P99_MS = 20;
const ROOT = findPackageRoot();

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]!),
  };
}

function canUseNft(): boolean {
  try {
    execFileSync('nft', ['--version']);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

async function startAgent(args: string[]): Promise<{ child: ChildProcess; address: string }> {
  // Compiled bench runs the compiled CLI; from sources (tsx) the TypeScript one.
  const compiled = import.meta.url.endsWith('.js');
  const entry = fileURLToPath(new URL(`../engine/app/cli/bin.${compiled ? 'js' : 'ts'}`, import.meta.url));
  const child = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), entry, 'agent', ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code})`)));
  });
  return { child, address };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'squall-bench-inject-'));
  const certs = initCerts({ dir: join(dir, 'certs'), agents: ['agent'] });
  const ns = `sq-bench-${process.pid}`;
  const nft = canUseNft();
  if (nft) execFileSync('ip', ['netns', 'add', ns]);
  const cleanup = () => {
    if (nft) execFileSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };
  const { child, address } = await startAgent([
    '--listen',
    '127.0.0.1:0',
    '--tls-ca',
    certs.ca.cert,
    '--tls-cert',
    certs.agents.agent!.cert,
    '--tls-key',
    certs.agents.agent!.key,
    '--ledger',
    join(dir, 'ledger'),
    '--proxy',
    'api=127.0.0.1:0,127.0.0.1:9',
  ]).catch((err) => {
    cleanup();
    throw err;
  });
  try {
    const connection = await connectAgent(
      'agent', // the name its certificate was issued for
      { address, tls: { ca: certs.ca.cert, cert: certs.controller.cert, key: certs.controller.key } },
      { ttlMs: 10_000 },
    );
    const variants: { name: string; kind: string; target: Record<string, string>; params: unknown }[] = [
      { name: 'proxy.latency', kind: 'proxy.latency', target: { proxy: 'api' }, params: { latency: '10ms' } },
      ...(nft
        ? [
            {
              name: 'nft.partition (netns)',
              kind: 'nft.partition',
              target: { host: ns },
              params: { peers: ['10.250.0.1'] },
            },
          ]
        : []),
    ];
    const results = [];
    for (const v of variants) {
      const injectMs: number[] = [];
      const revertMs: number[] = [];
      for (let i = 0; i < INJECTIONS + 10; i++) {
        const t0 = performance.now();
        const fault = await connection.inject({
          faultId: `b${results.length}-${i}`,
          kind: v.kind,
          target: v.target,
          params: v.params,
          durationMs: 60_000,
        });
        const t1 = performance.now();
        await fault.revert();
        const t2 = performance.now();
        if (i >= 10) {
          // The first 10 warm up the JIT and the connection.
          injectMs.push(t1 - t0);
          revertMs.push(t2 - t1);
        }
      }
      const inject = stats(injectMs);
      results.push({
        variant: v.name,
        inject,
        revert: stats(revertMs),
        meetsTarget: inject.p99Ms <= TARGET_P99_MS,
      });
      console.log(
        `${v.name.padEnd(24)} inject p50 ${inject.p50Ms} ms  p99 ${inject.p99Ms} ms  (revert p50 ${stats(revertMs).p50Ms} ms)`,
      );
    }
    await connection.close();
    const out = {
      bench: 'agent-inject-latency',
      date: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim(),
        memMb: Math.round(totalmem() / 1024 ** 2),
      },
      setup:
        'controller (this process) → squall agent (child process) over mTLS on loopback; each fault reverted before the next',
      injections: INJECTIONS,
      targetP99Ms: TARGET_P99_MS,
      results,
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench', 'results', 'agent-inject-latency.json'),
      `${JSON.stringify(out, null, 2)}\n`,
    );
  } finally {
    child.kill('SIGTERM');
    cleanup();
  }
}

await main();
