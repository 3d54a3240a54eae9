/**
 * Test helper: two network namespaces joined by a veth pair, with addresses from a private range
 * that exist only inside them. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). `destroy` removes both
 * namespaces (and so the veth pair and every nft table in them), even after a failed test.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';

export interface NetnsPair {
  a: string;
  b: string;
  addrA: string;
  addrB: string;
  /** IPv6 unique-local addresses of the same pair (fd5e::/16, inside the namespaces only). */
  addrA6: string;
  addrB6: string;
  /** Runs the netprobe fixture in a namespace and resolves with its output lines. */
  probe(ns: string, args: string[]): Promise<string[]>;
  /** Starts a long-running netprobe (tcp-server, udp-sink); resolves once it printed its first line. */
  start(ns: string, args: string[]): Promise<{ child: ChildProcess; lines: string[]; exited: Promise<void> }>;
  /** Resolves once IPv6 works between the two (link-local addresses in place). */
  waitIpv6(): Promise<void>;
  nftTables(ns: string): string[];
  destroy(): void;
}

const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    sh(['nft', '--version']);
    sh(['ip', '-V']);
    return true;
  } catch {
    return false;
  }
}

let counter = 0;

export function createNetnsPair(subnet = 201): NetnsPair {
  const tag = `${process.pid % 100000}${counter++}`;
  const a = `sq-a-${tag}`;
  const b = `sq-b-${tag}`;
  const addrA = `10.${subnet}.${counter}.1`;
  const addrB = `10.${subnet}.${counter}.2`;
  const addrA6 = `fd5e:${subnet}:${counter}::1`;
  const addrB6 = `fd5e:${subnet}:${counter}::2`;
  const children = new Set<ChildProcess>();
  const destroy = () => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of [a, b]) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {}
    }
  };
  try {
    sh(['ip', 'netns', 'add', a]);
    sh(['ip', 'netns', 'add', b]);
    // No duplicate-address detection: IPv6 (link-local included) is usable the moment it is up.
    for (const ns of [a, b]) {
      sh([
        'ip',
        'netns',
        'exec',
        ns,
        'sysctl',
        '-qw',
        'net.ipv6.conf.default.accept_dad=0',
        'net.ipv6.conf.all.accept_dad=0',
      ]);
    }
    sh(['ip', 'link', 'add', `va${tag}`, 'netns', a, 'type', 'veth', 'peer', 'name', `vb${tag}`, 'netns', b]);
    sh(['ip', '-n', a, 'addr', 'add', `${addrA}/24`, 'dev', `va${tag}`]);
    sh(['ip', '-n', b, 'addr', 'add', `${addrB}/24`, 'dev', `vb${tag}`]);
    sh(['ip', '-n', a, 'addr', 'add', `${addrA6}/64`, 'dev', `va${tag}`, 'nodad']);
    sh(['ip', '-n', b, 'addr', 'add', `${addrB6}/64`, 'dev', `vb${tag}`, 'nodad']);
    for (const [ns, dev] of [
      [a, `va${tag}`],
      [b, `vb${tag}`],
    ] as const) {
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
  } catch (err) {
    destroy();
    throw err;
  }
  const netprobe = `${FIXTURES_DIR}netprobe.mjs`;
  const spawnProbe = (ns: string, args: string[]) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, netprobe, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  return {
    a,
    b,
    addrA,
    addrB,
    addrA6,
    addrB6,
    async probe(ns, args) {
      const child = spawnProbe(ns, args);
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
      await once(child, 'close');
      return lines;
    },
    async start(ns, args) {
      const child = spawnProbe(ns, args);
      const lines: string[] = [];
      const exited = once(child, 'close').then(() => {});
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (l) => {
          lines.push(l);
          if (lines.length === 1) resolve();
        });
        child.once('exit', (code) =>
          reject(new Error(`netprobe ${args[0]} exited (${code}) before it was ready`)),
        );
      });
      return { child, lines, exited };
    },
    async waitIpv6() {
      // IPv6 neighbour discovery needs each side's link-local address, which the kernel adds a
      // moment (up to ~1 s) after the link comes up; IPv4 needs nothing of the kind.
      for (const [ns, dev] of [
        [a, `va${tag}`],
        [b, `vb${tag}`],
      ] as const) {
        for (let waited = 0; ; waited += 20) {
          const out = sh(['ip', '-n', ns, '-6', 'addr', 'show', 'dev', dev, 'scope', 'link']);
          if (out.includes('inet6') && !out.includes('tentative')) break;
          if (waited > 5000) throw new Error(`no IPv6 link-local address on ${dev} in ${ns} after 5 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
    nftTables(ns) {
      return sh(['ip', 'netns', 'exec', ns, 'nft', 'list', 'tables'])
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    },
    destroy,
  };
}
