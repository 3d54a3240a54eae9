/**
 * `nft.blackhole`: silently drop traffic to and from local `ports` (peers see timeouts, not
 * refusals), optionally only for some peers. Its own table, deleted exactly on revert.
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
  ports: z.array(Port).min(1),
  peers: z.array(Address).min(1).optional(),
  protocol: Protocol,
  direction: Direction,
});

export const nftBlackhole = defineFaultDriver({
  name: 'nft.blackhole',
  summary: 'Silently drop traffic to/from local ports (optionally only for some peers) with nftables.',
  params: Params,
  targets: ['host'],
  async inject(ctx, p) {
    const rules = { input: [] as string[], output: [] as string[] };
    const scopes: [string, string][] = p.peers
      ? Object.entries(byFamily(p.peers))
          .filter(([, peers]) => peers.length > 0)
          .map(([family, peers]) => [`${family} saddr ${set(peers)} `, `${family} daddr ${set(peers)} `])
      : [['', '']];
    for (const [inScope, outScope] of scopes) {
      if (p.direction !== 'egress')
        rules.input.push(`${inScope}${l4(p.protocol)} th dport ${set(p.ports)} drop`);
      if (p.direction !== 'ingress')
        rules.output.push(`${outScope}${l4(p.protocol)} th sport ${set(p.ports)} drop`);
    }
    return applyTable(
      ctx,
      rules,
      `blackhole ports ${p.ports.join(',')}${p.peers ? ` for ${p.peers.join(', ')}` : ''} ${p.direction}`,
    );
  },
  recover: (ctx) => recoverTable(ctx),
  reach: (p) => reachOf(p.peers, p.ports),
  unavailable: nftUnavailable,
  privileges: NFT_PRIVILEGES,
});
