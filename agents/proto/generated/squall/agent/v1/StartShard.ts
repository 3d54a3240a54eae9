// Original file: agents/proto/agent.proto


/**
 * Run part of a fleet on this agent (ARCHITECTURE.md "Beyond one machine"): the devices with
 * global indexes [first_index, first_index + devices) of the controller's fleet. The shard lives
 * inside the session: when the lease ends, the shard stops.
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
 * Run part of a fleet on this agent (ARCHITECTURE.md "Beyond one machine"): the devices with
 * global indexes [first_index, first_index + devices) of the controller's fleet. The shard lives
 * inside the session: when the lease ends, the shard stops.
 */
export interface StartShard__Output {
  'request_id': (string);
  'shard_id': (string);
  /**
   * the simulator's FleetConfig for this slice, as JSON
   */
  'fleet_json': (string);
}
