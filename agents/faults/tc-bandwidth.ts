/**
 * `tc.bandwidth`: limit a device's egress rate with a token bucket filter (tbf, tc-tbf(8)).
 * The root qdisc is the fault's own (handle 5157:); revert deletes exactly it.
 */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Duration } from '../../engine/core/unit-schemas.js';
import { run } from './exec.js';
import { applyRoot, Device, deleteRoot, Rate, TC_PRIVILEGES } from './tc.js';

const Params = z.strictObject({
  device: Device,
  rate: Rate,
  /** Bucket size in bytes; at least rate/HZ, 32 KiB is safe for rates up to ~100 Mbit/s. */
  burstBytes: z.number().int().min(1600).default(32_768),
  /** Longest a packet may wait in the bucket before it is dropped. */
  latency: Duration.prefault('50ms'),
});

export const tcBandwidth = defineFaultDriver({
  name: 'tc.bandwidth',
  summary: 'Limit a device’s egress bandwidth with tc tbf.',
  params: Params,
  targets: ['host'],
  inject: (ctx, p) =>
    applyRoot(
      ctx,
      p.device,
      ['tbf', 'rate', `${p.rate}kbit`, 'burst', String(p.burstBytes), 'latency', `${p.latency}ms`],
      `rate ${p.rate} kbit/s`,
    ),
  recover: (ctx, p) => deleteRoot(ctx.target.host, p.device),
  reach: (p) => ({ devices: [p.device] }),
  privileges: TC_PRIVILEGES,
  async unavailable() {
    try {
      await run(['tc', '-V']);
      return undefined;
    } catch (err) {
      return `tc (iproute2) is not usable here: ${(err as Error).message}`;
    }
  },
});
