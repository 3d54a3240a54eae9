/**
 * `latency`: every chunk is released at its arrival time + latency ± jitter, never before the
 * chunk ahead of it, so order is preserved and queued chunks do not add up their delays.
 * Toxiproxy `toxics/latency.go`: sleep = delay − time.Since(c.Timestamp), delay = latency +
 * rand(−jitter, +jitter); end-of-stream follows the last chunk, undelayed.
 */
import { z } from 'zod';
import { type Chunk, defineToxicType } from '../toxic.js';

/** Toxiproxy's attribute names; both are in milliseconds. */
const Attributes = z.strictObject({
  latency: z.number().nonnegative(),
  jitter: z.number().nonnegative().default(0),
});

type Held = { chunk: Chunk; releaseAtMs: number } | { end: true; releaseAtMs: number };

export const latencyToxic = defineToxicType({
  name: 'latency',
  scope: 'stream',
  summary: 'Delay data by latency ± jitter (ms), preserving order.',
  attributes: Attributes,
  createStage({ latency, jitter }, { out }) {
    const held: Held[] = [];
    let timer: NodeJS.Timeout | undefined;
    let lastReleaseMs = 0;

    const delayMs = () => (jitter > 0 ? latency + (Math.random() * 2 - 1) * jitter : latency);

    const releaseDue = () => {
      timer = undefined;
      const nowMs = performance.now();
      // Half a millisecond of slack: setTimeout rounds to whole ms and may fire a hair early.
      while (held.length > 0 && held[0]!.releaseAtMs <= nowMs + 0.5) emit(held.shift()!);
      schedule();
    };
    const schedule = () => {
      if (timer || held.length === 0) return;
      timer = setTimeout(releaseDue, Math.max(0, held[0]!.releaseAtMs - performance.now()));
    };
    const emit = (item: Held) => {
      if ('end' in item) out.end();
      // Restamp like Toxiproxy does, so a second latency toxic delays from this release.
      else out.push({ data: item.chunk.data, arrivedAtMs: item.releaseAtMs });
    };

    return {
      write(chunk) {
        const releaseAtMs = Math.max(chunk.arrivedAtMs + delayMs(), lastReleaseMs);
        lastReleaseMs = releaseAtMs;
        // Already due and nothing queued ahead of it (latency 0, or a late chunk): pass it on
        // now rather than through a timer tick.
        if (held.length === 0 && releaseAtMs <= performance.now()) {
          emit({ chunk, releaseAtMs });
          return;
        }
        held.push({ chunk, releaseAtMs });
        schedule();
      },
      end() {
        held.push({ end: true, releaseAtMs: lastReleaseMs });
        schedule();
      },
      release() {
        if (timer) clearTimeout(timer);
        timer = undefined;
        for (const item of held.splice(0)) emit(item);
      },
    };
  },
});
