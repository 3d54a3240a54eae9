/**
 * A device's one timer: armed at the earliest of its deadlines in its state (publish slot,
 * keepalive, PINGRESP wait, connect timeout, end of backoff), and what happens when it fires.
 */
import {
  type DeviceCore,
  DeviceState,
  FLAG_PING_OUTSTANDING,
  FLAG_TELEMETRY_STARTED,
  type ResolvedGroup,
} from './device-core.js';
import { telemetrySlot } from './device-publish.js';
import { PINGREQ } from './packets.js';

export function onTimer(core: DeviceCore, dev: number, now: number): void {
  const state = core.state[dev]!;
  const group = core.groupOfDevice(dev);
  if (state === DeviceState.connected) {
    if (group.topic && now >= core.nextPublishMs[dev]!) telemetrySlot(core, dev, group, now);
    if (keepalive(core, dev, group, now)) return;
  } else {
    const telemetryDue =
      (core.flags[dev]! & FLAG_TELEMETRY_STARTED) !== 0 && group.topic && now >= core.nextPublishMs[dev]!;
    if (telemetryDue) telemetrySlot(core, dev, group, now);
    if (
      (state === DeviceState.connecting || state === DeviceState.connackWait) &&
      connectDeadline(core, dev) <= now
    ) {
      core.metrics.count('connect_timeouts');
      core.recordFailure(
        dev,
        'timeout',
        `${handshakePhase(core, dev)} not within ${core.config.connectTimeoutMs} ms`,
      );
      core.sockets[dev]?.destroy();
      return;
    }
    if (state === DeviceState.backoff && now >= core.backoffUntilMs[dev]!) {
      core.setState(dev, DeviceState.queued);
      // A device that never connected is still part of the ramp: its retry keeps to the ramp's
      // rate and in-flight cap, or a slow broker turns the ramp's timeouts into a retry storm
      // of every device not yet admitted. Only a reconnect after a drop is the herd.
      if (core.connectedAtMs[dev] === 0) core.ramp.initial.push(dev);
      else core.ramp.retries.push(dev);
    }
  }
  rearm(core, dev);
}

/** PINGREQ when idle for a keepalive period; true when the connection was declared dead. */
function keepalive(core: DeviceCore, dev: number, group: ResolvedGroup, now: number): boolean {
  const keepaliveMs = core.keepaliveMs(dev, group);
  if (core.flags[dev]! & FLAG_PING_OUTSTANDING) {
    // No PINGRESP within a keepalive period: the connection is dead (MQTT 3.1.1 §3.1.2.10).
    if (now - core.pingSentMs[dev]! >= keepaliveMs) {
      core.metrics.failure('closed', 'no PINGRESP within keepalive');
      core.sockets[dev]?.destroy();
      return true;
    }
  } else if (keepaliveMs > 0 && now - core.lastTxMs[dev]! >= keepaliveMs) {
    core.write(dev, PINGREQ, now);
    core.flags[dev] = core.flags[dev]! | FLAG_PING_OUTSTANDING;
    core.pingSentMs[dev] = now;
    core.metrics.count('pings');
  }
  return false;
}

/** Which part of connecting a device is in: plain TCP sockets send CONNECT while connecting. */
function handshakePhase(core: DeviceCore, dev: number): 'TCP connect' | 'CONNACK' {
  if (core.state[dev] === DeviceState.connackWait) return 'CONNACK';
  const sock = core.sockets[dev];
  return core.endpointOf(dev).tls || !sock || sock.connecting ? 'TCP connect' : 'CONNACK';
}

function connectDeadline(core: DeviceCore, dev: number): number {
  return core.connectStartMs[dev]! + core.config.connectTimeoutMs;
}

/** Arms the device's one timer at the earliest of its deadlines in its state. */
export function rearm(core: DeviceCore, dev: number): void {
  const state = core.state[dev]!;
  const group = core.groupOfDevice(dev);
  let due = Number.POSITIVE_INFINITY;
  const telemetryOn =
    group.topic !== undefined &&
    (core.flags[dev]! & FLAG_TELEMETRY_STARTED) !== 0 &&
    (state === DeviceState.connected || group.config.telemetry!.offline === 'drop');
  if (telemetryOn && state !== DeviceState.gaveUp && state !== DeviceState.stopped)
    due = core.nextPublishMs[dev]!;
  if (state === DeviceState.connected) {
    const keepaliveMs = core.keepaliveMs(dev, group);
    if (core.flags[dev]! & FLAG_PING_OUTSTANDING) due = Math.min(due, core.pingSentMs[dev]! + keepaliveMs);
    else if (keepaliveMs > 0) due = Math.min(due, core.lastTxMs[dev]! + keepaliveMs);
  } else if (state === DeviceState.connecting || state === DeviceState.connackWait) {
    due = Math.min(due, connectDeadline(core, dev));
  } else if (state === DeviceState.backoff) {
    due = Math.min(due, core.backoffUntilMs[dev]!);
  }
  if (due === Number.POSITIVE_INFINITY) core.wheel.cancel(dev);
  else core.wheel.schedule(dev, due);
}
