/** `limit_data`: close the connection once `bytes` have passed in this direction (Toxiproxy `toxics/limit_data.go`). */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';

const Attributes = z.strictObject({ bytes: z.number().int().nonnegative() });

export const limitDataToxic = defineToxicType({
  name: 'limit_data',
  scope: 'stream',
  summary: 'Close the connection after bytes have been transmitted.',
  attributes: Attributes,
  createStage({ bytes }, { out, connection }) {
    let passed = 0;
    let closed = false;
    return {
      write(chunk) {
        if (closed) return;
        const room = bytes - passed;
        const data = chunk.data.length > room ? chunk.data.subarray(0, room) : chunk.data;
        passed += data.length;
        if (data.length > 0) out.push({ data, arrivedAtMs: chunk.arrivedAtMs });
        if (passed >= bytes) {
          closed = true;
          // Let what was pushed reach the socket before the FIN.
          setImmediate(() => connection.close());
        }
      },
      end: () => out.end(),
      release() {},
    };
  },
});
