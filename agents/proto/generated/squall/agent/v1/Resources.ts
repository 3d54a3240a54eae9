// Original file: agents/proto/agent.proto

import type { Filesystem as _squall_agent_v1_Filesystem, Filesystem__Output as _squall_agent_v1_Filesystem__Output } from '../../../squall/agent/v1/Filesystem.js';
import type { Long } from '@grpc/proto-loader';

/**
 * What the host has, for the controller's capacity checks (stress.cpu, stress.memory, stress.disk).
 */
export interface Resources {
  /**
   * available parallelism
   */
  'cpus'?: (number);
  'total_memory_bytes'?: (number | string | Long);
  'free_memory_bytes'?: (number | string | Long);
  'filesystems'?: (_squall_agent_v1_Filesystem)[];
}

/**
 * What the host has, for the controller's capacity checks (stress.cpu, stress.memory, stress.disk).
 */
export interface Resources__Output {
  /**
   * available parallelism
   */
  'cpus': (number);
  'total_memory_bytes': (number);
  'free_memory_bytes': (number);
  'filesystems': (_squall_agent_v1_Filesystem__Output)[];
}
