import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentClient as _squall_agent_v1_AgentClient, AgentDefinition as _squall_agent_v1_AgentDefinition } from './squall/agent/v1/Agent.js';
import type { AgentEvent as _squall_agent_v1_AgentEvent, AgentEvent__Output as _squall_agent_v1_AgentEvent__Output } from './squall/agent/v1/AgentEvent.js';
import type { AgentInfo as _squall_agent_v1_AgentInfo, AgentInfo__Output as _squall_agent_v1_AgentInfo__Output } from './squall/agent/v1/AgentInfo.js';
import type { ControlMessage as _squall_agent_v1_ControlMessage, ControlMessage__Output as _squall_agent_v1_ControlMessage__Output } from './squall/agent/v1/ControlMessage.js';
import type { DriverInfo as _squall_agent_v1_DriverInfo, DriverInfo__Output as _squall_agent_v1_DriverInfo__Output } from './squall/agent/v1/DriverInfo.js';
import type { Error as _squall_agent_v1_Error, Error__Output as _squall_agent_v1_Error__Output } from './squall/agent/v1/Error.js';
import type { FaultEvent as _squall_agent_v1_FaultEvent, FaultEvent__Output as _squall_agent_v1_FaultEvent__Output } from './squall/agent/v1/FaultEvent.js';
import type { Filesystem as _squall_agent_v1_Filesystem, Filesystem__Output as _squall_agent_v1_Filesystem__Output } from './squall/agent/v1/Filesystem.js';
import type { Heartbeat as _squall_agent_v1_Heartbeat, Heartbeat__Output as _squall_agent_v1_Heartbeat__Output } from './squall/agent/v1/Heartbeat.js';
import type { HeartbeatAck as _squall_agent_v1_HeartbeatAck, HeartbeatAck__Output as _squall_agent_v1_HeartbeatAck__Output } from './squall/agent/v1/HeartbeatAck.js';
import type { HelloRequest as _squall_agent_v1_HelloRequest, HelloRequest__Output as _squall_agent_v1_HelloRequest__Output } from './squall/agent/v1/HelloRequest.js';
import type { Inject as _squall_agent_v1_Inject, Inject__Output as _squall_agent_v1_Inject__Output } from './squall/agent/v1/Inject.js';
import type { Injected as _squall_agent_v1_Injected, Injected__Output as _squall_agent_v1_Injected__Output } from './squall/agent/v1/Injected.js';
import type { Limits as _squall_agent_v1_Limits, Limits__Output as _squall_agent_v1_Limits__Output } from './squall/agent/v1/Limits.js';
import type { Metrics as _squall_agent_v1_Metrics, Metrics__Output as _squall_agent_v1_Metrics__Output } from './squall/agent/v1/Metrics.js';
import type { OpenSession as _squall_agent_v1_OpenSession, OpenSession__Output as _squall_agent_v1_OpenSession__Output } from './squall/agent/v1/OpenSession.js';
import type { Opened as _squall_agent_v1_Opened, Opened__Output as _squall_agent_v1_Opened__Output } from './squall/agent/v1/Opened.js';
import type { Resources as _squall_agent_v1_Resources, Resources__Output as _squall_agent_v1_Resources__Output } from './squall/agent/v1/Resources.js';
import type { Revert as _squall_agent_v1_Revert, Revert__Output as _squall_agent_v1_Revert__Output } from './squall/agent/v1/Revert.js';
import type { Reverted as _squall_agent_v1_Reverted, Reverted__Output as _squall_agent_v1_Reverted__Output } from './squall/agent/v1/Reverted.js';
import type { ShardStarted as _squall_agent_v1_ShardStarted, ShardStarted__Output as _squall_agent_v1_ShardStarted__Output } from './squall/agent/v1/ShardStarted.js';
import type { ShardStopped as _squall_agent_v1_ShardStopped, ShardStopped__Output as _squall_agent_v1_ShardStopped__Output } from './squall/agent/v1/ShardStopped.js';
import type { StartShard as _squall_agent_v1_StartShard, StartShard__Output as _squall_agent_v1_StartShard__Output } from './squall/agent/v1/StartShard.js';
import type { StopShard as _squall_agent_v1_StopShard, StopShard__Output as _squall_agent_v1_StopShard__Output } from './squall/agent/v1/StopShard.js';
import type { Target as _squall_agent_v1_Target, Target__Output as _squall_agent_v1_Target__Output } from './squall/agent/v1/Target.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  squall: {
    agent: {
      v1: {
        Agent: SubtypeConstructor<typeof grpc.Client, _squall_agent_v1_AgentClient> & { service: _squall_agent_v1_AgentDefinition }
        AgentEvent: MessageTypeDefinition<_squall_agent_v1_AgentEvent, _squall_agent_v1_AgentEvent__Output>
        AgentInfo: MessageTypeDefinition<_squall_agent_v1_AgentInfo, _squall_agent_v1_AgentInfo__Output>
        ControlMessage: MessageTypeDefinition<_squall_agent_v1_ControlMessage, _squall_agent_v1_ControlMessage__Output>
        DriverInfo: MessageTypeDefinition<_squall_agent_v1_DriverInfo, _squall_agent_v1_DriverInfo__Output>
        Error: MessageTypeDefinition<_squall_agent_v1_Error, _squall_agent_v1_Error__Output>
        FaultEvent: MessageTypeDefinition<_squall_agent_v1_FaultEvent, _squall_agent_v1_FaultEvent__Output>
        Filesystem: MessageTypeDefinition<_squall_agent_v1_Filesystem, _squall_agent_v1_Filesystem__Output>
        Heartbeat: MessageTypeDefinition<_squall_agent_v1_Heartbeat, _squall_agent_v1_Heartbeat__Output>
        HeartbeatAck: MessageTypeDefinition<_squall_agent_v1_HeartbeatAck, _squall_agent_v1_HeartbeatAck__Output>
        HelloRequest: MessageTypeDefinition<_squall_agent_v1_HelloRequest, _squall_agent_v1_HelloRequest__Output>
        Inject: MessageTypeDefinition<_squall_agent_v1_Inject, _squall_agent_v1_Inject__Output>
        Injected: MessageTypeDefinition<_squall_agent_v1_Injected, _squall_agent_v1_Injected__Output>
        Limits: MessageTypeDefinition<_squall_agent_v1_Limits, _squall_agent_v1_Limits__Output>
        Metrics: MessageTypeDefinition<_squall_agent_v1_Metrics, _squall_agent_v1_Metrics__Output>
        OpenSession: MessageTypeDefinition<_squall_agent_v1_OpenSession, _squall_agent_v1_OpenSession__Output>
        Opened: MessageTypeDefinition<_squall_agent_v1_Opened, _squall_agent_v1_Opened__Output>
        Resources: MessageTypeDefinition<_squall_agent_v1_Resources, _squall_agent_v1_Resources__Output>
        Revert: MessageTypeDefinition<_squall_agent_v1_Revert, _squall_agent_v1_Revert__Output>
        Reverted: MessageTypeDefinition<_squall_agent_v1_Reverted, _squall_agent_v1_Reverted__Output>
        ShardStarted: MessageTypeDefinition<_squall_agent_v1_ShardStarted, _squall_agent_v1_ShardStarted__Output>
        ShardStopped: MessageTypeDefinition<_squall_agent_v1_ShardStopped, _squall_agent_v1_ShardStopped__Output>
        StartShard: MessageTypeDefinition<_squall_agent_v1_StartShard, _squall_agent_v1_StartShard__Output>
        StopShard: MessageTypeDefinition<_squall_agent_v1_StopShard, _squall_agent_v1_StopShard__Output>
        Target: MessageTypeDefinition<_squall_agent_v1_Target, _squall_agent_v1_Target__Output>
      }
    }
  }
}

