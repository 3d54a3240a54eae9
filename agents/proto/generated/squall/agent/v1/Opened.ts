// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Opened {
  'session_id'?: (string);
  'ttl_ms'?: (number | string | Long);
  'agent_time_ms'?: (number | string | Long);
}

export interface Opened__Output {
  'session_id': (string);
  'ttl_ms': (number);
  'agent_time_ms': (number);
}
