// Original file: agents/proto/agent.proto


export interface ShardStopped {
  'request_id'?: (string);
  'shard_id'?: (string);
  /**
   * the simulator's FleetSnapshot at stop
   */
  'snapshot_json'?: (string);
}

export interface ShardStopped__Output {
  'request_id': (string);
  'shard_id': (string);
  /**
   * the simulator's FleetSnapshot at stop
   */
  'snapshot_json': (string);
}
