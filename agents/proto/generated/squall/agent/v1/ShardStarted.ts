// Original file: agents/proto/agent.proto


export interface ShardStarted {
  'request_id'?: (string);
  'shard_id'?: (string);
  'devices'?: (number);
}

export interface ShardStarted__Output {
  'request_id': (string);
  'shard_id': (string);
  'devices': (number);
}
