/**
 * A device's connection lifecycle: admission by the ramp, socket and CONNECT, CONNACK, and
 * what a close means (a failed connect, a drop) for its reconnect backoff.
 */
import net from 'node:net';
import tls from 'node:tls';
import { nowMs } from './clock.js';
import { classifyError, describeConnackCode } from './connect-errors.js';
import {
  type DeviceCore,
  type DeviceSocket,
  DeviceState,
  FLAG_FAILURE_RECORDED,
  FLAG_PING_OUTSTANDING,
  FLAG_SUBSCRIBED,
  FLAG_TELEMETRY_STARTED,
  type ResolvedGroup,
} from './device-core.js';
import { allocPid, redeliver } from './device-publish.js';
import { rearm } from './device-timers.js';
import type { TelemetryConfig } from './engine-config.js';
import { EVENT } from './event-buckets.js';
import { encodeConnect, encodeSubscribe, type ProtocolVersion, readConnack } from './packets.js';
import { GIVE_UP } from './reconnect.js';

/** Golden-ratio fraction: per-device phase offsets spread evenly over the interval. */
const INV_PHI = 0.6180339887498949;

/** A device's offset in its telemetry interval: spread evenly by index, or 0 when aligned. */
export function telemetryPhaseMs(telemetry: TelemetryConfig, index: number): number {
  return telemetry.phase === 'aligned' ? 0 : ((index * INV_PHI) % 1) * telemetry.intervalMs;
}

/** Starts the devices the ramp admits now. */
export function pump(core: DeviceCore, now: number): void {
  core.startFromRamp ??= (dev, at) => startConnect(core, dev, at);
  core.ramp.pump(now, core.startFromRamp);
}

function startConnect(core: DeviceCore, dev: number, now: number): void {
  if (core.stopping) return;
  const broker = core.endpointOf(dev);
  core.setState(dev, DeviceState.connecting);
  core.flags[dev] = core.flags[dev]! & ~(FLAG_FAILURE_RECORDED | FLAG_PING_OUTSTANDING);
  core.connectStartMs[dev] = now;
  core.ramp.inflight++;
  core.metrics.count('connect_attempts');
  core.metrics.events.add(EVENT.attempts, now);
  const h = core.handlers;
  const addresses = core.config.localAddresses;
  const localAddress = addresses.length > 0 ? addresses[dev % addresses.length] : undefined;
  const group = core.groupOfDevice(dev);
  let sock: DeviceSocket;
  if (broker.tls) {
    const options = {
      ...broker.tls,
      host: broker.host,
      port: broker.port,
      localAddress,
    } as tls.ConnectionOptions;
    sock = tls.connect(options) as unknown as DeviceSocket;
    sock.on('secureConnect', h.connect);
    sock.on('data', h.data);
  } else {
    // `onread`: reads land in the engine's one buffer, no per-read allocation (Node ≥ 12.10).
    // Nagle cannot hold back a write while nothing is unacknowledged, so a device that only
    // connects (and pings) needs no TCP_NODELAY: one setsockopt less per connect.
    sock = new net.Socket({
      onread: h.onread,
      noDelay: group.sendsData,
    } as net.SocketConstructorOpts) as DeviceSocket;
  }
  sock.dev = dev;
  sock.on('error', h.error);
  sock.on('close', h.close);
  core.sockets[dev] = sock;
  core.openSockets++;
  if (!broker.tls) {
    sock.connect({ host: broker.host, port: broker.port, localAddress });
    // The CONNECT goes out with the handshake's completion (net.Socket holds writes made while
    // connecting): no 'connect' listener and dispatch per device. The state stays CONNECTING
    // until CONNACK; `sock.connecting` tells the two phases apart for a timeout's message.
    core.write(dev, encodeDeviceConnect(core, dev, group), now);
  }
  rearm(core, dev);
}

