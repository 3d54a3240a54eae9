// Original file: agents/proto/agent.proto


export interface Reverted {
  'request_id'?: (string);
  'fault_id'?: (string);
}

export interface Reverted__Output {
  'request_id': (string);
  'fault_id': (string);
}
