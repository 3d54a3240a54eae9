/**
 * The names the embedded testbed gives its brokers and fault proxies, and the cloud broker
 * kinds it runs, in one place: the testbed (testbed/testbed.ts) names its endpoints with them,
 * and the experiment's schema and checks (schema.ts, validate-fleet.ts, validate-faults.ts)
 * accept exactly these before anything starts.
 */

/** The cloud broker implementations the testbed runs: the aedes cluster, or Debian's mosquitto. */
export const CLOUD_BROKER_KINDS = ['aedes', 'mosquitto'] as const;
export type CloudBrokerKind = (typeof CLOUD_BROKER_KINDS)[number];

export const TESTBED_NAMES = {
  /** The cloud broker. */
  cloud: 'cloud',
  /** The second, independent cloud broker (`standby`); also its process, a fault target. */
  standby: 'cloud-standby',
  /** The fault proxy in front of the cloud broker (`sinkProxy`), named as a broker too. */
  sinkProxy: 'cloud-sink',
  /** Edge gateway `i` (1-based): its broker and its process. */
  edge: (i: number) => `edge-${i}`,
  /** The fault proxy on gateway `i`'s uplink to the cloud (`uplinkProxy`). */
  uplinkProxy: (i: number) => `edge-${i}-uplink`,
  /** The fault proxy between the ingest service and its downstream (`ingest`). */
  ingestProxy: 'ingest-downstream',
} as const;

/** What shapes the testbed's names: the `system.testbed` fields that add a broker or a proxy. */
export interface TestbedShape {
  gateways: number;
  standby?: boolean;
  sinkProxy?: boolean;
  uplinkProxy?: boolean;
  /** Set (any options) when the testbed runs the ingest service. */
  ingest?: unknown;
}

const edges = (gateways: number, name: (i: number) => string) =>
  Array.from({ length: gateways }, (_, i) => name(i + 1));

/** Its broker names: `cloud`, `edge-1`...`edge-N`, `cloud-sink` (sinkProxy), `cloud-standby` (standby). */
export function testbedBrokerNames(shape: TestbedShape): string[] {
  return [
    TESTBED_NAMES.cloud,
    ...edges(shape.gateways, TESTBED_NAMES.edge),
    ...(shape.sinkProxy ? [TESTBED_NAMES.sinkProxy] : []),
    ...(shape.standby ? [TESTBED_NAMES.standby] : []),
  ];
}

/** Its fault proxies: `edge-<i>-uplink` (uplinkProxy), `cloud-sink` (sinkProxy), `ingest-downstream` (ingest). */
export function testbedProxyNames(shape: TestbedShape): string[] {
  return [
    ...(shape.uplinkProxy ? edges(shape.gateways, TESTBED_NAMES.uplinkProxy) : []),
    ...(shape.sinkProxy ? [TESTBED_NAMES.sinkProxy] : []),
    ...(shape.ingest ? [TESTBED_NAMES.ingestProxy] : []),
  ];
}