/** TLS only: the handshake is done, send CONNECT. */
export function onTransportUp(core: DeviceCore, sock: DeviceSocket): void {
  const dev = sock.dev;
  if (core.sockets[dev] !== sock || core.state[dev] !== DeviceState.connecting) return;
  sock.setNoDelay(true);
  core.setState(dev, DeviceState.connackWait);
  core.write(dev, encodeDeviceConnect(core, dev, core.groupOfDevice(dev)), nowMs());
}

function encodeDeviceConnect(core: DeviceCore, dev: number, group: ResolvedGroup): Buffer {
  const g = group.config;
  const vars = core.vars(dev, group);
  return encodeConnect({
    protocolVersion: g.protocolVersion,
    clientId: group.clientId.render(vars),
    clean: g.clean,
    keepalive: g.keepaliveS,
    username: group.username?.render(vars),
    password: group.password ? Buffer.from(group.password.render(vars)) : undefined,
    will: g.will
      ? { topic: group.will!.render(vars), payload: g.will.payload, qos: g.will.qos, retain: g.will.retain }
      : undefined,
    sessionExpiryInterval: g.protocolVersion === 5 ? g.sessionExpiryS : 0,
  });
}

export function onConnack(
  core: DeviceCore,
  dev: number,
  frame: Buffer,
  version: ProtocolVersion,
  now: number,
): void {
  const state = core.state[dev];
  if (state !== DeviceState.connackWait && state !== DeviceState.connecting) {
    core.protocolError(dev, 'unexpected CONNACK');
    return;
  }
  const packet = readConnack(frame, version);
  if (packet instanceof Error) {
    core.protocolError(dev, `bad CONNACK: ${packet.message}`);
    return;
  }
  if (packet.code !== 0) {
    // Still connecting: the close that follows counts a failed connect, not a drop.
    core.metrics.count('connect_refused');
    core.recordFailure(dev, 'refused', describeConnackCode(packet.code, version));
    core.sockets[dev]?.destroy();
    return;
  }
  core.ramp.inflight--;
  core.failedConnects[dev] = 0;
  const group = core.groupOfDevice(dev);
  if (version === 5) {
    // MQTT 5.0 §3.2.2.3.3 Receive Maximum bounds our QoS > 0 publishes in flight;
    // §3.2.2.3.14 Server Keep Alive replaces the keepalive we asked for.
    core.receiveMaximum[dev] = packet.receiveMaximum;
    core.serverKeepaliveS[dev] = packet.serverKeepAlive;
  }
  core.setState(dev, DeviceState.connected);
  core.connectedAtMs[dev] = now;
  core.metrics.count('connect_ok');
  core.metrics.events.add(EVENT.connacks, now);
  core.metrics.recordMs('connect_latency', now - core.connectStartMs[dev]!);
  if (core.disconnectedAtMs[dev]! > 0) {
    core.metrics.recordMs('reconnect_time', now - core.disconnectedAtMs[dev]!);
    core.disconnectedAtMs[dev] = 0;
  }
  // MQTT 3.1.1 §3.2.2.2, 5.0 §3.2.2.1.1: without session present the broker holds no
  // subscriptions for us. With it, they are ours only if this process saw them granted in this
  // session (FLAG_SUBSCRIBED); otherwise subscribe again, which replaces an identical filter
  // without interrupting its flow (3.1.1 §3.8.4) and so is always safe.
  if (!packet.sessionPresent) core.flags[dev] = core.flags[dev]! & ~FLAG_SUBSCRIBED;
  if (group.subscriptions.length > 0 && (core.flags[dev]! & FLAG_SUBSCRIBED) === 0) {
    const vars = core.vars(dev, group);
    const subs = group.subscriptions.map((s) => ({ topic: s.topic.render(vars), qos: s.qos }));
    core.write(dev, encodeSubscribe(allocPid(core, dev), subs, version), now);
  }
  redeliver(core, dev, group, now);
  const telemetry = group.config.telemetry;
  if (telemetry && (core.flags[dev]! & FLAG_TELEMETRY_STARTED) === 0) {
    core.flags[dev] = core.flags[dev]! | FLAG_TELEMETRY_STARTED;
    const phase = telemetryPhaseMs(telemetry, core.globalIndex(dev));
    const k = Math.ceil((now - core.epochMs - phase) / telemetry.intervalMs);
    core.nextPublishMs[dev] = core.epochMs + phase + Math.max(0, k) * telemetry.intervalMs;
  }
  rearm(core, dev);
  pump(core, now);
}

