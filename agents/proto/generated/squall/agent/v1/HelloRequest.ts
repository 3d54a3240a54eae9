// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface HelloRequest {
  /**
   * free text for the agent's log, e.g. "squall 0.1.0 on host-a"
   */
  'controller'?: (string);
  /**
   * epoch ms when sent
   */
  'controller_time_ms'?: (number | string | Long);
  /**
   * Absolute paths whose filesystem size the controller needs (stress.disk's path), so it can
   * refuse a fault that asks for more than the host has before anything is injected. At most 16.
   */
  'statfs_paths'?: (string)[];
}

export interface HelloRequest__Output {
  /**
   * free text for the agent's log, e.g. "squall 0.1.0 on host-a"
   */
  'controller': (string);
  /**
   * epoch ms when sent
   */
  'controller_time_ms': (number);
  /**
   * Absolute paths whose filesystem size the controller needs (stress.disk's path), so it can
   * refuse a fault that asks for more than the host has before anything is injected. At most 16.
   */
  'statfs_paths': (string)[];
}
