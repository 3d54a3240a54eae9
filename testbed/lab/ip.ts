/** Thin wrappers over iproute2 and nft for the lab topology (root only). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SquallError } from '../../engine/core/errors.js';

const run = promisify(execFile);

/** Runs a command; throws with its stderr on failure. */
export async function sh(argv: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(argv[0]!, argv.slice(1), { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new SquallError('SQUALL_PROCESS_FAILED', `${argv.join(' ')}: ${(e.stderr || e.message).trim()}`, {
      cause: err,
    });
  }
}

/** Runs a command, ignoring failure (teardown: the thing may already be gone). */
export async function shQuiet(argv: readonly string[]): Promise<boolean> {
  try {
    await run(argv[0]!, argv.slice(1));
    return true;
  } catch {
    return false;
  }
}

export const isRoot = (): boolean => process.getuid?.() === 0;

export async function listNetns(): Promise<string[]> {
  const out = await sh(['ip', '-o', 'netns', 'list']);
  // Lines look like `name` or `name (id: 3)`.
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** PIDs of processes in a namespace. */
export async function netnsPids(netns: string): Promise<number[]> {
  try {
    const out = await sh(['ip', 'netns', 'pids', netns]);
    return out.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Interfaces in the root namespace, by name. */
export async function listLinks(): Promise<string[]> {
  const out = await sh(['ip', '-o', 'link', 'show']);
  // `3: name@peer: <...>` or `3: name: <...>`
  return out
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter(Boolean);
}

/** nft tables in a namespace (root when `netns` is undefined), as `family name`. */
export async function listNftTables(netns?: string): Promise<string[]> {
  const argv = netns ? ['ip', 'netns', 'exec', netns, 'nft', 'list', 'tables'] : ['nft', 'list', 'tables'];
  const out = await sh(argv);
  return out
    .split('\n')
    .map((l) => l.replace(/^table\s+/, '').trim())
    .filter(Boolean);
}
