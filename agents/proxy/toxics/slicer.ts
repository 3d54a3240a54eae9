/**
 * `slicer`: cut data into pieces of about `average_size` ± `size_variation` bytes with `delay`
 * MICROseconds between them (Toxiproxy `toxics/slicer.go`, whose attribute is in µs).
 */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';
import { ReleaseQueue } from './queue.js';

const Attributes = z.strictObject({
  average_size: z.number().int().positive(),
  size_variation: z.number().int().nonnegative().default(0),
  delay: z.number().nonnegative().default(0),
});

export const slicerToxic = defineToxicType({
  name: 'slicer',
  scope: 'stream',
  summary: 'Slice data into small pieces (average_size ± size_variation bytes, delay µs apart).',
  attributes: Attributes,
  createStage({ average_size, size_variation, delay }, { out }) {
    const queue = new ReleaseQueue(out);
    const variation = Math.min(size_variation, average_size - 1);
    return {
      write(chunk) {
        let at = Math.max(performance.now(), queue.lastMs);
        for (let offset = 0; offset < chunk.data.length; ) {
          const size = average_size + Math.round((Math.random() * 2 - 1) * variation);
          queue.push(
            { data: chunk.data.subarray(offset, offset + size), arrivedAtMs: chunk.arrivedAtMs },
            at,
          );
          offset += size;
          at += delay / 1000;
        }
      },
      end: () => queue.end(queue.lastMs),
      release: () => queue.flush(),
    };
  },
});
