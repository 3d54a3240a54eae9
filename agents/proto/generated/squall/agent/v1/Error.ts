// Original file: agents/proto/agent.proto


/**
 * A request failed or was refused. `code` is a stable Squall error code (README's error table).
 */
export interface Error {
  'request_id'?: (string);
  'fault_id'?: (string);
  'code'?: (string);
  'message'?: (string);
}

/**
 * A request failed or was refused. `code` is a stable Squall error code (README's error table).
 */
export interface Error__Output {
  'request_id': (string);
  'fault_id': (string);
  'code': (string);
  'message': (string);
}
