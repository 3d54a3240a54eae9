/**
 * The lab topology: hosts `cloud-1` (and `cloud-2` for a standby) and `edge-1..edge-N` as
 * network namespaces, each with one veth into a bridge namespace (a Linux bridge `br0`),
 * addressed in 10.77.0.0/24 — a range used only inside these namespaces. Every name starts
 * with a per-run prefix (`sq` + 4 hex), so teardown removes exactly this run's objects, and
 * `destroyLab` is idempotent and also works for a run whose owner crashed (see
 * `findLabLeftovers`). Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SquallError } from '../../engine/core/errors.js';
import { pidExists } from '../../engine/core/processes.js';
import { removeFromSharedDir, writeInSharedDir } from '../shared-dir.js';
import { isRoot, listLinks, listNetns, netnsPids, sh, shQuiet } from './ip.js';

export interface LabHost {
  /** Role name: `cloud-1`, `edge-1`, ... */
  readonly name: string;
  /** Network namespace: `<prefix>-<name>`. */
  readonly netns: string;
  readonly address: string;
  /** Command prefix that runs a program on this host. */
  readonly wrapper: readonly string[];
}

export interface LabTopology {
  readonly prefix: string;
  readonly subnet: string;
  readonly hosts: readonly LabHost[];
  host(name: string): LabHost;
  /** Runs a command on a host. */
  exec(host: string, argv: readonly string[]): Promise<string>;
  /** Removes every namespace, link and marker of this run. Idempotent. */
  destroy(): Promise<LabCleanup>;
}

export interface LabOptions {
  /** Edge hosts (default 1). */
  edges?: number;
  /** A second cloud host `cloud-2` for a standby broker (default false). */
  standby?: boolean;
  /** Per-run prefix; random `sq` + 4 hex when omitted. */
  prefix?: string;
}

/** What a teardown removed. */
export interface LabCleanup {
  prefix: string;
  killedPids: number[];
  netns: string[];
  links: string[];
}

const SUBNET = '10.77.0';
/** Prefixes this module generates; `findLabLeftovers` only ever touches these. */
const LAB_PREFIX_PATTERN = /^sq[0-9a-f]{4}$/;
/**
 * Where each run records its owner, so leftovers of crashed runs can be told from live ones.
 * Machine-wide like the namespaces it describes, so not under TMPDIR (which differs between
 * shells and test runs): /run, which is cleared at boot, as namespaces are.
 */
export const LAB_MARKER_DIR = path.join(existsSync('/run') ? '/run' : tmpdir(), 'squall-lab');

function newLabPrefix(): string {
  return `sq${randomBytes(2).toString('hex')}`;
}

export const cloudAddress = (): string => `${SUBNET}.2`;
const standbyAddress = (): string => `${SUBNET}.3`;
const edgeAddress = (i: number): string => `${SUBNET}.${10 + i}`;

