/**
 * `nft.partition`: drop traffic between this host and `peers` (addresses or CIDR ranges), in
 * both directions by default; with `ports`, only traffic where either end uses one of them.
 * Its own table `inet squall_<faultId>`, deleted exactly on revert.
 */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import {
  Address,
  applyTable,
  byFamily,
  Direction,
  l4,
  NFT_PRIVILEGES,
  nftUnavailable,
  Port,
  Protocol,
  reachOf,
  recoverTable,
  set,
} from './nft.js';

const Params = z.strictObject({
  peers: z.array(Address).min(1),
  ports: z.array(Port).min(1).optional(),
  protocol: Protocol,
  direction: Direction,
});

export const nftPartition = defineFaultDriver({
  name: 'nft.partition',
  summary: 'Partition this host from peers (addresses, CIDRs; optionally only some ports) with nftables.',
  params: Params,
  targets: ['host'],
  async inject(ctx, p) {
    const families = byFamily(p.peers);
    const rules = { input: [] as string[], output: [] as string[] };
    for (const [family, peers] of Object.entries(families)) {
      if (peers.length === 0) continue;
      const portMatches = p.ports
        ? [`${l4(p.protocol)} th sport ${set(p.ports)}`, `${l4(p.protocol)} th dport ${set(p.ports)}`]
        : [''];
      for (const ports of portMatches) {
        if (p.direction !== 'egress')
          rules.input.push(`${family} saddr ${set(peers)} ${ports} drop`.replace('  ', ' '));
        if (p.direction !== 'ingress')
          rules.output.push(`${family} daddr ${set(peers)} ${ports} drop`.replace('  ', ' '));
      }
    }
    return applyTable(
      ctx,
      rules,
      `partition from ${p.peers.join(', ')}${p.ports ? ` ports ${p.ports.join(',')}` : ''} ${p.direction}`,
    );
  },
  recover: (ctx) => recoverTable(ctx),
  reach: (p) => reachOf(p.peers, p.ports),
  unavailable: nftUnavailable,
  privileges: NFT_PRIVILEGES,
});
