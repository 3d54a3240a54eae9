// Original file: agents/proto/agent.proto

import type { Target as _squall_agent_v1_Target, Target__Output as _squall_agent_v1_Target__Output } from '../../../squall/agent/v1/Target.js';
import type { Long } from '@grpc/proto-loader';

export interface Inject {
  'request_id'?: (string);
  'fault_id'?: (string);
  'kind'?: (string);
  'target'?: (_squall_agent_v1_Target | null);
  'params_json'?: (string);
  /**
   * planned; 0 = until reverted
   */
  'duration_ms'?: (number | string | Long);
  /**
   * the agent reverts on its own this long after injecting
   */
  'hard_deadline_ms'?: (number | string | Long);
}

export interface Inject__Output {
  'request_id': (string);
  'fault_id': (string);
  'kind': (string);
  'target': (_squall_agent_v1_Target__Output | null);
  'params_json': (string);
  /**
   * planned; 0 = until reverted
   */
  'duration_ms': (number);
  /**
   * the agent reverts on its own this long after injecting
   */
  'hard_deadline_ms': (number);
}
