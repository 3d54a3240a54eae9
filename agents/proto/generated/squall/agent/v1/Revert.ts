// Original file: agents/proto/agent.proto


export interface Revert {
  'request_id'?: (string);
  'fault_id'?: (string);
}

export interface Revert__Output {
  'request_id': (string);
  'fault_id': (string);
}
