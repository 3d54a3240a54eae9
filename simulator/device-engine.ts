/**
 * The lean device engine: a device is one socket plus slots in typed arrays (device-core.ts),
 * driven by one timer wheel and one read buffer per engine. This facade owns the core and
 * exposes start/stop, drops, metrics and snapshots; the work lives in one module per job:
 *
 *   device-connection.ts  ramp admission, socket + CONNECT, CONNACK, close → backoff
 *   device-inbound.ts     framing and one handler per incoming packet type
 *   device-publish.ts     telemetry PUBLISH, in-flight QoS 1/2, redelivery
 *   device-timers.ts      the device's one timer: publish slot, keepalive, timeouts, backoff
 */
import type { SourceReading } from '../engine/core/metrics.js';
import { nowMs } from './clock.js';
import type { TallyWire } from './dated-tally.js';
import { onSocketClose, onSocketError, onTransportUp, pump } from './device-connection.js';
import { DeviceCore, DeviceState } from './device-core.js';
import { InboundBuffers, onBytes } from './device-inbound.js';
import { onTimer } from './device-timers.js';
import type { DeviceEngineConfig } from './engine-config.js';
import type { FailureCause, FleetMetrics } from './fleet-metrics.js';
import { DISCONNECT } from './packets.js';
import type { TenantMap } from './tenants.js';

export interface EngineSnapshot {
  target: number;
  connected: number;
  connecting: number;
  backoff: number;
  gaveUp: number;
  totals: FleetMetrics['total'];
  failures: Array<{ cause: FailureCause; detail: string; count: number }>;
}

export class DeviceEngine {
  readonly config: DeviceEngineConfig;
  readonly count: number;
  readonly metrics: FleetMetrics;
  readonly tenants: TenantMap;
  readonly #core: DeviceCore;
  #interval: NodeJS.Timeout | undefined;

  constructor(config: DeviceEngineConfig) {
    const core = new DeviceCore(config, (dev, now) => onTimer(core, dev, now), nowMs());
    this.#core = core;
    this.config = config;
    this.count = core.count;
    this.metrics = core.metrics;
    this.tenants = core.tenants;
    const io = new InboundBuffers();
    core.handlers = {
      onread: {
        // Reads land in the engine's one buffer, no per-read allocation (Node ≥ 12.10).
        buffer: Buffer.allocUnsafe(64 * 1024),
        callback(nread, buf) {
          onBytes(core, io, this, buf, nread);
          return true;
        },
      },
      connect() {
        onTransportUp(core, this);
      },
      error(err) {
        onSocketError(core, this, err);
      },
      close() {
        onSocketClose(core, this);
      },
      data(chunk) {
        onBytes(core, io, this, chunk, chunk.length);
      },
    };
  }

  /** Global index of a local device. */
  globalIndex(local: number): number {
    return this.#core.globalIndex(local);
  }

  stateOf(local: number): number {
    return this.#core.state[local]!;
  }

  /** The last seq a device spent (published or dropped offline), -1 for none: for `SinkAccounting.settle`. */
  lastSeq(local: number): number {
    return this.#core.seq[local]! - 1;
  }

  /**
   * Telemetry slots used since the last call, dated by send time (what the sink should see),
   * and the stamp they are complete up to: every send before `throughMs` is in `sent`.
   */
  drainSent(): { sent: TallyWire; throughMs: number } {
    const throughMs = this.#core.stampMs();
    return { sent: this.#core.sent.drain(), throughMs };
  }

  /** Connect attempts and CONNACKs per 100 ms since the last call (event-buckets.ts). */
  drainEvents(): number[] {
    return this.metrics.events.drain();
  }

  /** When `start` ran: telemetry slots are laid out from it. */
  get epochMs(): number {
    return this.#core.epochMs;
  }

  get connected(): number {
    return this.#core.connected;
  }

  /** The keepalive a device runs with: its group's, or the broker's Server Keep Alive (MQTT 5). */
  keepaliveS(local: number): number {
    return this.#core.keepaliveMs(local, this.#core.groupOfDevice(local)) / 1000;
  }

  /** QoS 1/2 publishes sent and not yet acknowledged, over all devices. */
  get inflightPublishes(): number {
    let n = 0;
    for (const m of this.#core.inflight.values()) n += m.size;
    return n;
  }

  /** Queues every device for the ramp and starts the clock. */
  start(): void {
    if (this.#interval) return;
    const core = this.#core;
    core.epochMs = nowMs();
    for (let dev = 0; dev < this.count; dev++) {
      core.setState(dev, DeviceState.queued);
      core.ramp.initial.push(dev);
    }
    this.#interval = setInterval(() => this.#tick(), this.config.tickMs);
    this.#tick();
  }

  /**
   * Stops every device: a DISCONNECT then FIN for connected ones (`graceful`, the default: no
   * will is published, MQTT 3.1.1 §3.14.4), a reset otherwise. Resolves once every socket closed.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const core = this.#core;
    const graceful = options.graceful ?? true;
    core.stopping = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = undefined;
    core.ramp.initial.clear();
    core.ramp.retries.clear();
    for (let dev = 0; dev < this.count; dev++) {
      core.wheel.cancel(dev);
      const sock = core.sockets[dev];
      const wasConnected = core.state[dev] === DeviceState.connected;
      core.setState(dev, DeviceState.stopped);
      if (!sock) continue;
      if (graceful && wasConnected && !sock.destroyed) {
        sock.end(DISCONNECT);
        sock.destroySoon();
      } else sock.destroy();
    }
    if (core.openSockets === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const s of core.sockets) s?.destroy();
        resolve();
      }, options.timeoutMs ?? 5000);
      core.onAllClosed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Cuts connections without DISCONNECT (the broker publishes wills); they reconnect per strategy. */
  dropConnections(filter: (local: number) => boolean = () => true): number {
    const core = this.#core;
    let n = 0;
    for (let dev = 0; dev < this.count; dev++) {
      const sock = core.sockets[dev];
      if (sock && core.state[dev] === DeviceState.connected && filter(dev)) {
        sock.destroy();
        n++;
      }
    }
    return n;
  }

  /** Counters since the last call, gauges now, and this slice's histograms. */
  collect(): SourceReading {
    return this.metrics.collect({ connected: this.#core.connected, target: this.count });
  }

  snapshot(): EngineSnapshot {
    const core = this.#core;
    const c = core.stateCount;
    return {
      target: this.count,
      connected: core.connected,
      connecting: c[DeviceState.queued]! + c[DeviceState.connecting]! + c[DeviceState.connackWait]!,
      backoff: c[DeviceState.backoff]!,
      gaveUp: c[DeviceState.gaveUp]!,
      totals: { ...this.metrics.total },
      failures: [...this.metrics.failures.values()].map((f) => ({ ...f })),
    };
  }

  /** Resolves when `n` devices are connected (default: all), rejects after `timeoutMs`. */
  waitConnected(n = this.count, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(
      () => this.#core.connected >= n,
      timeoutMs,
      () => `${this.#core.connected}/${n} connected`,
    );
  }

  /** Polls a condition on the engine every other tick (for tests and the CLI). */
  waitFor(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        if (done()) return resolve();
        if (Date.now() - started > timeoutMs) return reject(new Error(`timed out: ${describe()}`));
        setTimeout(poll, this.config.tickMs * 2);
      };
      poll();
    });
  }

  #tick(): void {
    const now = nowMs();
    this.#core.wheel.advance(now);
    pump(this.#core, now);
  }
}
