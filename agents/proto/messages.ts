/**
 * TypeScript shapes of the messages in `agent.proto`, as @grpc/proto-loader hands them over
 * with the options in `load.ts` (keepCase, int64 as number, defaults, oneof name in `msg`).
 * Keep in step with the .proto file.
 */

export interface HelloRequest {
  controller: string;
  controller_time_ms: number;
  statfs_paths?: string[];
}

export interface DriverInfo {
  name: string;
  summary: string;
  targets: string[];
  available: boolean;
  unavailable_reason: string;
}

export interface Limits {
  max_duration_ms: number;
  max_concurrent_faults: number;
  min_ttl_ms: number;
  max_ttl_ms: number;
}

export interface WireFilesystem {
  path: string;
  exists: boolean;
  total_bytes: number;
  free_bytes: number;
}

export interface Resources {
  cpus: number;
  total_memory_bytes: number;
  free_memory_bytes: number;
  filesystems: WireFilesystem[];
}

export interface AgentInfo {
  version: string;
  host: string;
  drivers: DriverInfo[];
  limits: Limits;
  agent_time_ms: number;
  active_faults: number;
  recovered_at_start: number;
  /** Null from an agent that predates it. */
  resources: Resources | null;
  unrecovered_at_start: string[];
}

export interface WireTarget {
  process?: string;
  pid_file?: string;
  pid?: number;
  proxy?: string;
  host?: string;
}

export interface OpenSession {
  controller: string;
  ttl_ms: number;
}

export interface InjectMsg {
  request_id: string;
  fault_id: string;
  kind: string;
  target: WireTarget;
  params_json: string;
  duration_ms: number;
  hard_deadline_ms: number;
}

export interface RevertMsg {
  request_id: string;
  fault_id: string;
}

export interface HeartbeatMsg {
  seq: number;
  controller_time_ms: number;
}

export interface StartShardMsg {
  request_id: string;
  shard_id: string;
  fleet_json: string;
}

export interface StopShardMsg {
  request_id: string;
  shard_id: string;
}

export type ControlMessage =
  | { msg?: 'open'; open: OpenSession }
  | { msg?: 'inject'; inject: InjectMsg }
  | { msg?: 'revert'; revert: RevertMsg }
  | { msg?: 'heartbeat'; heartbeat: HeartbeatMsg }
  | { msg?: 'start_shard'; start_shard: StartShardMsg }
  | { msg?: 'stop_shard'; stop_shard: StopShardMsg };

export interface OpenedMsg {
  session_id: string;
  ttl_ms: number;
  agent_time_ms: number;
}

export interface InjectedMsg {
  request_id: string;
  fault_id: string;
  where: string;
  remove_command: string;
  agent_time_ms: number;
  hard_deadline_at_ms: number;
}

export interface RevertedMsg {
  request_id: string;
  fault_id: string;
}

export interface ErrorMsg {
  request_id: string;
  fault_id: string;
  code: string;
  message: string;
}

export interface HeartbeatAckMsg {
  seq: number;
  controller_time_ms: number;
  agent_time_ms: number;
}

export interface FaultEventMsg {
  fault_id: string;
  what: 'deadline_reverted' | 'lease_reverted' | 'shutdown_reverted' | 'revert_failed';
  message: string;
}

export type AgentEvent =
  | { msg?: 'opened'; opened: OpenedMsg }
  | { msg?: 'injected'; injected: InjectedMsg }
  | { msg?: 'reverted'; reverted: RevertedMsg }
  | { msg?: 'error'; error: ErrorMsg }
  | { msg?: 'heartbeat_ack'; heartbeat_ack: HeartbeatAckMsg }
  | { msg?: 'fault_event'; fault_event: FaultEventMsg }
  | { msg?: 'metrics'; metrics: MetricsMsg }
  | { msg?: 'shard_started'; shard_started: ShardStartedMsg }
  | { msg?: 'shard_stopped'; shard_stopped: ShardStoppedMsg };

export interface MetricsMsg {
  json: string;
  shard_id: string;
  agent_time_ms: number;
}

export interface ShardStartedMsg {
  request_id: string;
  shard_id: string;
  devices: number;
}

export interface ShardStoppedMsg {
  request_id: string;
  shard_id: string;
  snapshot_json: string;
}
