// Original file: agents/proto/agent.proto

import type { OpenSession as _squall_agent_v1_OpenSession, OpenSession__Output as _squall_agent_v1_OpenSession__Output } from '../../../squall/agent/v1/OpenSession.js';
import type { Inject as _squall_agent_v1_Inject, Inject__Output as _squall_agent_v1_Inject__Output } from '../../../squall/agent/v1/Inject.js';
import type { Revert as _squall_agent_v1_Revert, Revert__Output as _squall_agent_v1_Revert__Output } from '../../../squall/agent/v1/Revert.js';
import type { Heartbeat as _squall_agent_v1_Heartbeat, Heartbeat__Output as _squall_agent_v1_Heartbeat__Output } from '../../../squall/agent/v1/Heartbeat.js';
import type { StartShard as _squall_agent_v1_StartShard, StartShard__Output as _squall_agent_v1_StartShard__Output } from '../../../squall/agent/v1/StartShard.js';
import type { StopShard as _squall_agent_v1_StopShard, StopShard__Output as _squall_agent_v1_StopShard__Output } from '../../../squall/agent/v1/StopShard.js';

export interface ControlMessage {
  'open'?: (_squall_agent_v1_OpenSession | null);
  'inject'?: (_squall_agent_v1_Inject | null);
  'revert'?: (_squall_agent_v1_Revert | null);
  'heartbeat'?: (_squall_agent_v1_Heartbeat | null);
  'start_shard'?: (_squall_agent_v1_StartShard | null);
  'stop_shard'?: (_squall_agent_v1_StopShard | null);
  'msg'?: "open"|"inject"|"revert"|"heartbeat"|"start_shard"|"stop_shard";
}

export interface ControlMessage__Output {
  'open'?: (_squall_agent_v1_OpenSession__Output | null);
  'inject'?: (_squall_agent_v1_Inject__Output | null);
  'revert'?: (_squall_agent_v1_Revert__Output | null);
  'heartbeat'?: (_squall_agent_v1_Heartbeat__Output | null);
  'start_shard'?: (_squall_agent_v1_StartShard__Output | null);
  'stop_shard'?: (_squall_agent_v1_StopShard__Output | null);
  'msg'?: "open"|"inject"|"revert"|"heartbeat"|"start_shard"|"stop_shard";
}
