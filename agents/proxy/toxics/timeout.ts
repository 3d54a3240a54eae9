/**
 * `timeout`: stop all data; after `timeout` ms close the connection, or with 0 hold it open
 * and drop data until the toxic is removed (Toxiproxy `toxics/timeout.go`).
 */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';

const Attributes = z.strictObject({ timeout: z.number().int().nonnegative() });

export const timeoutToxic = defineToxicType({
  name: 'timeout',
  scope: 'stream',
  summary: 'Swallow data; close the connection after timeout ms (0: never, a blackhole).',
  attributes: Attributes,
  createStage({ timeout }, { connection }) {
    const timer = timeout > 0 ? setTimeout(() => connection.close(), timeout) : undefined;
    let endedWhileHeld = false;
    return {
      write() {
        // Dropped, as Toxiproxy does.
      },
      end() {
        endedWhileHeld = true;
      },
      release() {
        if (timer) clearTimeout(timer);
        // The FIN that arrived while we swallowed everything still has to reach the other side.
        if (endedWhileHeld) connection.close();
      },
    };
  },
});
