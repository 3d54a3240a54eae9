// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Filesystem {
  /**
   * as asked
   */
  'path'?: (string);
  'exists'?: (boolean);
  'total_bytes'?: (number | string | Long);
  /**
   * available to unprivileged users (statfs f_bavail)
   */
  'free_bytes'?: (number | string | Long);
}

export interface Filesystem__Output {
  /**
   * as asked
   */
  'path': (string);
  'exists': (boolean);
  'total_bytes': (number);
  /**
   * available to unprivileged users (statfs f_bavail)
   */
  'free_bytes': (number);
}
