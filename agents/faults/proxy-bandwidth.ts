/** `proxy.bandwidth`: limit throughput through a fault proxy (Toxiproxy `bandwidth`, rate in KB/s). */
import { z } from 'zod';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxyBandwidth = defineProxyToxicDriver({
  name: 'proxy.bandwidth',
  summary: 'Limit throughput through a fault proxy to rateKBps kilobytes per second.',
  toxic: 'bandwidth',
  params: { rateKBps: z.number().positive() },
  attributes: (p) => ({ rate: p.rateKBps }),
  describe: (p) => `bandwidth ${p.rateKBps} KB/s`,
});
