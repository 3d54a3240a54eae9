/**
 * `bandwidth`: limit a direction to `rate` KB/s (Toxiproxy `toxics/bandwidth.go`): each chunk
 * is released size / rate after the previous one; big chunks are cut into 100 ms slices so a
 * burst does not arrive as one block.
 */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';
import { ReleaseQueue } from './queue.js';

/** Toxiproxy's attribute: `rate` in KB/s (1 KB = 1000 bytes). */
const Attributes = z.strictObject({ rate: z.number().positive() });

export const bandwidthToxic = defineToxicType({
  name: 'bandwidth',
  scope: 'stream',
  summary: 'Limit throughput to rate KB/s.',
  attributes: Attributes,
  createStage({ rate }, { out }) {
    const queue = new ReleaseQueue(out);
    const bytesPerMs = rate; // KB/s == bytes/ms
    const sliceBytes = Math.max(1, Math.floor(bytesPerMs * 100));
    return {
      write(chunk) {
        let start = Math.max(performance.now(), queue.lastMs);
        for (let offset = 0; offset < chunk.data.length; offset += sliceBytes) {
          const data = chunk.data.subarray(offset, offset + sliceBytes);
          start += data.length / bytesPerMs;
          queue.push({ data, arrivedAtMs: chunk.arrivedAtMs }, start);
        }
      },
      end: () => queue.end(queue.lastMs),
      release: () => queue.flush(),
    };
  },
});
