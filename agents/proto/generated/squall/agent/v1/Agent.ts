// Original file: agents/proto/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentEvent as _squall_agent_v1_AgentEvent, AgentEvent__Output as _squall_agent_v1_AgentEvent__Output } from '../../../squall/agent/v1/AgentEvent.js';
import type { AgentInfo as _squall_agent_v1_AgentInfo, AgentInfo__Output as _squall_agent_v1_AgentInfo__Output } from '../../../squall/agent/v1/AgentInfo.js';
import type { ControlMessage as _squall_agent_v1_ControlMessage, ControlMessage__Output as _squall_agent_v1_ControlMessage__Output } from '../../../squall/agent/v1/ControlMessage.js';
import type { HelloRequest as _squall_agent_v1_HelloRequest, HelloRequest__Output as _squall_agent_v1_HelloRequest__Output } from '../../../squall/agent/v1/HelloRequest.js';

export interface AgentClient extends grpc.Client {
  /**
   * Version, host, drivers, limits, clock. Also the cheapest reachability check.
   */
  Hello(argument: _squall_agent_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  Hello(argument: _squall_agent_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  Hello(argument: _squall_agent_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  Hello(argument: _squall_agent_v1_HelloRequest, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  /**
   * Version, host, drivers, limits, clock. Also the cheapest reachability check.
   */
  hello(argument: _squall_agent_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  hello(argument: _squall_agent_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  hello(argument: _squall_agent_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  hello(argument: _squall_agent_v1_HelloRequest, callback: grpc.requestCallback<_squall_agent_v1_AgentInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * The lease: inject, revert, heartbeat in; injected, reverted, errors, metrics out.
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_squall_agent_v1_ControlMessage, _squall_agent_v1_AgentEvent__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_squall_agent_v1_ControlMessage, _squall_agent_v1_AgentEvent__Output>;
  /**
   * The lease: inject, revert, heartbeat in; injected, reverted, errors, metrics out.
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_squall_agent_v1_ControlMessage, _squall_agent_v1_AgentEvent__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_squall_agent_v1_ControlMessage, _squall_agent_v1_AgentEvent__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Version, host, drivers, limits, clock. Also the cheapest reachability check.
   */
  Hello: grpc.handleUnaryCall<_squall_agent_v1_HelloRequest__Output, _squall_agent_v1_AgentInfo>;
  
  /**
   * The lease: inject, revert, heartbeat in; injected, reverted, errors, metrics out.
   */
  Session: grpc.handleBidiStreamingCall<_squall_agent_v1_ControlMessage__Output, _squall_agent_v1_AgentEvent>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  Hello: MethodDefinition<_squall_agent_v1_HelloRequest, _squall_agent_v1_AgentInfo, _squall_agent_v1_HelloRequest__Output, _squall_agent_v1_AgentInfo__Output>
  Session: MethodDefinition<_squall_agent_v1_ControlMessage, _squall_agent_v1_AgentEvent, _squall_agent_v1_ControlMessage__Output, _squall_agent_v1_AgentEvent__Output>
}
