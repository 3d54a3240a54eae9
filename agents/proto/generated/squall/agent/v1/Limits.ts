// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Limits {
  'max_duration_ms'?: (number | string | Long);
  'max_concurrent_faults'?: (number);
  'min_ttl_ms'?: (number | string | Long);
  'max_ttl_ms'?: (number | string | Long);
}

export interface Limits__Output {
  'max_duration_ms': (number);
  'max_concurrent_faults': (number);
  'min_ttl_ms': (number);
  'max_ttl_ms': (number);
}
