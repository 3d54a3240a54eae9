/**
 * Messages between the cloud cluster's processes. Three links:
 * - worker ⇄ primary (node:cluster IPC, `advanced` serialization so payload Buffers survive),
 *   batched per event-loop turn by `IpcLink`;
 * - controller ⇄ primary (child_process IPC), for `startCloudCluster`'s handle.
 * Packets cross as plain objects (`WirePacket`): aedes' own packets carry callbacks and client
 * references that cannot be cloned.
 */

/** The fields of an aedes packet that mean something to another broker instance. */
export interface WirePacket {
  cmd: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  properties?: Record<string, unknown>;
  /** When the publishing worker emitted it (epoch ms): orders session takeovers (cluster-emitter.ts). */
  emittedAtMs?: number;
}

export type WorkerToPrimary =
  | { t: 'emit'; packet: WirePacket }
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'mq-on'; id: number; topic: string }
  | { t: 'mq-off'; topic: string }
  | { t: 'listening'; brokerId: string; port: number }
  /** SIGTERM: the worker will stop once a successor listens (`successor-ready`). */
  | { t: 'draining' }
  | { t: 'metrics'; id: number; metrics: unknown };

export type PrimaryToWorker =
  | { t: 'emit'; packet: WirePacket }
  | { t: 'ret'; id: number; value?: unknown; error?: string }
  | { t: 'mq-ack'; id: number }
  | { t: 'metrics-req'; id: number }
  | { t: 'successor-ready' };

/** One worker as the controller sees it. */
export interface WorkerInfo {
  index: number;
  pid: number;
  /** False while a replacement is starting. */
  ready: boolean;
}

export type PrimaryToController =
  | { t: 'ready'; port: number; host: string; metricsPort: number; workers: WorkerInfo[] }
  | { t: 'workers'; workers: WorkerInfo[] }
  | { t: 'reply'; id: number; value?: unknown; error?: string }
  | { t: 'fatal'; message: string };

export type ControllerToPrimary =
  | { t: 'kill-worker'; id: number; index: number; signal: NodeJS.Signals }
  | { t: 'metrics'; id: number; worker?: number }
  | { t: 'stop'; id: number };

/** Options the controller hands the primary (as JSON in `SQUALL_CLOUD_OPTIONS`). */
export interface PrimaryOptions {
  port: number;
  host: string;
  workers: number;
  metricsPort: number;
  metricsHost: string;
  /** aedes heartbeat; wills of a dead worker's clients fire after ~4 of these. */
  heartbeatIntervalMs: number;
  /** Replace a worker that died; off for tests that want a hole. */
  restartWorkers: boolean;
  /** Per-tenant publish rate for the whole cluster (tenant-bulkhead.ts); absent: unlimited. */
  tenantLimitPerS?: number;
}

const PACKET_FIELDS = [
  'cmd',
  'topic',
  'payload',
  'qos',
  'retain',
  'dup',
  'messageId',
  'brokerId',
  'brokerCounter',
  'clientId',
] as const;

/** Copies the cloneable fields of an aedes packet. */
export function toWirePacket(packet: object): WirePacket {
  const src = packet as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of PACKET_FIELDS) {
    if (src[key] !== undefined) out[key] = src[key];
  }
  if (src.properties && typeof src.properties === 'object') out.properties = { ...src.properties };
  return out as unknown as WirePacket;
}
