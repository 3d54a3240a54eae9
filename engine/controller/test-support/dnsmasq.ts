/**
 * Test helper: Debian's dnsmasq (/usr/sbin/dnsmasq) serving A records on a free loopback port,
 * as a cluster's DNS serves a headless Service: one A record per ready pod. Everything under
 * `cluster.local` it does not list answers NXDOMAIN (`local=`), like a cluster's own zone. Its
 * config and pid file live in a temp dir that `stop` removes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/ports.js';

const DNSMASQ = '/usr/sbin/dnsmasq';

export interface Dnsmasq {
  /** `127.0.0.1:<port>`, for `agents.discover.server`. */
  server: string;
  stop(): Promise<void>;
}

/** `records`: name → the addresses of its A records. */
export async function startDnsmasq(records: Record<string, string[]>): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-dnsmasq-'));
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(
    conf,
    [
      'local=/cluster.local/',
      ...Object.entries(records).flatMap(([name, ips]) => ips.map((ip) => `host-record=${name},${ip}`)),
    ].join('\n'),
  );
  // A port probed free can be taken before dnsmasq binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      DNSMASQ,
      [
        '-k',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        `--conf-file=${conf}`,
        `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        '--log-facility=-',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const started = await new Promise<boolean>((resolve) => {
      child.stderr!.on('data', (d) => {
        stderr += d;
        if (/started, version/.test(stderr)) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    if (started) return { server: `127.0.0.1:${port}`, stop: () => stop(child, dir) };
    if (attempt >= 4) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`dnsmasq did not start: ${stderr}`);
    }
  }
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
