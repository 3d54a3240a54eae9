// Original file: agents/proto/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A metrics reading of a fleet shard, once a second: the simulator's WireReading as JSON
 * (counters, gauges, HDR histograms base64), observed since the previous one.
 */
export interface Metrics {
  'json'?: (string);
  'shard_id'?: (string);
  'agent_time_ms'?: (number | string | Long);
}

/**
 * A metrics reading of a fleet shard, once a second: the simulator's WireReading as JSON
 * (counters, gauges, HDR histograms base64), observed since the previous one.
 */
export interface Metrics__Output {
  'json': (string);
  'shard_id': (string);
  'agent_time_ms': (number);
}