/** After `failoverAfter` failed connects in a row, the next attempt goes to the next endpoint. */
function countFailedConnect(core: DeviceCore, dev: number, group: ResolvedGroup): void {
  if (group.endpoints.length < 2) return;
  const failed = core.failedConnects[dev]! + 1;
  if (failed < group.failoverAfter) {
    core.failedConnects[dev] = failed;
    return;
  }
  core.failedConnects[dev] = 0;
  core.endpoint[dev] = (core.endpoint[dev]! + 1) % group.endpoints.length;
  core.flags[dev] = core.flags[dev]! & ~FLAG_SUBSCRIBED; // what the last broker granted proves nothing here
  core.metrics.count('failovers');
}

export function onSocketError(core: DeviceCore, sock: DeviceSocket, err: NodeJS.ErrnoException): void {
  const dev = sock.dev;
  if (core.sockets[dev] !== sock) return;
  const state = core.state[dev];
  if (state === DeviceState.connecting || state === DeviceState.connackWait) {
    core.recordFailure(dev, classifyError(err), `${err.code ?? err.name}: ${err.message}`);
  }
}

export function onSocketClose(core: DeviceCore, sock: DeviceSocket): void {
  core.openSockets--;
  if (core.openSockets === 0 && core.onAllClosed) {
    const done = core.onAllClosed;
    core.onAllClosed = undefined;
    done();
  }
  const dev = sock.dev;
  if (core.sockets[dev] !== sock) return;
  core.sockets[dev] = undefined;
  core.carry.delete(dev);
  const state = core.state[dev]!;
  if (state === DeviceState.stopped || core.stopping) return;
  const now = nowMs();
  const group = core.groupOfDevice(dev);
  if (state === DeviceState.connecting || state === DeviceState.connackWait) {
    core.ramp.inflight--;
    core.metrics.count('connect_failed');
    core.recordFailure(dev, 'closed', 'connection closed before CONNACK');
    countFailedConnect(core, dev, group);
  } else if (state === DeviceState.connected) {
    core.metrics.count('disconnects');
    if (core.disconnectedAtMs[dev] === 0) core.disconnectedAtMs[dev] = now;
    core.attempt[dev] = core.policy.attemptAfterDrop(core.attempt[dev]!, now - core.connectedAtMs[dev]!);
  }
  core.flags[dev] = core.flags[dev]! & ~FLAG_PING_OUTSTANDING;
  if (group.config.clean) {
    // A clean session ends with the connection: its packet ids mean nothing any more.
    core.awaitingRelease.delete(dev);
    const inflight = core.inflight.get(dev);
    if (inflight) {
      core.metrics.count('unacked_dropped', inflight.size);
      core.inflight.delete(dev);
    }
  }
  const attempt = core.attempt[dev]!;
  const delay = core.policy.delayMs(attempt, core.previousDelayMs[dev]!);
  if (delay === GIVE_UP) {
    core.setState(dev, DeviceState.gaveUp);
    core.metrics.count('gave_up');
  } else {
    core.previousDelayMs[dev] = delay;
    core.attempt[dev] = Math.min(attempt + 1, 65_535);
    core.backoffUntilMs[dev] = now + delay;
    core.setState(dev, DeviceState.backoff);
  }
  rearm(core, dev);
  pump(core, now);
}
