/**
 * Shared by the proxy.* drivers that map onto one Toxiproxy toxic (bandwidth, timeout,
 * reset_peer, slow_close, slicer, limit_data): the experiment writes human units, the driver
 * turns them into the toxic's Toxiproxy-named attributes, adds the toxic to the chosen
 * direction(s) of the proxy, and removes exactly those toxics on revert.
 */
import { z } from 'zod';
import { defineFaultDriver, type FaultDriver, type ToxicSpec } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';

/** Fields every such driver takes besides its own. */
const StreamFields = {
  /** Toxiproxy's default direction is downstream (upstream server → client). */
  stream: z.enum(['upstream', 'downstream', 'both']).default('downstream'),
  /** Share of connections that get the toxic, drawn per connection. */
  toxicity: Percent.prefault('100%'),
};

type Stream = z.infer<typeof StreamFields.stream>;

export function defineProxyToxicDriver<S extends z.ZodRawShape>(spec: {
  name: string;
  summary: string;
  toxic: ToxicSpec['type'];
  params: S;
  attributes: (p: z.infer<z.ZodObject<S>>) => Record<string, number>;
  describe: (p: z.infer<z.ZodObject<S>>) => string;
}): FaultDriver<z.infer<z.ZodObject<S>> & { stream: Stream; toxicity: number }> {
  const params = z.strictObject({ ...spec.params, ...StreamFields }) as unknown as z.ZodType<
    z.infer<z.ZodObject<S>> & { stream: Stream; toxicity: number }
  >;
  return defineFaultDriver({
    name: spec.name,
    summary: spec.summary,
    params,
    targets: ['proxy'],
    async inject(ctx, p) {
      const proxy = ctx.resolveProxy(ctx.target);
      const streams: ('upstream' | 'downstream')[] =
        p.stream === 'both' ? ['upstream', 'downstream'] : [p.stream];
      const removals: (() => void | Promise<void>)[] = [];
      try {
        for (const stream of streams) {
          removals.push(
            proxy.addToxic({
              type: spec.toxic,
              stream,
              toxicity: p.toxicity,
              attributes: spec.attributes(p),
            }),
          );
        }
      } catch (err) {
        for (const remove of removals) await remove();
        throw err;
      }
      const what = `${spec.describe(p)} ${p.stream}`;
      ctx.log(`proxy '${proxy.name}': ${what}`);
      return {
        where: `proxy '${proxy.name}' (${proxy.listen} -> ${proxy.upstream}), ${what}`,
        removeCommand: proxy.controlHint,
        async revert() {
          // Removals are idempotent, so a retried revert after a partial failure is safe.
          for (const remove of removals) await remove();
        },
      };
    },
  });
}
