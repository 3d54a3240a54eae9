/**
 * Shared by the nft.* drivers: each fault lives in its own nftables table `inet squall_<faultId>`,
 * so its revert is exactly `nft delete table inet squall_<faultId>` and never touches anyone
 * else's rules (Litmus's orphaned-rule problem, litmus #2359). The table is created atomically
 * from one `nft -f -` script; a failed script leaves nothing behind.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { ActiveFault, DriverPrivileges, FaultContext, FaultReach } from '../../engine/core/faults.js';
import { onHost, onHostText, run } from './exec.js';

/** An IPv4/IPv6 address or CIDR range, checked strictly (these go into an nft script). */
export const Address = z.string().refine((text) => {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || !address || isIP(address) === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (isIP(address) === 4 ? 32 : 128);
}, 'expected an IPv4/IPv6 address or CIDR range, e.g. 10.0.0.5 or 10.0.0.0/24');

export const Port = z.number().int().min(1).max(65_535);
export const Direction = z.enum(['both', 'ingress', 'egress']).default('both');
export const Protocol = z.enum(['tcp', 'udp', 'both']).default('both');

function tableName(faultId: string): string {
  // The id goes into an nft script: keep it to a safe alphabet whoever called us.
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(faultId))
    throw new SquallError('SQUALL_SPEC_INVALID', `fault id '${faultId}' is not a safe nft table name`);
  return `squall_${faultId}`;
}

/** Peers split by family, as nft needs `ip` and `ip6` matches apart. */
export function byFamily(peers: readonly string[]): { ip: string[]; ip6: string[] } {
  const out = { ip: [] as string[], ip6: [] as string[] };
  for (const p of peers) (isIP(p.split('/')[0]!) === 6 ? out.ip6 : out.ip).push(p);
  return out;
}

export const set = (items: readonly (string | number)[]) => `{ ${items.join(', ')} }`;

/** `meta l4proto { tcp, udp }` for a protocol choice. */
export function l4(protocol: 'tcp' | 'udp' | 'both'): string {
  return protocol === 'both' ? 'meta l4proto { tcp, udp }' : `meta l4proto ${protocol}`;
}

/** Rules for one hook: each line is a full rule ending in a verdict. */
export interface NftRules {
  input: string[];
  output: string[];
}

/** Creates the fault's table with its rules, and returns the fault whose revert deletes it. */
export async function applyTable(ctx: FaultContext, rules: NftRules, describe: string): Promise<ActiveFault> {
  const host = ctx.target.host;
  const table = tableName(ctx.faultId);
  // Priority filter - 10: before the host's own filter rules, so an accept there cannot undo us.
  const chain = (name: string, hook: string, body: string[]) =>
    body.length === 0
      ? ''
      : `  chain ${name} {\n    type filter hook ${hook} priority filter - 10; policy accept;\n${body.map((r) => `    ${r}\n`).join('')}  }\n`;
  const script = `table inet ${table} {\n${chain('input', 'input', rules.input)}${chain('output', 'output', rules.output)}}\n`;
  await run(onHost(host, ['nft', '-f', '-']), { input: script });
  ctx.log(`nft table ${table} on ${host ?? 'self'}: ${describe}`);
  return {
    where: `${host && host !== 'self' ? `netns ${host}, ` : ''}nft table inet ${table} (${describe})`,
    removeCommand: `${onHostText(host)}nft delete table inet ${table}`,
    revert: () => deleteTable(host, table),
  };
}

/** Deletes the table if it exists; idempotent (a revert retried after success is fine). One nft call. */
async function deleteTable(host: string | undefined, table: string): Promise<void> {
  try {
    await run(onHost(host, ['nft', 'delete', 'table', 'inet', table]));
  } catch (err) {
    // The namespace is gone, and every table in it: nothing left to revert.
    if (err instanceof SquallError && err.code === 'SQUALL_TARGET_NOT_FOUND') return;
    // nft says "No such file or directory" for a table that is not there: already reverted.
    if (/No such file or directory|does not exist/i.test((err as { stderr?: string }).stderr ?? '')) return;
    throw err;
  }
}

/** For `recover`: drop the table a dead agent may have left. */
export function recoverTable(ctx: FaultContext): Promise<void> {
  return deleteTable(ctx.target.host, tableName(ctx.faultId));
}

/**
 * nftables tables live in a network namespace: CAP_NET_ADMIN there, and the host's own
 * namespace when the host's traffic is what should be cut (docs/security.md).
 */
export const NFT_PRIVILEGES: DriverPrivileges = { capabilities: ['NET_ADMIN'], hostNamespaces: ['network'] };

export async function nftUnavailable(): Promise<string | undefined> {
  try {
    await run(['nft', 'list', 'tables']);
    return undefined;
  } catch (err) {
    return `nft does not work here (needs nftables and CAP_NET_ADMIN): ${(err as Error).message}`;
  }
}

export function reachOf(
  peers: readonly string[] | undefined,
  ports: readonly number[] | undefined,
): FaultReach {
  return { addresses: [...(peers ?? [])], ports: [...(ports ?? [])] };
}
