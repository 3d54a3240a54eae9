/**
 * Which process listens on a TCP port, from procfs (what `ss -ltnp` reads): the listening
 * socket's inode in /proc/net/tcp and tcp6, then the process holding `socket:[inode]` among
 * its file descriptors. Seeing other users' descriptors needs root (or CAP_SYS_PTRACE); when
 * nothing can be named the caller says so.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procArgv } from '../../engine/core/processes.js';

/** TCP_LISTEN in include/net/tcp_states.h, as /proc/net/tcp prints it. */
const LISTEN = '0A';

/** The first process found holding a socket that listens on `port`, in this network namespace. */
export function tcpListenerOf(port: number): { pid: number; argv: string[] } | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      if (!local || f[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return { pid: Number(entry), argv: procArgv(Number(entry)) };
    }
  }
  return undefined;
}
