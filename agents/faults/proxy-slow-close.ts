/** `proxy.slow_close`: delay the close of connections through a fault proxy (Toxiproxy `slow_close`). */
import { Duration } from '../../engine/core/unit-schemas.js';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxySlowClose = defineProxyToxicDriver({
  name: 'proxy.slow_close',
  summary: 'Delay the TCP close of connections through a fault proxy.',
  toxic: 'slow_close',
  params: { delay: Duration },
  attributes: (p) => ({ delay: p.delay }),
  describe: (p) => `slow_close ${p.delay}ms`,
});
