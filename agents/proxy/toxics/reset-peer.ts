/** `reset_peer`: reset the connection (TCP RST) after `timeout` ms; 0 resets on the first data (Toxiproxy `toxics/reset_peer.go`). */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';

const Attributes = z.strictObject({ timeout: z.number().int().nonnegative().default(0) });

export const resetPeerToxic = defineToxicType({
  name: 'reset_peer',
  scope: 'stream',
  summary: 'Reset the connection (RST) after timeout ms.',
  attributes: Attributes,
  createStage({ timeout }, { out, connection }) {
    const timer = timeout > 0 ? setTimeout(() => connection.reset(), timeout) : undefined;
    return {
      write(chunk) {
        if (timeout === 0) connection.reset();
        else out.push(chunk);
      },
      end: () => out.end(),
      release() {
        if (timer) clearTimeout(timer);
      },
    };
  },
});
