// Original file: agents/proto/agent.proto


export interface StopShard {
  'request_id'?: (string);
  'shard_id'?: (string);
}

export interface StopShard__Output {
  'request_id': (string);
  'shard_id': (string);
}
