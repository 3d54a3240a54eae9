/**
 * Running system tools for fault drivers. Arguments always go as an argv array (execFile, no
 * shell), so nothing a request carries can become a shell command (what Chaos Mesh's
 * CVE-2025-59358..59361 were about). Input for tools that read a script (`nft -f -`) goes on
 * stdin and is built only from values the driver's schema has validated.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SquallError } from '../../engine/core/errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs `argv[0]` with the rest as arguments; rejects with the tool's stderr on a non-zero exit. */
export function run(
  argv: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('empty argv'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 10_000, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim() || err.message;
          reject(
            Object.assign(new Error(`${argv.join(' ')}: ${detail}`), { stderr: String(stderr), cause: err }),
          );
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A network namespace name as `ip netns` accepts it. */
const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The argv prefix that runs a tool on `host`: `self` (or no host) is the agent's own network
 * namespace; any other name must be a namespace under /var/run/netns (`ip netns add`).
 */
export function onHost(host: string | undefined, argv: readonly string[]): string[] {
  if (host === undefined || host === 'self') return [...argv];
  if (!NETNS_NAME.test(host))
    throw new SquallError('SQUALL_SPEC_INVALID', `host '${host}' is not a network namespace name`);
  if (!existsSync(`/var/run/netns/${host}`)) {
    throw new SquallError(
      'SQUALL_TARGET_NOT_FOUND',
      `host '${host}': no network namespace of that name on this agent (ip netns list); use 'self' for the agent's own`,
    );
  }
  return ['ip', 'netns', 'exec', host, ...argv];
}

/** `ip netns exec <host>` prefix as text, for remove commands shown to humans. */
export function onHostText(host: string | undefined): string {
  return host === undefined || host === 'self' ? '' : `ip netns exec ${host} `;
}
