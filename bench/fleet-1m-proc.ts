/**
 * What bench/fleet-1m.ts reads from /proc: each process's RSS and PSS (smaps_rollup; PSS splits
 * the node binary's shared pages between the processes that map them) and CPU ticks, the
 * kernel's TCP socket count and buffer pages (sockstat), the slab caches a socket costs, and
 * the limits that decide how many sockets fit.
 */
import { readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux (getconf CLK_TCK)

export interface ProcMemory {
  rssKb: number;
  pssKb: number;
}

export function procMemory(pid: number): ProcMemory | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKb: kb('Rss'), pssKb: kb('Pss') };
  } catch {
    return undefined; // gone
  }
}

export function sumMemory(pids: number[]): ProcMemory & { processes: number } {
  let rssKb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const pid of pids) {
    const m = procMemory(pid);
    if (!m) continue;
    rssKb += m.rssKb;
    pssKb += m.pssKb;
    processes++;
  }
  return { rssKb, pssKb, processes };
}

/** User + system CPU seconds of the processes, summed (from /proc/<pid>/stat). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / CLK_TCK;
}

export interface SockStat {
  tcpInuse: number;
  tcpTimeWait: number;
  /** Pages of socket buffers (send/receive queues) charged to TCP. */
  tcpMemPages: number;
}

export function sockStat(): SockStat {
  const line = /^TCP: (.*)$/m.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? '';
  const field = (k: string) => Number(new RegExp(`\\b${k} (\\d+)`).exec(line)?.[1] ?? 0);
  return { tcpInuse: field('inuse'), tcpTimeWait: field('tw'), tcpMemPages: field('mem') };
}

/** The slab caches one TCP socket with a file descriptor in an epoll set occupies. */
const SOCKET_SLABS = ['TCP', 'sock_inode_cache', 'filp', 'dentry', 'eventpoll_epi', 'eventpoll_pwq'];

/** Bytes in the socket-related slab caches (num_objs × objsize), by cache; {} without /proc/slabinfo. */
export function socketSlabBytes(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync('/proc/slabinfo', 'utf8').split('\n')) {
      const [name, , numObjs, objSize] = line.split(/\s+/);
      if (name && SOCKET_SLABS.includes(name)) out[name] = Number(numObjs) * Number(objSize);
    }
  } catch {}
  return out;
}

export function memAvailableMb(): number {
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** Open files: this process's soft and hard limit, and the system's allocated / max. */
export function fileLimits() {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  const [allocated, , max] = readFileSync('/proc/sys/fs/file-nr', 'utf8').trim().split(/\s+/).map(Number);
  return {
    perProcessSoft: Number(m?.[1]),
    perProcessHard: Number(m?.[2]),
    systemAllocated: allocated!,
    systemMax: max!,
  };
}

export function ephemeralPortRange(): [number, number] {
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  return [lo!, hi!];
}
