/**
 * `tc.delay` and `tc.loss`: netem (tc-netem(8)) on a device's egress, where the kernel has
 * sch_netem. It is feature-detected once (in a throwaway network namespace, so the host is never
 * touched); without it both drivers fail with SQUALL_NETEM_UNAVAILABLE pointing at the fault
 * proxy (proxy.latency) or nft.loss, which need no kernel module.
 */
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import { type DriverPrivileges, defineFaultDriver, type FaultContext } from '../../engine/core/faults.js';
import { Duration, Percent } from '../../engine/core/unit-schemas.js';
import { run } from './exec.js';
import { applyRoot, Device, deleteRoot, TC_PRIVILEGES } from './tc.js';

let probe: Promise<string | undefined> | undefined;

/** Why netem cannot be used here, or undefined when it can. */
export function netemUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const ns = `squall-netem-probe-${process.pid}`;
    try {
      await run(['ip', 'netns', 'add', ns]);
    } catch (err) {
      return `cannot probe for sch_netem (ip netns add failed: ${(err as Error).message})`;
    }
    try {
      await run([
        'ip',
        'netns',
        'exec',
        ns,
        'tc',
        'qdisc',
        'add',
        'dev',
        'lo',
        'root',
        'netem',
        'delay',
        '1ms',
      ]);
      return undefined;
    } catch (err) {
      return `the kernel has no sch_netem (${(err as Error).message.split(': ').pop()?.trim()})`;
    } finally {
      await run(['ip', 'netns', 'del', ns]).catch(() => {});
    }
  })();
  return probe;
}

async function requireNetem(kind: string): Promise<void> {
  const reason = await netemUnavailable();
  if (reason) {
    throw new SquallError(
      'SQUALL_NETEM_UNAVAILABLE',
      `${kind}: ${reason}; use proxy.latency (fault proxy) for delay or nft.loss for packet loss instead`,
    );
  }
}

/**
 * The netem probe creates a throwaway network namespace (`ip netns add` mounts): CAP_SYS_ADMIN
 * on top of tc's own; without it both drivers report themselves unavailable (docs/security.md).
 */
const NETEM_PRIVILEGES: DriverPrivileges = {
  ...TC_PRIVILEGES,
  capabilities: [...(TC_PRIVILEGES.capabilities ?? []), 'SYS_ADMIN'],
};

const recoverDevice = (ctx: FaultContext, p: { device: string }) => deleteRoot(ctx.target.host, p.device);

export const tcDelay = defineFaultDriver({
  name: 'tc.delay',
  summary: 'Delay a device’s egress packets with netem (needs sch_netem; else use proxy.latency).',
  params: z.strictObject({ device: Device, delay: Duration, jitter: Duration.prefault('0ms') }),
  targets: ['host'],
  async inject(ctx, p) {
    await requireNetem('tc.delay');
    return applyRoot(
      ctx,
      p.device,
      ['netem', 'delay', `${p.delay}ms`, ...(p.jitter ? [`${p.jitter}ms`] : [])],
      `delay ${p.delay}ms ±${p.jitter}ms`,
    );
  },
  recover: (ctx, p) => recoverDevice(ctx, p),
  reach: (p) => ({ devices: [p.device] }),
  unavailable: netemUnavailable,
  privileges: NETEM_PRIVILEGES,
});

export const tcLoss = defineFaultDriver({
  name: 'tc.loss',
  summary: 'Drop a share of a device’s egress packets with netem (needs sch_netem; else use nft.loss).',
  params: z.strictObject({ device: Device, loss: Percent }),
  targets: ['host'],
  async inject(ctx, p) {
    await requireNetem('tc.loss');
    return applyRoot(
      ctx,
      p.device,
      ['netem', 'loss', `${(p.loss * 100).toFixed(3)}%`],
      `loss ${(p.loss * 100).toFixed(2)}%`,
    );
  },
  recover: (ctx, p) => recoverDevice(ctx, p),
  reach: (p) => ({ devices: [p.device] }),
  unavailable: netemUnavailable,
  privileges: NETEM_PRIVILEGES,
});
