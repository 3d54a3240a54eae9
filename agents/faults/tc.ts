/**
 * Shared by the tc.* drivers: a fault owns the root qdisc of one device under handle 5157:
 * ("SQ"), so revert and ledger recovery delete exactly that qdisc and nothing the host set up.
 * Deleting the root qdisc gives the device back its default one.
 */
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { ActiveFault, DriverPrivileges, FaultContext } from '../../engine/core/faults.js';
import { onHost, onHostText, run } from './exec.js';

const SQUALL_HANDLE = '5157:';

/** Root qdiscs of a device: CAP_NET_ADMIN, in the host's namespace to shape the host's interfaces. */
export const TC_PRIVILEGES: DriverPrivileges = { capabilities: ['NET_ADMIN'], hostNamespaces: ['network'] };

export const Device = z
  .string()
  .regex(/^[A-Za-z0-9_.@-]{1,15}$/, 'expected a network device name such as eth0');

/** `8mbit`, `512kbit`, `1gbit`, `100bit` → kbit/s. */
export const Rate = z
  .string()
  .regex(/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/, "expected a rate such as '512kbit', '8mbit' or '1gbit'")
  .transform((text) => {
    const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(text)!;
    const factor = { bit: 0.001, kbit: 1, mbit: 1000, gbit: 1_000_000 }[m[2] as 'bit'];
    return Number(m[1]) * factor;
  });

async function rootQdisc(host: string | undefined, device: string): Promise<string> {
  const { stdout } = await run(onHost(host, ['tc', 'qdisc', 'show', 'dev', device, 'root']));
  return stdout.trim();
}

/** Installs `qdisc` (argv after `handle 5157:`) as the device's root; refuses if a fault already owns it. */
export async function applyRoot(
  ctx: FaultContext,
  device: string,
  qdisc: string[],
  describe: string,
): Promise<ActiveFault> {
  const host = ctx.target.host;
  let current: string;
  try {
    current = await rootQdisc(host, device);
  } catch (err) {
    throw new SquallError(
      'SQUALL_TARGET_NOT_FOUND',
      `device ${device} on ${host ?? 'self'}: ${(err as Error).message}`,
    );
  }
  if (current.includes(`qdisc ${qdisc[0]} ${SQUALL_HANDLE}`) || /\b5157:/.test(current)) {
    throw new Error(`device ${device} already has a squall qdisc (${current}); one tc fault per device`);
  }
  await run(
    onHost(host, ['tc', 'qdisc', 'replace', 'dev', device, 'root', 'handle', SQUALL_HANDLE, ...qdisc]),
  );
  ctx.log(`tc ${qdisc[0]} on ${device} (${host ?? 'self'}): ${describe}`);
  return {
    where: `${host && host !== 'self' ? `netns ${host}, ` : ''}dev ${device} root qdisc ${SQUALL_HANDLE} ${qdisc[0]} (${describe})`,
    removeCommand: `${onHostText(host)}tc qdisc del dev ${device} root handle ${SQUALL_HANDLE}`,
    revert: () => deleteRoot(host, device),
  };
}

/** Deletes the root qdisc only when it is ours; idempotent. */
export async function deleteRoot(host: string | undefined, device: string): Promise<void> {
  let current: string;
  try {
    current = await rootQdisc(host, device);
  } catch {
    return; // the device is gone, and its qdisc with it
  }
  if (!/\b5157:/.test(current)) return;
  await run(onHost(host, ['tc', 'qdisc', 'del', 'dev', device, 'root', 'handle', SQUALL_HANDLE]));
}
