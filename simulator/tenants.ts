/**
 * Tenants by share, assigned to device indexes without state: device i goes to the tenant
 * whose cumulative-share interval holds frac((i + 1) · φ⁻¹). The golden-ratio sequence is
 * low-discrepancy, so any contiguous run of indexes (a group, a shard) gets nearly the exact
 * shares, and a sink in another process derives the same tenant from the index alone.
 *
 * A device group may be pinned to one tenant (`tenant:` on the group, e.g. a noisy tenant's
 * devices): its index range belongs to that tenant, and the shares apply to the other devices.
 * The ranges are global indexes, fixed before the fleet is split, so every shard and the sink
 * agree.
 */
import { SquallError } from '../engine/core/errors.js';

export interface TenantShare {
  name: string;
  /** Fraction in (0, 1]; shares sum to 1. */
  share: number;
}

/** Devices `first` .. `first + count - 1` (global indexes) all belong to `tenant`. */
export interface PinnedTenant {
  first: number;
  count: number;
  tenant: string;
}

const INV_PHI = 0.6180339887498949;

export interface TenantMap {
  readonly names: readonly string[];
  /** Tenant number (index into `names`) of a device index. */
  of(index: number): number;
}

export function createTenantMap(
  shares: readonly TenantShare[],
  pinned: readonly PinnedTenant[] = [],
): TenantMap {
  const byShare = sharedTenantMap(shares);
  if (pinned.length === 0) return byShare;
  const names = [...byShare.names];
  for (const p of pinned) if (!names.includes(p.tenant)) names.push(p.tenant);
  if (names.length > 255) throw new SquallError('SQUALL_FLEET_CONFIG_INVALID', 'tenants: at most 255');
  const firsts = Float64Array.from(pinned, (p) => p.first);
  const ends = Float64Array.from(pinned, (p) => p.first + p.count);
  const tenantOf = Uint8Array.from(pinned, (p) => names.indexOf(p.tenant));
  return {
    names,
    of(index) {
      // A handful of pinned groups at most: a scan beats anything cleverer.
      for (let k = 0; k < firsts.length; k++)
        if (index >= firsts[k]! && index < ends[k]!) return tenantOf[k]!;
      return byShare.of(index);
    },
  };
}

function sharedTenantMap(shares: readonly TenantShare[]): TenantMap {
  if (shares.length === 0) return { names: ['default'], of: () => 0 };
  if (shares.length > 255) throw new SquallError('SQUALL_FLEET_CONFIG_INVALID', 'tenants: at most 255');
  const total = shares.reduce((a, s) => a + s.share, 0);
  if (shares.some((s) => !(s.share > 0)) || Math.abs(total - 1) > 1e-6) {
    throw new SquallError(
      'SQUALL_FLEET_CONFIG_INVALID',
      `tenants: shares must be above 0% and sum to 100%, got ${shares.map((s) => `${s.name}: ${(s.share * 100).toFixed(2)}%`).join(', ')}`,
    );
  }
  const bounds = new Float64Array(shares.length);
  let acc = 0;
  shares.forEach((s, i) => {
    acc += s.share / total;
    bounds[i] = acc;
  });
  bounds[shares.length - 1] = 1;
  const last = shares.length - 1;
  return {
    names: shares.map((s) => s.name),
    of(index) {
      const x = ((index + 1) * INV_PHI) % 1;
      for (let t = 0; t < last; t++) if (x < bounds[t]!) return t;
      return last;
    },
  };
}
