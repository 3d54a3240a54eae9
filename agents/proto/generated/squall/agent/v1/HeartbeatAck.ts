// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatAck {
  'seq'?: (number | string | Long);
  /**
   * echoed
   */
  'controller_time_ms'?: (number | string | Long);
  'agent_time_ms'?: (number | string | Long);
}

export interface HeartbeatAck__Output {
  'seq': (number);
  /**
   * echoed
   */
  'controller_time_ms': (number);
  'agent_time_ms': (number);
}
