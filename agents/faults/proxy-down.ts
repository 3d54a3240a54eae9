/**
 * `proxy.down`: Toxiproxy's proxy disable. Open connections are closed and new ones refused
 * (ECONNREFUSED) until the revert, which listens again on the same address.
 */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';

export const proxyDown = defineFaultDriver({
  name: 'proxy.down',
  summary: 'Take a fault proxy down: close its connections and refuse new ones.',
  params: z.strictObject({}),
  targets: ['proxy'],
  async inject(ctx) {
    const proxy = ctx.resolveProxy(ctx.target);
    const remove = proxy.addToxic({ type: 'down' });
    ctx.log(`proxy '${proxy.name}' down`);
    return {
      where: `proxy '${proxy.name}' (${proxy.listen} -> ${proxy.upstream}), down`,
      removeCommand: proxy.controlHint,
      async revert() {
        await remove();
      },
    };
  },
});
