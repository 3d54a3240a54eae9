/**
 * The keys the `fleet` MetricsSource reports (`fleet.<key>` in the journal), as data for the
 * SLI catalogue. Per-tenant variants of sink counters and `e2e_latency` use
 * `tenantKey(metric, tenant)` → `delivered{tenant=acme}` when a fleet has several tenants.
 */
export interface FleetMetricKey {
  key: string;
  kind: 'counter' | 'gauge' | 'histogram';
  /** Histograms hold microseconds (engine/core/metrics.ts). */
  unit: 'count' | 'devices' | 'ms' | 'us';
  perTenant: boolean;
  description: string;
}

export const FLEET_METRIC_KEYS: readonly FleetMetricKey[] = [
  // Sink (end-to-end accounting)
  {
    key: 'delivered',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'payloads seen the first time, in time',
  },
  {
    key: 'expected',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'seqs known to exist (highest seen, plus trailing loss at settle)',
  },
  {
    key: 'lost',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'seqs still missing when their gap passed the grace period',
  },
  {
    key: 'duplicates',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'payloads seen again (QoS 1 redelivery)',
  },
  {
    key: 'out_of_order',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'payloads that filled a gap within grace',
  },
  {
    key: 'late',
    kind: 'counter',
    unit: 'count',
    perTenant: true,
    description: 'payloads that arrived after their gap was declared lost (not delivered)',
  },
  {
    key: 'data_loss_window_ms',
    kind: 'gauge',
    unit: 'ms',
    perTenant: false,
    description: 'longest send-time span of any lost gap so far',
  },
  {
    key: 'e2e_latency',
    kind: 'histogram',
    unit: 'us',
    perTenant: true,
    description: 'arrival at the sink − send time in the payload',
  },
  // Device engine
  {
    key: 'connected',
    kind: 'gauge',
    unit: 'devices',
    perTenant: false,
    description: 'devices with a CONNACK and an open socket',
  },
  { key: 'target', kind: 'gauge', unit: 'devices', perTenant: false, description: 'devices the fleet runs' },
  {
    key: 'connect_attempts',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'TCP/TLS connects started',
  },
  {
    key: 'connect_ok',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'CONNACKs with return code 0',
  },
  {
    key: 'connect_failed',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'attempts that ended before a successful CONNACK',
  },
  {
    key: 'connect_refused',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'CONNACKs with a non-zero return/reason code',
  },
  {
    key: 'connect_timeouts',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'attempts past the connect timeout',
  },
  {
    key: 'disconnects',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'connected devices that lost their connection',
  },
  {
    key: 'published',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'telemetry PUBLISH packets written (not resends)',
  },
  {
    key: 'republished',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'unacknowledged PUBLISH resent with DUP after reconnect',
  },
  {
    key: 'acked',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'PUBACK (QoS 1) or PUBCOMP (QoS 2) received',
  },
  {
    key: 'dropped_offline',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'readings due while offline (offline: drop)',
  },
  {
    key: 'dropped_backpressure',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'readings dropped: in-flight window or socket buffer full',
  },
  {
    key: 'unacked_dropped',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'in-flight publishes abandoned with a clean session',
  },
  {
    key: 'received',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'PUBLISH packets received by devices (commands) and sinks',
  },
  { key: 'pings', kind: 'counter', unit: 'count', perTenant: false, description: 'PINGREQ sent' },
  {
    key: 'gave_up',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'devices past reconnect.maxAttempts',
  },
  {
    key: 'subscribed',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'SUBACKs granting every subscription',
  },
  {
    key: 'subscribe_failed',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'SUBACKs refusing a subscription',
  },
  {
    key: 'shard_crashes',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'shard processes that died unasked',
  },
  {
    key: 'failovers',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description: 'devices moving to their next broker endpoint after failoverAfter failed connects in a row',
  },
  {
    key: 'shard_unsent',
    kind: 'counter',
    unit: 'count',
    perTenant: false,
    description:
      "telemetry a crashed shard's devices would have sent after its last report (counted lost at stop)",
  },
  {
    key: 'connect_latency',
    kind: 'histogram',
    unit: 'us',
    perTenant: false,
    description: 'connect start → CONNACK',
  },
  {
    key: 'puback_latency',
    kind: 'histogram',
    unit: 'us',
    perTenant: false,
    description: 'PUBLISH sent → PUBACK/PUBCOMP',
  },
  {
    key: 'reconnect_time',
    kind: 'histogram',
    unit: 'us',
    perTenant: false,
    description: 'connection lost → next CONNACK',
  },
];
