/**
 * The publish path: a telemetry slot becomes a PUBLISH (payload encoded straight into the
 * packet), QoS 1/2 publishes wait in a sparse in-flight map for their acknowledgement, and a
 * persistent session resends them on reconnect.
 */
import { type DeviceCore, DeviceState, type ResolvedGroup } from './device-core.js';
import { ACK_BYTE, allocPublish, markDup, writeAck } from './packets.js';

const MAX_WRITE_BUFFER_BYTES = 1 << 20;

export function telemetrySlot(core: DeviceCore, dev: number, group: ResolvedGroup, now: number): void {
  const t = group.config.telemetry!;
  let next = core.nextPublishMs[dev]! + t.intervalMs;
  // Fell behind (a stalled loop): skip to the next future slot rather than burst.
  if (next <= now) next += Math.ceil((now - next) / t.intervalMs) * t.intervalMs;
  core.nextPublishMs[dev] = next === now ? next + t.intervalMs : next;
  const index = core.globalIndex(dev);
  const tenantNo = core.tenants.of(index);
  // One stamp for the payload and the dated count, so the sink's tally and ours share buckets.
  const sendMs = core.stampMs();
  if (core.state[dev] !== DeviceState.connected) {
    if (t.offline === 'drop') {
      core.seq[dev] = core.seq[dev]! + 1;
      core.metrics.count('dropped_offline');
      countExpected(core, dev, tenantNo, sendMs);
    }
    return;
  }
  const seq = core.seq[dev]!;
  core.seq[dev] = seq + 1;
  countExpected(core, dev, tenantNo, sendMs);
  const sock = core.sockets[dev]!;
  const inflight = t.qos > 0 ? core.inflight.get(dev) : undefined;
  const quota = core.receiveMaximum[dev]! || t.maxInflight;
  if (
    (inflight && inflight.size >= Math.min(t.maxInflight, quota)) ||
    sock.writableLength > MAX_WRITE_BUFFER_BYTES
  ) {
    core.metrics.count('dropped_backpressure');
    return;
  }
  const tenant = core.tenants.names[tenantNo]!;
  const pid = t.qos > 0 ? allocPid(core, dev) : 0;
  const codec = group.codec!;
  const { buf, payloadOffset } = allocPublish(
    group.topic!.render({ index, tenant, group: group.config.name }),
    codec.byteLength(index, seq, sendMs, tenant),
    t.qos,
    pid,
    group.config.protocolVersion,
    t.retain,
  );
  codec.encodeInto(buf, payloadOffset, index, seq, sendMs, tenant);
  core.write(dev, buf, now);
  core.metrics.count('published');
  if (t.qos > 0) {
    let map = inflight;
    if (!map) {
      map = new Map();
      core.inflight.set(dev, map);
    }
    map.set(pid, { sentMs: sendMs, packet: group.config.clean ? null : buf, qos: t.qos as 1 | 2 });
  }
}

/** A telemetry slot used (sent, or dropped offline / under back-pressure): the sink should see it. */
function countExpected(core: DeviceCore, dev: number, tenant: number, sendMs: number): void {
  if (core.countsAtSink === undefined || core.countsAtSink[dev] === 1) core.sent.add(0, tenant, sendMs);
}

export function allocPid(core: DeviceCore, dev: number): number {
  const inflight = core.inflight.get(dev);
  let pid = core.nextPid[dev]!;
  do
    pid = (pid % 65_535) + 1; // packet ids are 1..65535 (MQTT 3.1.1 §2.3.1)
  while (inflight?.has(pid));
  core.nextPid[dev] = pid;
  return pid;
}

/** PUBACK (QoS 1) or PUBCOMP (QoS 2): the publish is done. */
export function onAcked(core: DeviceCore, dev: number, pid: number, qos: 1 | 2): void {
  const inflight = core.inflight.get(dev);
  const entry = inflight?.get(pid);
  if (!entry || entry.qos !== qos) return;
  inflight!.delete(pid);
  if (inflight!.size === 0) core.inflight.delete(dev);
  core.metrics.count('acked');
  core.metrics.recordMs('puback_latency', core.stampMs() - entry.sentMs);
}

/** From PUBREC on, a redelivery resends PUBREL, not the PUBLISH (MQTT 3.1.1 §4.3.3). */
export function onPubrec(core: DeviceCore, dev: number, pid: number): void {
  const entry = core.inflight.get(dev)?.get(pid);
  if (entry) entry.packet = null;
}

/** MQTT 3.1.1 §4.4: on a persistent session, resend unacknowledged PUBLISH with DUP, and PUBREL. */
export function redeliver(core: DeviceCore, dev: number, group: ResolvedGroup, now: number): void {
  const inflight = core.inflight.get(dev);
  if (!inflight) return;
  if (group.config.clean) {
    core.metrics.count('unacked_dropped', inflight.size);
    core.inflight.delete(dev);
    return;
  }
  for (const [pid, entry] of inflight) {
    if (entry.packet) {
      markDup(entry.packet);
      core.write(dev, entry.packet, now);
      core.metrics.count('republished');
    } else {
      const rel = Buffer.allocUnsafe(4);
      writeAck(rel, 0, ACK_BYTE.pubrel, pid);
      core.write(dev, rel, now);
    }
  }
}
