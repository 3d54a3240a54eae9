/**
 * What `fleet.snapshot()` reports: devices by state over the shards still alive, engine totals,
 * failures grouped by cause (a dead shard is one failure naming its devices), and the sink's
 * message totals. A pure function of the shards' own snapshots.
 */
import type { EngineSnapshot } from './device-engine.js';
import type { FailureCause } from './fleet-metrics.js';
import type { SinkCounter } from './sink-accounting.js';

export interface ShardCrash {
  shard: number;
  firstIndex: number;
  devices: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface FleetSnapshot {
  target: number;
  connected: number;
  connecting: number;
  backoff: number;
  gaveUp: number;
  /** Engine counters since start, over all shards. */
  totals: Record<string, number>;
  failures: Array<{ cause: FailureCause | 'shard'; detail: string; count: number }>;
  /** Message totals: the ledger's settled counts, or the sink's own when it has no ledger (`fleet sub`). */
  sink?: Record<SinkCounter, number> & { byTenant: Record<string, Record<SinkCounter, number>> };
  shards: { count: number; crashed: ShardCrash[] };
}

/** What the snapshot reads of a shard. */
export interface SnapshotShard {
  readonly local?: { snapshot(): EngineSnapshot };
  readonly snapshot?: EngineSnapshot;
  readonly crashed?: ShardCrash;
  readonly unsent: number;
}

export function fleetSnapshot(fleet: {
  target: number;
  shards: readonly SnapshotShard[];
  crashes: readonly ShardCrash[];
  sinkTotals: () => FleetSnapshot['sink'];
}): FleetSnapshot {
  const { shards, crashes } = fleet;
  const out: FleetSnapshot = {
    target: fleet.target,
    connected: 0,
    connecting: 0,
    backoff: 0,
    gaveUp: 0,
    totals: {},
    failures: [],
    shards: { count: shards.length, crashed: [...crashes] },
  };
  const failures = new Map<string, FleetSnapshot['failures'][number]>();
  for (const s of shards) {
    const snap = s.local ? s.local.snapshot() : s.snapshot;
    if (!snap) continue;
    if (!s.crashed) {
      out.connected += snap.connected;
      out.connecting += snap.connecting;
      out.backoff += snap.backoff;
      out.gaveUp += snap.gaveUp;
    }
    for (const [k, v] of Object.entries(snap.totals)) out.totals[k] = (out.totals[k] ?? 0) + v;
    for (const f of snap.failures) {
      const key = `${f.cause}:${f.detail}`;
      const prev = failures.get(key);
      if (prev) prev.count += f.count;
      else failures.set(key, { ...f });
    }
  }
  for (const c of crashes) {
    const unsent = shards[c.shard]?.unsent;
    const detail =
      `shard ${c.shard} (devices ${c.firstIndex}–${c.firstIndex + c.devices - 1}) died: ${c.signal ?? `exit code ${c.exitCode}`}` +
      (unsent ? `; ${unsent} telemetry messages its devices never sent are counted lost` : '');
    failures.set(`shard:${c.shard}`, { cause: 'shard', detail, count: c.devices });
  }
  out.failures = [...failures.values()].sort((a, b) => b.count - a.count);
  const sink = fleet.sinkTotals();
  if (sink) out.sink = sink;
  return out;
}