export async function createLab(options: LabOptions = {}): Promise<LabTopology> {
  if (!isRoot()) {
    throw new SquallError('SQUALL_USAGE', 'the lab topology needs root (network namespaces, veth, nftables)');
  }
  const edges = options.edges ?? 1;
  if (!Number.isInteger(edges) || edges < 1 || edges > 200) {
    throw new SquallError('SQUALL_USAGE', `lab edges must be 1..200, got ${edges}`);
  }
  const prefix = options.prefix ?? newLabPrefix();
  if (!LAB_PREFIX_PATTERN.test(prefix)) {
    throw new SquallError('SQUALL_USAGE', `lab prefix must match ${LAB_PREFIX_PATTERN}, got '${prefix}'`);
  }
  // Written first: if we crash half-way, the marker names the owner (dead) and the prefix.
  await writeInSharedDir(
    LAB_MARKER_DIR,
    `${prefix}.json`,
    JSON.stringify({ prefix, ownerPid: process.pid, createdAt: new Date().toISOString() }),
  );

  const sw = `${prefix}-sw`;
  const hosts: LabHost[] = [
    { name: 'cloud-1', address: cloudAddress() },
    ...(options.standby ? [{ name: 'cloud-2', address: standbyAddress() }] : []),
    ...Array.from({ length: edges }, (_, i) => ({ name: `edge-${i + 1}`, address: edgeAddress(i + 1) })),
  ].map((h) => {
    const netns = `${prefix}-${h.name}`;
    return { ...h, netns, wrapper: ['ip', 'netns', 'exec', netns] };
  });

  const lab: LabTopology = {
    prefix,
    subnet: `${SUBNET}.0/24`,
    hosts,
    host(name) {
      const h = hosts.find((x) => x.name === name);
      if (!h)
        throw new SquallError(
          'SQUALL_TARGET_NOT_FOUND',
          `no lab host '${name}'; have ${hosts.map((x) => x.name).join(', ')}`,
        );
      return h;
    },
    exec: (name, argv) => sh([...lab.host(name).wrapper, ...argv]),
    destroy: () => destroyLab(prefix),
  };

  try {
    await sh(['ip', 'netns', 'add', sw]);
    await sh(['ip', '-n', sw, 'link', 'set', 'lo', 'up']);
    await sh(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
    for (const [i, h] of hosts.entries()) {
      // Both ends are created inside their namespaces: nothing of ours ever sits in the root
      // namespace, where a crash would strand it.
      const port = `${prefix}p${i}`;
      await sh(['ip', 'netns', 'add', h.netns]);
      await sh(['ip', '-n', h.netns, 'link', 'set', 'lo', 'up']);
      await sh([
        'ip',
        'link',
        'add',
        'eth0',
        'netns',
        h.netns,
        'type',
        'veth',
        'peer',
        'name',
        port,
        'netns',
        sw,
      ]);
      await sh(['ip', '-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
      await sh(['ip', '-n', h.netns, 'link', 'set', 'eth0', 'up']);
      await sh(['ip', '-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
    }
  } catch (err) {
    await destroyLab(prefix);
    throw err;
  }
  return lab;
}

/**
 * Removes everything named with `prefix`: kills the processes in its namespaces, deletes the
 * namespaces (their veths and nft tables go with them), any stray root-namespace link with the
 * prefix, and the marker. Safe to call again, or for a prefix that never fully existed.
 */
export async function destroyLab(prefix: string): Promise<LabCleanup> {
  if (!LAB_PREFIX_PATTERN.test(prefix)) {
    throw new SquallError('SQUALL_USAGE', `not a lab prefix: '${prefix}'`);
  }
  const cleanup: LabCleanup = { prefix, killedPids: [], netns: [], links: [] };
  const mine = (await listNetns()).filter((n) => n.startsWith(`${prefix}-`));
  for (const netns of mine) {
    for (const pid of await netnsPids(netns)) {
      try {
        process.kill(pid, 'SIGKILL');
        cleanup.killedPids.push(pid);
      } catch {
        // Already gone.
      }
    }
  }
  for (const netns of mine) {
    if (await shQuiet(['ip', 'netns', 'del', netns])) cleanup.netns.push(netns);
  }
  for (const link of (await listLinks()).filter((l) => l.startsWith(prefix))) {
    if (await shQuiet(['ip', 'link', 'del', link])) cleanup.links.push(link);
  }
  await removeFromSharedDir(LAB_MARKER_DIR, `${prefix}.json`);
  return cleanup;
}

/**
 * Prefixes of lab runs whose owner process is gone (crashed, killed) — safe to destroy — as
 * opposed to runs still in use by a live process. Namespaces with our prefix shape and no
 * marker at all count as leftovers too.
 */
export async function findLabLeftovers(): Promise<string[]> {
  const prefixes = new Set(
    (await listNetns()).map((n) => n.split('-')[0] ?? '').filter((p) => LAB_PREFIX_PATTERN.test(p)),
  );
  for (const f of await readdir(LAB_MARKER_DIR).catch(() => [] as string[])) {
    const p = f.replace(/\.json$/, '');
    if (LAB_PREFIX_PATTERN.test(p)) prefixes.add(p);
  }
  const leftovers: string[] = [];
  for (const prefix of prefixes) {
    const marker = await readFile(path.join(LAB_MARKER_DIR, `${prefix}.json`), 'utf8').catch(() => undefined);
    const ownerPid = marker ? (JSON.parse(marker) as { ownerPid?: number }).ownerPid : undefined;
    if (ownerPid === undefined || !pidExists(ownerPid)) leftovers.push(prefix);
  }
  return leftovers.sort();
}
