// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Injected {
  'request_id'?: (string);
  'fault_id'?: (string);
  'where'?: (string);
  'remove_command'?: (string);
  /**
   * when the fault became active, agent clock
   */
  'agent_time_ms'?: (number | string | Long);
  'hard_deadline_at_ms'?: (number | string | Long);
}

export interface Injected__Output {
  'request_id': (string);
  'fault_id': (string);
  'where': (string);
  'remove_command': (string);
  /**
   * when the fault became active, agent clock
   */
  'agent_time_ms': (number);
  'hard_deadline_at_ms': (number);
}
