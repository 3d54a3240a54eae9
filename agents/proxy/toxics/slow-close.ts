/** `slow_close`: delay the end of the stream (TCP FIN) by `delay` ms (Toxiproxy `toxics/slow_close.go`). */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';
import { ReleaseQueue } from './queue.js';

const Attributes = z.strictObject({ delay: z.number().int().nonnegative() });

export const slowCloseToxic = defineToxicType({
  name: 'slow_close',
  scope: 'stream',
  summary: 'Delay the connection close by delay ms.',
  attributes: Attributes,
  createStage({ delay }, { out }) {
    const queue = new ReleaseQueue(out);
    return {
      write: (chunk) => queue.push(chunk, 0),
      end: () => queue.end(performance.now() + delay),
      release: () => queue.flush(),
    };
  },
});
