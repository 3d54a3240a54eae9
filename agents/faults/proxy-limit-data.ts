/** `proxy.limit_data`: close connections through a fault proxy after `bytes` have passed (Toxiproxy `limit_data`). */
import { z } from 'zod';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxyLimitData = defineProxyToxicDriver({
  name: 'proxy.limit_data',
  summary: 'Close connections through a fault proxy once bytes have been transmitted.',
  toxic: 'limit_data',
  params: { bytes: z.number().int().nonnegative() },
  attributes: (p) => ({ bytes: p.bytes }),
  describe: (p) => `limit_data ${p.bytes} bytes`,
});
