// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface OpenSession {
  'controller'?: (string);
  /**
   * lease: no heartbeat for this long -> revert everything
   */
  'ttl_ms'?: (number | string | Long);
}

export interface OpenSession__Output {
  'controller': (string);
  /**
   * lease: no heartbeat for this long -> revert everything
   */
  'ttl_ms': (number);
}
