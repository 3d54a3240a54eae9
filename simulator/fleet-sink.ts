/**
 * The fleet's sink, started from its `sink:` section: subscribed at the devices' broker (or
 * where the section says), and ready (every SUBACK in) before any device starts, so the
 * accounting sees the first message. A refused SUBSCRIBE fails at once with
 * SQUALL_FLEET_SUBSCRIBE_FAILED; a sink that cannot connect says why the way a device's connect
 * failure would (the sink talks to the same broker).
 */
import { SquallError } from '../engine/core/errors.js';
import type { DeviceEngineConfig } from './engine-config.js';
import type { FleetConfig } from './fleet-config.js';
import { CAUSE_CODE } from './fleet-metrics.js';
import { createSink, type Sink, type SinkOptions } from './sink.js';

export type FleetSinkConfig = Exclude<FleetConfig['sink'], false>;

export async function startFleetSink(
  config: FleetSinkConfig,
  devices: DeviceEngineConfig,
  dating: Pick<SinkOptions, 'bucketMs' | 'ignoreBeforeMs'> = {},
): Promise<Sink> {
  const sink = createSink({
    ...dating,
    engine: { clockOffsetMs: devices.clockOffsetMs },
    broker: config.broker ?? devices.broker,
    brokers: config.brokers,
    topic: config.topic,
    qos: config.qos,
    connections: config.connections,
    protocolVersion: config.protocolVersion,
    graceMs: config.graceMs,
    firstSeq: config.firstSeq,
    tenants: devices.tenants,
    pinnedTenants: devices.pinnedTenants,
    payloadTemplate: devices.groups.find((g) => g.telemetry)?.telemetry?.payloadTemplate,
  });
  sink.start();
  try {
    await sink.waitReady(devices.connectTimeoutMs);
    return sink;
  } catch (err) {
    if (err instanceof SquallError) {
      await sink.stop();
      throw err;
    }
    const stuck = Math.max(
      0,
      sink.engines.findIndex((e) => e.metrics.total.subscribed < config.connections),
    );
    const at = sink.engines[stuck]!.config.broker;
    const snap = sink.engines[stuck]!.snapshot();
    await sink.stop();
    const top = snap.failures.sort((a, b) => b.count - a.count)[0];
    throw new SquallError(
      top ? CAUSE_CODE[top.cause] : 'SQUALL_FLEET_BROKER_UNREACHABLE',
      `the sink could not subscribe at ${at.host}:${at.port}` +
        (top ? ` (${top.count} attempt(s)): ${top.detail}` : ` within ${devices.connectTimeoutMs} ms`),
    );
  }
}
