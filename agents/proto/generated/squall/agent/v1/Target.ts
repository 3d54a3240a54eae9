// Original file: agents/proto/agent.proto


export interface Target {
  'process'?: (string);
  'pid_file'?: (string);
  'pid'?: (number);
  'proxy'?: (string);
  'host'?: (string);
}

export interface Target__Output {
  'process': (string);
  'pid_file': (string);
  'pid': (number);
  'proxy': (string);
  'host': (string);
}
