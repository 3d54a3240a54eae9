/** `proxy.slicer`: cut data through a fault proxy into small pieces with a delay between them (Toxiproxy `slicer`). */
import { z } from 'zod';
import { Duration } from '../../engine/core/unit-schemas.js';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxySlicer = defineProxyToxicDriver({
  name: 'proxy.slicer',
  summary: 'Slice data through a fault proxy into averageBytes ± variationBytes pieces, delay apart.',
  toxic: 'slicer',
  params: {
    averageBytes: z.number().int().positive(),
    variationBytes: z.number().int().nonnegative().default(0),
    delay: Duration.prefault('0ms'),
  },
  // Toxiproxy's slicer delay is in microseconds.
  attributes: (p) => ({
    average_size: p.averageBytes,
    size_variation: p.variationBytes,
    delay: p.delay * 1000,
  }),
  describe: (p) => `slicer ${p.averageBytes}±${p.variationBytes} bytes every ${p.delay}ms`,
});
