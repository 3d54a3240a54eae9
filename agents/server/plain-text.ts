/**
 * When the agent may serve plain text (`--insecure`), and how. Plain text has no client
 * identity, so whoever can connect controls the agent with the agent's privileges:
 *
 * - on a TCP loopback address every local user can connect. That is refused when the agent is
 *   privileged (euid 0, or any effective capability such as CAP_NET_ADMIN): it would hand
 *   root-level control to every account on the host;
 * - on a Unix socket (`unix:/run/squall/agent.sock`) the kernel checks file permissions at
 *   connect(2). Node cannot read the peer's credentials (SO_PEERCRED is not exposed by Node or
 *   grpc-js), so the agent relies on permissions instead, as dockerd and containerd do: the
 *   socket's directory must belong to the agent's user and be closed to everyone else (mode
 *   0700), and the socket itself is made 0600. Only the agent's own user (and root) can connect.
 * - anywhere else plain text is refused outright.
 */

import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isLoopback } from '../../engine/core/addresses.js';
import { SquallError } from '../../engine/core/errors.js';

const UNIX_PREFIX = 'unix:';

export const isUnixListen = (address: string) => address.startsWith(UNIX_PREFIX);

/** Why this process counts as privileged (euid 0, or effective capabilities), or undefined. */
export function privilege(): string | undefined {
  if (process.geteuid?.() === 0) return 'it runs as root';
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (capEff && BigInt(`0x${capEff}`) !== 0n) return `it has capabilities (CapEff ${capEff})`;
  } catch {
    // Not Linux: only the uid tells.
  }
  return undefined;
}

const insecure = (message: string) => new SquallError('SQUALL_AGENT_INSECURE', message);

/** Throws SQUALL_AGENT_INSECURE unless plain text on `address` is safe for this process. */
export function checkPlainTextListen(address: string, why = privilege()): void {
  if (isUnixListen(address)) {
    checkSocketDirectory(address.slice(UNIX_PREFIX.length));
    return;
  }
  const host = address.slice(0, address.lastIndexOf(':'));
  if (!isLoopback(host)) {
    throw insecure(
      `plain text (--insecure) is only allowed on a loopback address or a unix: socket, not '${address}'; use mTLS (squall certs init)`,
    );
  }
  if (why) {
    throw insecure(
      `plain text (--insecure) on TCP ${address} is refused because ${why}: every local user could connect and control this agent with its privileges. ` +
        `Use mTLS (squall certs init), or --listen unix:/run/squall/agent.sock in a directory only the agent's user can open (mode 0700)`,
    );
  }
}

/** The socket's directory must exist, belong to this user and be closed to group and others. */
function checkSocketDirectory(path: string): void {
  const dir = dirname(path);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch (err) {
    throw insecure(
      `unix socket directory ${dir}: ${(err as Error).message} (create it with: install -d -m 0700 ${dir})`,
    );
  }
  const uid = process.geteuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw insecure(
      `unix socket directory ${dir} must be a directory owned by this user (uid ${uid}) with mode 0700, so no other user can reach the socket; it is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner ${st.uid}`,
    );
  }
}

/** After binding: the socket file itself 0600 as well. */
export function restrictSocket(address: string): void {
  if (isUnixListen(address)) chmodSync(address.slice(UNIX_PREFIX.length), 0o600);
}
