/** `proxy.reset_peer`: reset connections through a fault proxy (TCP RST) after `timeout` (Toxiproxy `reset_peer`). */
import { Duration } from '../../engine/core/unit-schemas.js';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxyResetPeer = defineProxyToxicDriver({
  name: 'proxy.reset_peer',
  summary: 'Reset connections through a fault proxy (RST) after timeout.',
  toxic: 'reset_peer',
  params: { timeout: Duration.prefault('0s') },
  attributes: (p) => ({ timeout: p.timeout }),
  describe: (p) => `reset_peer after ${p.timeout}ms`,
});
