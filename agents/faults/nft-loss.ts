/**
 * `nft.loss`: drop a share of packets at random (`numgen random mod 10000 < N`), to and from
 * `peers` or all traffic, per direction. Its own table, deleted exactly on revert.
 */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';
import {
  Address,
  applyTable,
  byFamily,
  Direction,
  NFT_PRIVILEGES,
  nftUnavailable,
  reachOf,
  recoverTable,
  set,
} from './nft.js';

const Params = z.strictObject({
  /** Share of packets dropped, e.g. '20%'. */
  loss: Percent,
  /** Only traffic to/from these; all traffic when omitted. */
  peers: z.array(Address).min(1).optional(),
  direction: Direction,
});

export const nftLoss = defineFaultDriver({
  name: 'nft.loss',
  summary: 'Drop a random share of packets (nftables numgen), optionally only to/from peers.',
  params: Params,
  targets: ['host'],
  async inject(ctx, p) {
    const threshold = Math.round(p.loss * 10_000);
    const drop = `numgen random mod 10000 < ${threshold} drop`;
    const rules = { input: [] as string[], output: [] as string[] };
    if (!p.peers) {
      if (p.direction !== 'egress') rules.input.push(drop);
      if (p.direction !== 'ingress') rules.output.push(drop);
    } else {
      for (const [family, peers] of Object.entries(byFamily(p.peers))) {
        if (peers.length === 0) continue;
        if (p.direction !== 'egress') rules.input.push(`${family} saddr ${set(peers)} ${drop}`);
        if (p.direction !== 'ingress') rules.output.push(`${family} daddr ${set(peers)} ${drop}`);
      }
    }
    return applyTable(
      ctx,
      rules,
      `loss ${(p.loss * 100).toFixed(2)}% ${p.peers ? `to/from ${p.peers.join(', ')}` : 'all traffic'} ${p.direction}`,
    );
  },
  recover: (ctx) => recoverTable(ctx),
  reach: (p) => reachOf(p.peers ?? ['0.0.0.0/0', '::/0'], undefined),
  unavailable: nftUnavailable,
  privileges: NFT_PRIVILEGES,
});
