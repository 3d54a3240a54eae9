/**
 * What the runner needs from an experiment with `system.testbed: embedded`: start the testbed,
 * hand its processes to the local agent as fault targets by role name, its broker URLs to the
 * fleet (`system.brokers`), and — in lab mode — each host's namespace (a fault's `target.host`)
 * and address (an `nft.partition` peer); stop it all on teardown.
 */
import type { ManagedProcess, ProxyHandle } from '../engine/core/faults.js';
import { startTestbed, type Testbed } from './testbed.js';
import type { TestbedOptions } from './testbed-options.js';

export interface EmbeddedTestbed {
  readonly testbed: Testbed;
  /** `cloud-broker`, `cloud-worker-<i>`, `edge-<i>` → process; merge into the local agent's map. */
  readonly processes: Map<string, ManagedProcess>;
  /** `edge-<i>-uplink` (uplinkProxy), `cloud-sink` (sinkProxy), `ingest-downstream` (ingest) → fault proxy. */
  readonly proxies: Map<string, ProxyHandle>;
  /** `cloud`, `edge-<i>` → MQTT URL; merge into `system.brokers`. */
  readonly brokers: Record<string, string>;
  /** Lab mode only: `cloud-1`, `edge-<i>` → namespace and address. Empty on loopback. */
  readonly hosts: Record<string, { netns: string; address: string }>;
  stop(): Promise<void>;
}

export async function startEmbeddedTestbed(options: TestbedOptions = {}): Promise<EmbeddedTestbed> {
  const testbed = await startTestbed(options);
  return {
    testbed,
    processes: new Map(testbed.processes().map((p) => [p.name, p])),
    proxies: new Map<string, ProxyHandle>(testbed.proxies),
    brokers: testbed.brokers(),
    hosts: Object.fromEntries(
      (testbed.lab?.hosts ?? []).map((h) => [h.name, { netns: h.netns, address: h.address }]),
    ),
    stop: () => testbed.stop(),
  };
}
