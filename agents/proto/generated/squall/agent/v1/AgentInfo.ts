// Original file: agents/proto/agent.proto

import type { DriverInfo as _squall_agent_v1_DriverInfo, DriverInfo__Output as _squall_agent_v1_DriverInfo__Output } from '../../../squall/agent/v1/DriverInfo.js';
import type { Limits as _squall_agent_v1_Limits, Limits__Output as _squall_agent_v1_Limits__Output } from '../../../squall/agent/v1/Limits.js';
import type { Resources as _squall_agent_v1_Resources, Resources__Output as _squall_agent_v1_Resources__Output } from '../../../squall/agent/v1/Resources.js';
import type { Long } from '@grpc/proto-loader';

export interface AgentInfo {
  'version'?: (string);
  'host'?: (string);
  'drivers'?: (_squall_agent_v1_DriverInfo)[];
  'limits'?: (_squall_agent_v1_Limits | null);
  /**
   * epoch ms when the reply was built
   */
  'agent_time_ms'?: (number | string | Long);
  'active_faults'?: (number);
  /**
   * ledger entries cleared when the agent started
   */
  'recovered_at_start'?: (number);
  /**
   * absent from agents before 0.1 (then nothing is checked early)
   */
  'resources'?: (_squall_agent_v1_Resources | null);
  /**
   * Ledger entries the agent could not revert when it started ("<fault id> (<kind>): why");
   * they stay in its ledger for an operator.
   */
  'unrecovered_at_start'?: (string)[];
}

export interface AgentInfo__Output {
  'version': (string);
  'host': (string);
  'drivers': (_squall_agent_v1_DriverInfo__Output)[];
  'limits': (_squall_agent_v1_Limits__Output | null);
  /**
   * epoch ms when the reply was built
   */
  'agent_time_ms': (number);
  'active_faults': (number);
  /**
   * ledger entries cleared when the agent started
   */
  'recovered_at_start': (number);
  /**
   * absent from agents before 0.1 (then nothing is checked early)
   */
  'resources': (_squall_agent_v1_Resources__Output | null);
  /**
   * Ledger entries the agent could not revert when it started ("<fault id> (<kind>): why");
   * they stay in its ledger for an operator.
   */
  'unrecovered_at_start': (string)[];
}
