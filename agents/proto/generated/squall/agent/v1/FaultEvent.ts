// Original file: agents/proto/agent.proto


/**
 * Something the agent did on its own: a hard deadline or an expired lease reverted a fault.
 */
export interface FaultEvent {
  'fault_id'?: (string);
  /**
   * "deadline_reverted" | "lease_reverted" | "shutdown_reverted" | "revert_failed"
   */
  'what'?: (string);
  'message'?: (string);
}

/**
 * Something the agent did on its own: a hard deadline or an expired lease reverted a fault.
 */
export interface FaultEvent__Output {
  'fault_id': (string);
  /**
   * "deadline_reverted" | "lease_reverted" | "shutdown_reverted" | "revert_failed"
   */
  'what': (string);
  'message': (string);
}
