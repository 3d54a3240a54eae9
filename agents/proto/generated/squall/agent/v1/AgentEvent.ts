// Original file: agents/proto/agent.proto

import type { Opened as _squall_agent_v1_Opened, Opened__Output as _squall_agent_v1_Opened__Output } from '../../../squall/agent/v1/Opened.js';
import type { Injected as _squall_agent_v1_Injected, Injected__Output as _squall_agent_v1_Injected__Output } from '../../../squall/agent/v1/Injected.js';
import type { Reverted as _squall_agent_v1_Reverted, Reverted__Output as _squall_agent_v1_Reverted__Output } from '../../../squall/agent/v1/Reverted.js';
import type { Error as _squall_agent_v1_Error, Error__Output as _squall_agent_v1_Error__Output } from '../../../squall/agent/v1/Error.js';
import type { HeartbeatAck as _squall_agent_v1_HeartbeatAck, HeartbeatAck__Output as _squall_agent_v1_HeartbeatAck__Output } from '../../../squall/agent/v1/HeartbeatAck.js';
import type { FaultEvent as _squall_agent_v1_FaultEvent, FaultEvent__Output as _squall_agent_v1_FaultEvent__Output } from '../../../squall/agent/v1/FaultEvent.js';
import type { Metrics as _squall_agent_v1_Metrics, Metrics__Output as _squall_agent_v1_Metrics__Output } from '../../../squall/agent/v1/Metrics.js';
import type { ShardStarted as _squall_agent_v1_ShardStarted, ShardStarted__Output as _squall_agent_v1_ShardStarted__Output } from '../../../squall/agent/v1/ShardStarted.js';
import type { ShardStopped as _squall_agent_v1_ShardStopped, ShardStopped__Output as _squall_agent_v1_ShardStopped__Output } from '../../../squall/agent/v1/ShardStopped.js';

export interface AgentEvent {
  'opened'?: (_squall_agent_v1_Opened | null);
  'injected'?: (_squall_agent_v1_Injected | null);
  'reverted'?: (_squall_agent_v1_Reverted | null);
  'error'?: (_squall_agent_v1_Error | null);
  'heartbeat_ack'?: (_squall_agent_v1_HeartbeatAck | null);
  'fault_event'?: (_squall_agent_v1_FaultEvent | null);
  'metrics'?: (_squall_agent_v1_Metrics | null);
  'shard_started'?: (_squall_agent_v1_ShardStarted | null);
  'shard_stopped'?: (_squall_agent_v1_ShardStopped | null);
  'msg'?: "opened"|"injected"|"reverted"|"error"|"heartbeat_ack"|"fault_event"|"metrics"|"shard_started"|"shard_stopped";
}

export interface AgentEvent__Output {
  'opened'?: (_squall_agent_v1_Opened__Output | null);
  'injected'?: (_squall_agent_v1_Injected__Output | null);
  'reverted'?: (_squall_agent_v1_Reverted__Output | null);
  'error'?: (_squall_agent_v1_Error__Output | null);
  'heartbeat_ack'?: (_squall_agent_v1_HeartbeatAck__Output | null);
  'fault_event'?: (_squall_agent_v1_FaultEvent__Output | null);
  'metrics'?: (_squall_agent_v1_Metrics__Output | null);
  'shard_started'?: (_squall_agent_v1_ShardStarted__Output | null);
  'shard_stopped'?: (_squall_agent_v1_ShardStopped__Output | null);
  'msg'?: "opened"|"injected"|"reverted"|"error"|"heartbeat_ack"|"fault_event"|"metrics"|"shard_started"|"shard_stopped";
}
