/**
 * `proxy.latency`: a Toxiproxy latency toxic on a fault proxy. Data in the chosen direction is
 * delayed by latency ± jitter, order preserved; `both` adds one toxic per direction.
 */
import { z } from 'zod';
import { defineFaultDriver, type ToxicSpec } from '../../engine/core/faults.js';
import { Duration, Percent } from '../../engine/core/unit-schemas.js';

const Params = z.strictObject({
  latency: Duration,
  jitter: Duration.prefault('0ms'),
  /** Toxiproxy's default direction is downstream (upstream server → client). */
  stream: z.enum(['upstream', 'downstream', 'both']).default('downstream'),
  /** Share of connections that get the toxic, drawn per connection. */
  toxicity: Percent.prefault('100%'),
});

export const proxyLatency = defineFaultDriver({
  name: 'proxy.latency',
  summary: 'Delay traffic through a fault proxy by latency ± jitter.',
  params: Params,
  targets: ['proxy'],
  async inject(ctx, p) {
    const proxy = ctx.resolveProxy(ctx.target);
    const streams: NonNullable<ToxicSpec['stream']>[] =
      p.stream === 'both' ? ['upstream', 'downstream'] : [p.stream];
    const removals: (() => void | Promise<void>)[] = [];
    try {
      for (const stream of streams) {
        removals.push(
          proxy.addToxic({
            type: 'latency',
            stream,
            toxicity: p.toxicity,
            attributes: { latency: p.latency, jitter: p.jitter },
          }),
        );
      }
    } catch (err) {
      for (const remove of removals) await remove();
      throw err;
    }
    ctx.log(`proxy '${proxy.name}': +${p.latency}ms ±${p.jitter}ms ${p.stream}`);
    return {
      where: `proxy '${proxy.name}' (${proxy.listen} -> ${proxy.upstream}), latency ${p.latency}ms ±${p.jitter}ms ${p.stream}`,
      removeCommand: proxy.controlHint,
      async revert() {
        // Removals are idempotent, so a retried revert after a partial failure is safe.
        for (const remove of removals) await remove();
      },
    };
  },
});
