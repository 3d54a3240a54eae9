/**
 * Starts the experiment's `system.proxies` for the local agent, all or none: if one cannot
 * listen, the ones already started are stopped before the error propagates.
 */
import { SquallError } from '../../engine/core/errors.js';
import { createFaultProxy, type FaultProxy } from './fault-proxy.js';

export interface ProxySpecs {
  [name: string]: { listen: string; upstream: string };
}

export async function startProxies(
  specs: ProxySpecs | undefined,
  options: { log?: (message: string) => void } = {},
): Promise<Map<string, FaultProxy>> {
  const started = new Map<string, FaultProxy>();
  for (const [name, spec] of Object.entries(specs ?? {})) {
    const proxy = createFaultProxy({ name, ...spec, ...(options.log ? { log: options.log } : {}) });
    try {
      await proxy.start();
    } catch (err) {
      await stopProxies(started);
      throw new SquallError(
        'SQUALL_PROCESS_FAILED',
        `proxy '${name}' could not listen on ${spec.listen}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    started.set(name, proxy);
  }
  return started;
}

/** Stops every proxy; never throws (it runs during teardown). */
export async function stopProxies(proxies: Map<string, FaultProxy>): Promise<void> {
  await Promise.allSettled([...proxies.values()].map((p) => p.stop()));
}
