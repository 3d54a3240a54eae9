/** `toxiproxy.down`: disable a proxy in a real Toxiproxy server (`enabled: false`); revert enables it again. */
import { z } from 'zod';
import { shellQuote } from '../../engine/core/escape.js';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { ApiUrl, describeError, toxiproxyAt } from './toxiproxy.js';

const setEnabled = async (url: string, proxyName: string, enabled: boolean) => {
  const proxy = await toxiproxyAt(url).get(proxyName);
  await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
};

export const toxiproxyDown = defineFaultDriver({
  name: 'toxiproxy.down',
  summary: 'Take a proxy in a real Toxiproxy server down (enabled: false).',
  params: z.strictObject({ url: ApiUrl }),
  targets: ['proxy'],
  reach: (p) => ({ urls: [p.url] }),
  async inject(ctx, p) {
    const proxyName = ctx.target.proxy!;
    try {
      await setEnabled(p.url, proxyName, false);
    } catch (err) {
      throw describeError(p.url, proxyName, err);
    }
    return {
      where: `Toxiproxy ${p.url}, proxy '${proxyName}' disabled`,
      removeCommand: shellQuote([
        'curl',
        '-X',
        'POST',
        '-H',
        'Content-Type: application/json',
        '-d',
        '{"enabled":true}',
        `${p.url}/proxies/${encodeURIComponent(proxyName)}`,
      ]),
      revert: () => setEnabled(p.url, proxyName, true),
    };
  },
  recover: (ctx, p) => setEnabled(p.url, ctx.target.proxy!, true).catch(() => {}),
});
