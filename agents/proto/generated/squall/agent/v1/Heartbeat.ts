// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'seq'?: (number | string | Long);
  'controller_time_ms'?: (number | string | Long);
}

export interface Heartbeat__Output {
  'seq': (number);
  'controller_time_ms': (number);
}
