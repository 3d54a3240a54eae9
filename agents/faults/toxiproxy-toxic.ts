/**
 * `toxiproxy.toxic`: add one toxic (any of Toxiproxy's types, with its own attribute names
 * and units) to a proxy in a real Toxiproxy server; revert deletes exactly that toxic.
 */
import { z } from 'zod';
import { shellQuote } from '../../engine/core/escape.js';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';
import { ApiUrl, describeError, toxiproxyAt } from './toxiproxy.js';

const Params = z.strictObject({
  url: ApiUrl,
  type: z.enum(['latency', 'bandwidth', 'timeout', 'reset_peer', 'slow_close', 'slicer', 'limit_data']),
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  toxicity: Percent.prefault('100%'),
  /** Toxiproxy's attributes as its API names them (latency/jitter ms, rate KB/s, ...). */
  attributes: z.record(z.string(), z.number()).default({}),
});

export const toxiproxyToxic = defineFaultDriver({
  name: 'toxiproxy.toxic',
  summary: 'Add a toxic to a proxy in a real Toxiproxy server (toxiproxy-node-client).',
  params: Params,
  targets: ['proxy'],
  reach: (p) => ({ urls: [p.url] }),
  async inject(ctx, p) {
    const proxyName = ctx.target.proxy!;
    const toxiproxy = toxiproxyAt(p.url);
    const toxicName = `squall_${ctx.faultId}`;
    try {
      const proxy = await toxiproxy.get(proxyName);
      await proxy.addToxic({
        name: toxicName,
        type: p.type,
        stream: p.stream,
        toxicity: p.toxicity,
        attributes: p.attributes,
      } as Parameters<typeof proxy.addToxic>[0]);
    } catch (err) {
      throw describeError(p.url, proxyName, err);
    }
    ctx.log(`Toxiproxy ${p.url}: ${p.type} on '${proxyName}' ${p.stream} ${JSON.stringify(p.attributes)}`);
    return {
      where: `Toxiproxy ${p.url}, proxy '${proxyName}', toxic ${toxicName} (${p.type} ${p.stream})`,
      removeCommand: shellQuote([
        'curl',
        '-X',
        'DELETE',
        `${p.url}/proxies/${encodeURIComponent(proxyName)}/toxics/${toxicName}`,
      ]),
      async revert() {
        const res = await fetch(`${p.url}/proxies/${encodeURIComponent(proxyName)}/toxics/${toxicName}`, {
          method: 'DELETE',
        });
        // 404: already gone (a retried revert, or the server was reset).
        if (!res.ok && res.status !== 404)
          throw new Error(`Toxiproxy ${p.url}: DELETE toxic ${toxicName}: HTTP ${res.status}`);
      },
    };
  },
  async recover(ctx, p) {
    await fetch(`${p.url}/proxies/${encodeURIComponent(ctx.target.proxy!)}/toxics/squall_${ctx.faultId}`, {
      method: 'DELETE',
    }).catch(() => {});
  },
});
