// Original file: agents/proto/agent.proto


/**
 * Run a slice of the controller's fleet on this agent (docs/measurement.md, "A fleet across
 * hosts"). The shard lives inside the session: when the lease ends, the shard stops.
 */
export interface StartShard {
  'request_id'?: (string);
  'shard_id'?: (string);
  /**
   * the simulator's FleetConfig for this slice, as JSON
   */
  'fleet_json'?: (string);
}

/**
 * Run a slice of the controller's fleet on this agent (docs/measurement.md, "A fleet across
 * hosts"). The shard lives inside the session: when the lease ends, the shard stops.
 */
export interface StartShard__Output {
  'request_id': (string);
  'shard_id': (string);
  /**
   * the simulator's FleetConfig for this slice, as JSON
   */
  'fleet_json': (string);
}
