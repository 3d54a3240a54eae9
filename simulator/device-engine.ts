/**
 * The lean device engine: a device is one socket plus slots in typed arrays, driven by one
 * timer wheel and one read buffer per engine. Each device runs this state machine:
 *
 *   IDLE → QUEUED → CONNECTING (TCP/TLS) → CONNACK_WAIT → CONNECTED
 *                      ↑                                     │ drop / refuse / timeout
 *                      └──── QUEUED ← BACKOFF (reconnect.ts) ←┘   → GAVE_UP after maxAttempts
 *
 * Incoming frames dispatch to one small handler per packet type (STYLE.md §7). Hot packets
 * (PUBLISH, acks, PINGRESP) are read in place; CONNACK, SUBACK and DISCONNECT go through
 * mqtt-packet. Acks produced while reading one chunk are written in one batch.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { SourceReading } from '../engine/slo/metrics.js';
import { nowMs } from './clock.js';
import { classifyError, describeConnackCode } from './connect-errors.js';
import type { DeviceEngineConfig, DeviceGroupConfig } from './engine-config.js';
import { type FailureCause, FleetMetrics } from './fleet-metrics.js';
import {
  ACK_BYTE,
  allocPublish,
  DISCONNECT,
  encodeConnect,
  encodeSubscribe,
  markDup,
  PACKET,
  PINGREQ,
  type ProtocolVersion,
  type PublishView,
  parseFrame,
  readPublish,
  writeAck,
} from './packets.js';
import { createCompactCodec, createJsonCodec, type PayloadCodec } from './payload.js';
import { createRng } from './prng.js';
import { ConnectRamp } from './ramp.js';
import { createReconnectPolicy, GIVE_UP, type ReconnectPolicy } from './reconnect.js';
import { type CompiledTemplate, compileTemplate } from './template.js';
import { createTenantMap, type TenantMap } from './tenants.js';
import { TimerWheel } from './timer-wheel.js';

export const DeviceState = {
  idle: 0,
  queued: 1,
  connecting: 2,
  connackWait: 3,
  connected: 4,
  backoff: 5,
  gaveUp: 6,
  stopped: 7,
} as const;

const FLAG_TELEMETRY_STARTED = 1;
const FLAG_PING_OUTSTANDING = 2;
const FLAG_FAILURE_RECORDED = 4;

/** Golden-ratio fraction: per-device phase offsets spread evenly over the interval. */
const INV_PHI = 0.6180339887498949;
const MAX_WRITE_BUFFER_BYTES = 1 << 20;

interface Inflight {
  sentMs: number;
  /** The encoded PUBLISH, kept for redelivery with DUP on a persistent session; null after PUBREC. */
  packet: Buffer | null;
  qos: 1 | 2;
}

interface ResolvedGroup {
  config: DeviceGroupConfig;
  first: number;
  end: number;
  clientId: CompiledTemplate;
  username?: CompiledTemplate;
  password?: CompiledTemplate;
  topic?: CompiledTemplate;
  will?: CompiledTemplate;
  subscriptions: Array<{ topic: CompiledTemplate; qos: 0 | 1 | 2 }>;
  codec?: PayloadCodec;
  keepaliveMs: number;
}

type DeviceSocket = net.Socket & { dev: number };

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
  readonly metrics = new FleetMetrics();
  readonly tenants: TenantMap;
  readonly #groups: ResolvedGroup[];
  readonly #groupOf: Uint8Array;
  readonly #policy: ReconnectPolicy;
  readonly #wheel: TimerWheel;
  readonly #ramp: ConnectRamp;

  // Per-device slots (local index).
  readonly #state: Uint8Array;
  readonly #flags: Uint8Array;
  readonly #attempt: Uint16Array;
  readonly #nextPid: Uint16Array;
  readonly #seq: Uint32Array;
  readonly #connectStartMs: Float64Array;
  readonly #connectedAtMs: Float64Array;
  readonly #disconnectedAtMs: Float64Array;
  readonly #nextPublishMs: Float64Array;
  readonly #lastTxMs: Float64Array;
  readonly #pingSentMs: Float64Array;
  readonly #backoffUntilMs: Float64Array;
  readonly #previousDelayMs: Float32Array;
  /** MQTT 5 CONNACK properties: 0 = the server set none. */
  readonly #receiveMaximum: Uint16Array;
  readonly #serverKeepaliveS: Uint16Array;
  readonly #sockets: Array<DeviceSocket | undefined>;
  /** Sparse: only devices with something in flight or a partial frame. */
  readonly #inflight = new Map<number, Map<number, Inflight>>();
  readonly #carry = new Map<number, Buffer>();
  /** Incoming QoS 2 packet ids delivered and awaiting PUBREL, per device. */
  readonly #awaitingRelease = new Map<number, Set<number>>();

  #connected = 0;
  #openSockets = 0;
  #epochMs = 0;
  #interval: NodeJS.Timeout | undefined;
  #stopping = false;
  #onAllClosed: (() => void) | undefined;
  readonly #readBuffer = Buffer.allocUnsafe(64 * 1024);
  #ackBuffer = Buffer.allocUnsafe(16 * 1024);
  #ackLength = 0;
  readonly #view: PublishView = {
    qos: 0,
    dup: false,
    retain: false,
    packetId: 0,
    topicStart: 0,
    topicEnd: 0,
    payloadStart: 0,
    payloadEnd: 0,
  };
  readonly #socketHandlers: {
    onread: { buffer: Buffer; callback: (this: DeviceSocket, nread: number, buf: Buffer) => boolean };
    connect: (this: DeviceSocket) => void;
    error: (this: DeviceSocket, err: NodeJS.ErrnoException) => void;
    close: (this: DeviceSocket) => void;
    data: (this: DeviceSocket, chunk: Buffer) => void;
  };

  constructor(config: DeviceEngineConfig) {
    this.config = config;
    this.tenants = createTenantMap(config.tenants);
    let first = 0;
    this.#groups = config.groups.map((g) => {
      const vars = ['index', 'tenant', 'group'] as const;
      const resolved: ResolvedGroup = {
        config: g,
        first,
        end: first + g.count,
        clientId: compileTemplate(g.clientId, vars, 'clientId'),
        username: g.username === undefined ? undefined : compileTemplate(g.username, vars, 'username'),
        password: g.password === undefined ? undefined : compileTemplate(g.password, vars, 'password'),
        topic: g.telemetry ? compileTemplate(g.telemetry.topic, vars, 'topic') : undefined,
        will: g.will ? compileTemplate(g.will.topic, vars, 'will.topic') : undefined,
        subscriptions: g.subscriptions.map((s) => ({
          topic: compileTemplate(s.topic, vars, 'topic'),
          qos: s.qos,
        })),
        codec: g.telemetry
          ? g.telemetry.payloadTemplate
            ? createJsonCodec(g.telemetry.payloadTemplate, g.telemetry.payloadBytes)
            : createCompactCodec(g.telemetry.payloadBytes)
          : undefined,
        keepaliveMs: g.keepaliveS * 1000,
      };
      first += g.count;
      return resolved;
    });
    const n = first;
    this.count = n;
    this.#groupOf = new Uint8Array(n);
    this.#groups.forEach((g, i) => {
      this.#groupOf.fill(i, g.first, g.end);
    });
    this.#policy = createReconnectPolicy(config.reconnect, createRng(config.seed));
    const now = nowMs();
    this.#wheel = new TimerWheel(n, config.tickMs, (dev, t) => this.#onTimer(dev, t), now);
    this.#ramp = new ConnectRamp(n, config.connectRatePerS, config.maxInflightConnects, config.tickMs, now);
    this.#state = new Uint8Array(n);
    this.#flags = new Uint8Array(n);
    this.#attempt = new Uint16Array(n);
    this.#nextPid = new Uint16Array(n);
    this.#seq = new Uint32Array(n);
    this.#connectStartMs = new Float64Array(n);
    this.#connectedAtMs = new Float64Array(n);
    this.#disconnectedAtMs = new Float64Array(n);
    this.#nextPublishMs = new Float64Array(n);
    this.#lastTxMs = new Float64Array(n);
    this.#pingSentMs = new Float64Array(n);
    this.#backoffUntilMs = new Float64Array(n);
    this.#previousDelayMs = new Float32Array(n);
    this.#receiveMaximum = new Uint16Array(n);
    this.#serverKeepaliveS = new Uint16Array(n);
    this.#sockets = new Array(n).fill(undefined);

    // One set of handlers per engine; `this` is the socket, `dev` its local index.
    const engine = this;
    this.#socketHandlers = {
      onread: {
        buffer: this.#readBuffer,
        callback(nread, buf) {
          engine.#onBytes(this, buf, nread);
          return true;
        },
      },
      connect() {
        engine.#onTransportUp(this);
      },
      error(err) {
        engine.#onSocketError(this, err);
      },
      close() {
        engine.#onSocketClose(this);
      },
      data(chunk) {
        engine.#onBytes(this, chunk, chunk.length);
      },
    };
  }

  /** Global index of a local device. */
  globalIndex(local: number): number {
    return this.config.firstIndex + local;
  }

  stateOf(local: number): number {
    return this.#state[local]!;
  }

  /** The last seq a device spent (published or dropped offline), -1 for none: for `SinkAccounting.settle`. */
  lastSeq(local: number): number {
    return this.#seq[local]! - 1;
  }

  get connected(): number {
    return this.#connected;
  }

  /** The keepalive a device runs with: its group's, or the broker's Server Keep Alive (MQTT 5). */
  keepaliveS(local: number): number {
    return this.#keepaliveMs(local, this.#groups[this.#groupOf[local]!]!) / 1000;
  }

  /** QoS 1/2 publishes sent and not yet acknowledged, over all devices. */
  get inflightPublishes(): number {
    let n = 0;
    for (const m of this.#inflight.values()) n += m.size;
    return n;
  }

  /** Queues every device for the ramp and starts the clock. */
  start(): void {
    if (this.#interval) return;
    const now = nowMs();
    this.#epochMs = now;
    for (let dev = 0; dev < this.count; dev++) {
      this.#state[dev] = DeviceState.queued;
      this.#ramp.initial.push(dev);
    }
    this.#interval = setInterval(() => this.#tick(), this.config.tickMs);
    this.#tick();
  }

  /**
   * Stops every device: a DISCONNECT then FIN for connected ones (`graceful`, the default: no
   * will is published, MQTT 3.1.1 §3.14.4), a reset otherwise. Resolves once every socket closed.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const graceful = options.graceful ?? true;
    this.#stopping = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = undefined;
    this.#ramp.initial.clear();
    this.#ramp.retries.clear();
    for (let dev = 0; dev < this.count; dev++) {
      this.#wheel.cancel(dev);
      const sock = this.#sockets[dev];
      const wasConnected = this.#state[dev] === DeviceState.connected;
      this.#state[dev] = DeviceState.stopped;
      if (!sock) continue;
      if (graceful && wasConnected && !sock.destroyed) {
        sock.end(DISCONNECT);
        sock.destroySoon();
      } else sock.destroy();
    }
    this.#connected = 0;
    if (this.#openSockets === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const s of this.#sockets) s?.destroy();
        resolve();
      }, options.timeoutMs ?? 5000);
      this.#onAllClosed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Cuts connections without DISCONNECT (the broker publishes wills); they reconnect per strategy. */
  dropConnections(filter: (local: number) => boolean = () => true): number {
    let n = 0;
    for (let dev = 0; dev < this.count; dev++) {
      const sock = this.#sockets[dev];
      if (sock && this.#state[dev] === DeviceState.connected && filter(dev)) {
        sock.destroy();
        n++;
      }
    }
    return n;
  }

  /** Counters since the last call, gauges now, and this slice's histograms. */
  collect(): SourceReading {
    return this.metrics.collect({ connected: this.#connected, target: this.count });
  }

  snapshot(): EngineSnapshot {
    let connecting = 0;
    let backoff = 0;
    let gaveUp = 0;
    for (let dev = 0; dev < this.count; dev++) {
      const s = this.#state[dev];
      if (s === DeviceState.connecting || s === DeviceState.connackWait || s === DeviceState.queued)
        connecting++;
      else if (s === DeviceState.backoff) backoff++;
      else if (s === DeviceState.gaveUp) gaveUp++;
    }
    return {
      target: this.count,
      connected: this.#connected,
      connecting,
      backoff,
      gaveUp,
      totals: { ...this.metrics.total },
      failures: [...this.metrics.failures.values()].map((f) => ({ ...f })),
    };
  }

  /** Resolves when `n` devices are connected (default: all), rejects after `timeoutMs`. */
  waitConnected(n = this.count, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(
      () => this.#connected >= n,
      timeoutMs,
      () => `${this.#connected}/${n} connected`,
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

  // ── clock ──────────────────────────────────────────────────────────────────────────────

  #tick(): void {
    const now = nowMs();
    this.#wheel.advance(now);
    this.#pump(now);
  }

  #pump(now: number): void {
    this.#ramp.pump(now, (dev) => this.#startConnect(dev, now));
  }

  #onTimer(dev: number, now: number): void {
    const state = this.#state[dev]!;
    const group = this.#groups[this.#groupOf[dev]!]!;
    if (state === DeviceState.connected) {
      if (group.topic && now >= this.#nextPublishMs[dev]!) this.#telemetrySlot(dev, group, now);
      const keepaliveMs = this.#keepaliveMs(dev, group);
      if (this.#flags[dev]! & FLAG_PING_OUTSTANDING) {
        // No PINGRESP within a keepalive period: the connection is dead (MQTT 3.1.1 §3.1.2.10).
        if (now - this.#pingSentMs[dev]! >= keepaliveMs) {
          this.metrics.failure('closed', 'no PINGRESP within keepalive');
          this.#sockets[dev]?.destroy();
          return;
        }
      } else if (keepaliveMs > 0 && now - this.#lastTxMs[dev]! >= keepaliveMs) {
        this.#write(dev, PINGREQ, now);
        this.#flags[dev] = this.#flags[dev]! | FLAG_PING_OUTSTANDING;
        this.#pingSentMs[dev] = now;
        this.metrics.count('pings');
      }
    } else {
      const telemetryDue =
        (this.#flags[dev]! & FLAG_TELEMETRY_STARTED) !== 0 && group.topic && now >= this.#nextPublishMs[dev]!;
      if (telemetryDue) this.#telemetrySlot(dev, group, now);
      if (
        (state === DeviceState.connecting || state === DeviceState.connackWait) &&
        this.#connectDeadline(dev) <= now
      ) {
        this.metrics.count('connect_timeouts');
        this.#recordFailure(
          dev,
          'timeout',
          `${state === DeviceState.connecting ? 'TCP connect' : 'CONNACK'} not within ${this.config.connectTimeoutMs} ms`,
        );
        this.#sockets[dev]?.destroy();
        return;
      }
      if (state === DeviceState.backoff && now >= this.#backoffUntilMs[dev]!) {
        this.#state[dev] = DeviceState.queued;
        this.#ramp.retries.push(dev);
      }
    }
    this.#rearm(dev);
  }

  #keepaliveMs(dev: number, group: ResolvedGroup): number {
    const server = this.#serverKeepaliveS[dev]!;
    return server > 0 ? server * 1000 : group.keepaliveMs;
  }

  #connectDeadline(dev: number): number {
    return this.#connectStartMs[dev]! + this.config.connectTimeoutMs;
  }

  /** Arms the device's one timer at the earliest of its deadlines in its state. */
  #rearm(dev: number): void {
    const state = this.#state[dev]!;
    const group = this.#groups[this.#groupOf[dev]!]!;
    let due = Number.POSITIVE_INFINITY;
    const telemetryOn =
      group.topic !== undefined &&
      (this.#flags[dev]! & FLAG_TELEMETRY_STARTED) !== 0 &&
      (state === DeviceState.connected || group.config.telemetry!.offline === 'drop');
    if (telemetryOn && state !== DeviceState.gaveUp && state !== DeviceState.stopped)
      due = this.#nextPublishMs[dev]!;
    if (state === DeviceState.connected) {
      const keepaliveMs = this.#keepaliveMs(dev, group);
      if (this.#flags[dev]! & FLAG_PING_OUTSTANDING)
        due = Math.min(due, this.#pingSentMs[dev]! + keepaliveMs);
      else if (keepaliveMs > 0) due = Math.min(due, this.#lastTxMs[dev]! + keepaliveMs);
    } else if (state === DeviceState.connecting || state === DeviceState.connackWait) {
      due = Math.min(due, this.#connectDeadline(dev));
    } else if (state === DeviceState.backoff) {
      due = Math.min(due, this.#backoffUntilMs[dev]!);
    }
    if (due === Number.POSITIVE_INFINITY) this.#wheel.cancel(dev);
    else this.#wheel.schedule(dev, due);
  }

  // ── connect ────────────────────────────────────────────────────────────────────────────

  #startConnect(dev: number, now: number): void {
    if (this.#stopping) return;
    const { broker } = this.config;
    this.#state[dev] = DeviceState.connecting;
    this.#flags[dev] = this.#flags[dev]! & ~(FLAG_FAILURE_RECORDED | FLAG_PING_OUTSTANDING);
    this.#connectStartMs[dev] = now;
    this.#ramp.inflight++;
    this.metrics.count('connect_attempts');
    const h = this.#socketHandlers;
    const addresses = this.config.localAddresses;
    const localAddress = addresses.length > 0 ? addresses[dev % addresses.length] : undefined;
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
      sock = new net.Socket({ onread: h.onread } as net.SocketConstructorOpts) as DeviceSocket;
      sock.on('connect', h.connect);
    }
    sock.dev = dev;
    sock.on('error', h.error);
    sock.on('close', h.close);
    this.#sockets[dev] = sock;
    this.#openSockets++;
    if (!broker.tls) sock.connect({ host: broker.host, port: broker.port, localAddress });
    this.#rearm(dev);
  }

  #onTransportUp(sock: DeviceSocket): void {
    const dev = sock.dev;
    if (this.#sockets[dev] !== sock || this.#state[dev] !== DeviceState.connecting) return;
    sock.setNoDelay(true);
    const group = this.#groups[this.#groupOf[dev]!]!;
    const g = group.config;
    const vars = this.#vars(dev, group);
    const version = g.protocolVersion;
    const connect = encodeConnect({
      protocolId: 'MQTT',
      protocolVersion: version,
      clientId: group.clientId.render(vars),
      clean: g.clean,
      keepalive: g.keepaliveS,
      username: group.username?.render(vars),
      password: group.password ? Buffer.from(group.password.render(vars)) : undefined,
      will: g.will
        ? {
            topic: group.will!.render(vars),
            payload: g.will.payload,
            qos: g.will.qos,
            retain: g.will.retain,
          }
        : undefined,
      properties:
        version === 5 && g.sessionExpiryS > 0 ? { sessionExpiryInterval: g.sessionExpiryS } : undefined,
    });
    this.#state[dev] = DeviceState.connackWait;
    this.#write(dev, connect, nowMs());
  }

  #onConnack(dev: number, frame: Buffer, version: ProtocolVersion, now: number): void {
    if (this.#state[dev] !== DeviceState.connackWait) {
      this.#protocolError(dev, 'unexpected CONNACK');
      return;
    }
    const packet = parseFrame(frame, version);
    if (packet instanceof Error || packet.cmd !== 'connack') {
      this.#protocolError(dev, `bad CONNACK: ${packet instanceof Error ? packet.message : packet.cmd}`);
      return;
    }
    const code = (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
    if (code !== 0) {
      // Still CONNACK_WAIT: the close that follows counts a failed connect, not a drop.
      this.metrics.count('connect_refused');
      this.#recordFailure(dev, 'refused', describeConnackCode(code, version));
      this.#sockets[dev]?.destroy();
      return;
    }
    this.#ramp.inflight--;
    const group = this.#groups[this.#groupOf[dev]!]!;
    if (version === 5) {
      // MQTT 5.0 §3.2.2.3.3 Receive Maximum bounds our QoS > 0 publishes in flight;
      // §3.2.2.3.14 Server Keep Alive replaces the keepalive we asked for.
      const props = packet.properties;
      this.#receiveMaximum[dev] = props?.receiveMaximum ?? 0;
      this.#serverKeepaliveS[dev] = props?.serverKeepAlive ?? 0;
    }
    this.#state[dev] = DeviceState.connected;
    this.#connected++;
    this.#connectedAtMs[dev] = now;
    this.metrics.count('connect_ok');
    this.metrics.recordMs('connect_latency', now - this.#connectStartMs[dev]!);
    if (this.#disconnectedAtMs[dev]! > 0) {
      this.metrics.recordMs('reconnect_time', now - this.#disconnectedAtMs[dev]!);
      this.#disconnectedAtMs[dev] = 0;
    }
    const sessionPresent = packet.sessionPresent === true;
    if (group.subscriptions.length > 0 && !(sessionPresent && !group.config.clean)) {
      const vars = this.#vars(dev, group);
      const subs = group.subscriptions.map((s) => ({ topic: s.topic.render(vars), qos: s.qos }));
      this.#write(dev, encodeSubscribe(this.#allocPid(dev), subs, version), now);
    }
    this.#redeliver(dev, group, now);
    const telemetry = group.config.telemetry;
    if (telemetry && (this.#flags[dev]! & FLAG_TELEMETRY_STARTED) === 0) {
      this.#flags[dev] = this.#flags[dev]! | FLAG_TELEMETRY_STARTED;
      const phase =
        telemetry.phase === 'aligned' ? 0 : ((this.globalIndex(dev) * INV_PHI) % 1) * telemetry.intervalMs;
      const k = Math.ceil((now - this.#epochMs - phase) / telemetry.intervalMs);
      this.#nextPublishMs[dev] = this.#epochMs + phase + Math.max(0, k) * telemetry.intervalMs;
    }
    this.#rearm(dev);
    this.#pump(now);
  }

  /** MQTT 3.1.1 §4.4: on a persistent session, resend unacknowledged PUBLISH with DUP, and PUBREL. */
  #redeliver(dev: number, group: ResolvedGroup, now: number): void {
    const inflight = this.#inflight.get(dev);
    if (!inflight) return;
    if (group.config.clean) {
      this.metrics.count('unacked_dropped', inflight.size);
      this.#inflight.delete(dev);
      return;
    }
    for (const [pid, entry] of inflight) {
      if (entry.packet) {
        markDup(entry.packet);
        this.#write(dev, entry.packet, now);
        this.metrics.count('republished');
      } else {
        const rel = Buffer.allocUnsafe(4);
        writeAck(rel, 0, ACK_BYTE.pubrel, pid);
        this.#write(dev, rel, now);
      }
    }
  }

  // ── telemetry ──────────────────────────────────────────────────────────────────────────

  #telemetrySlot(dev: number, group: ResolvedGroup, now: number): void {
    const t = group.config.telemetry!;
    let next = this.#nextPublishMs[dev]! + t.intervalMs;
    // Fell behind (a stalled loop): skip to the next future slot rather than burst.
    if (next <= now) next += Math.ceil((now - next) / t.intervalMs) * t.intervalMs;
    this.#nextPublishMs[dev] = next === now ? next + t.intervalMs : next;
    if (this.#state[dev] !== DeviceState.connected) {
      if (t.offline === 'drop') {
        this.#seq[dev] = this.#seq[dev]! + 1;
        this.metrics.count('dropped_offline');
      }
      return;
    }
    const seq = this.#seq[dev]!;
    this.#seq[dev] = seq + 1;
    const sock = this.#sockets[dev]!;
    const inflight = t.qos > 0 ? this.#inflight.get(dev) : undefined;
    const quota = this.#receiveMaximum[dev]! || t.maxInflight;
    if (
      (inflight && inflight.size >= Math.min(t.maxInflight, quota)) ||
      sock.writableLength > MAX_WRITE_BUFFER_BYTES
    ) {
      this.metrics.count('dropped_backpressure');
      return;
    }
    const index = this.globalIndex(dev);
    const tenant = this.tenants.names[this.tenants.of(index)]!;
    const pid = t.qos > 0 ? this.#allocPid(dev) : 0;
    const codec = group.codec!;
    const sendMs = nowMs();
    const { buf, payloadOffset } = allocPublish(
      group.topic!.render({ index, tenant, group: group.config.name }),
      codec.byteLength(index, seq, sendMs, tenant),
      t.qos,
      pid,
      group.config.protocolVersion,
      t.retain,
    );
    codec.encodeInto(buf, payloadOffset, index, seq, sendMs, tenant);
    this.#write(dev, buf, now);
    this.metrics.count('published');
    if (t.qos > 0) {
      let map = inflight;
      if (!map) {
        map = new Map();
        this.#inflight.set(dev, map);
      }
      map.set(pid, { sentMs: sendMs, packet: group.config.clean ? null : buf, qos: t.qos as 1 | 2 });
    }
  }

  #allocPid(dev: number): number {
    const inflight = this.#inflight.get(dev);
    let pid = this.#nextPid[dev]!;
    do
      pid = (pid % 65_535) + 1; // packet ids are 1..65535 (MQTT 3.1.1 §2.3.1)
    while (inflight?.has(pid));
    this.#nextPid[dev] = pid;
    return pid;
  }

  // ── bytes in ───────────────────────────────────────────────────────────────────────────

  #onBytes(sock: DeviceSocket, buf: Buffer, nread: number): void {
    const dev = sock.dev;
    if (this.#sockets[dev] !== sock) return;
    const now = nowMs();
    let data = buf;
    let end = nread;
    const carry = this.#carry.get(dev);
    if (carry) {
      data = Buffer.concat([carry, buf.subarray(0, nread)]);
      end = data.length;
      this.#carry.delete(dev);
    }
    const version = this.#groups[this.#groupOf[dev]!]!.config.protocolVersion;
    let pos = 0;
    while (end - pos >= 2) {
      // Fixed header: type/flags byte, then Remaining Length varint of 1–4 bytes (§2.2.3).
      let remaining = 0;
      let mul = 1;
      let o = pos + 1;
      let complete = false;
      for (let i = 0; i < 4 && o < end; i++) {
        const byte = data[o++]!;
        remaining += (byte & 0x7f) * mul;
        mul *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3) {
          this.#protocolError(dev, 'malformed remaining length');
          return;
        }
      }
      if (!complete || o + remaining > end) break;
      this.#onFrame(dev, data, pos, o, o + remaining, version, now);
      if (this.#sockets[dev] !== sock) return; // closed by a handler
      pos = o + remaining;
    }
    if (pos < end) this.#carry.set(dev, Buffer.from(data.subarray(pos, end)));
    if (this.#ackLength > 0) {
      sock.write(Buffer.from(this.#ackBuffer.subarray(0, this.#ackLength)));
      this.#lastTxMs[dev] = now;
      this.#ackLength = 0;
    }
  }

  #onFrame(
    dev: number,
    data: Buffer,
    start: number,
    body: number,
    end: number,
    v: ProtocolVersion,
    now: number,
  ) {
    const first = data[start]!;
    switch (first >> 4) {
      case PACKET.publish:
        return this.#onPublish(dev, data, first, body, end, v, now);
      case PACKET.puback:
        return this.#onAcked(dev, data.readUInt16BE(body), 1);
      case PACKET.pubcomp:
        return this.#onAcked(dev, data.readUInt16BE(body), 2);
      case PACKET.pubrec:
        return this.#onPubrec(dev, data.readUInt16BE(body));
      case PACKET.pubrel:
        return this.#onPubrel(dev, data.readUInt16BE(body));
      case PACKET.pingresp:
        this.#flags[dev] = this.#flags[dev]! & ~FLAG_PING_OUTSTANDING;
        return;
      case PACKET.connack:
        return this.#onConnack(dev, data.subarray(start, end), v, now);
      case PACKET.suback:
        return this.#onSuback(dev, data.subarray(start, end), v);
      case PACKET.disconnect: {
        const p = parseFrame(data.subarray(start, end), v);
        const code = p instanceof Error ? undefined : (p as { reasonCode?: number }).reasonCode;
        const reason = code === undefined ? 'none' : `0x${code.toString(16)}`;
        this.metrics.failure('closed', `broker sent DISCONNECT (reason ${reason})`);
        this.#sockets[dev]?.destroy();
        return;
      }
      default:
        return; // UNSUBACK, AUTH: nothing to do
    }
  }

  #onPublish(
    dev: number,
    data: Buffer,
    first: number,
    body: number,
    end: number,
    v: ProtocolVersion,
    now: number,
  ) {
    const view = this.#view;
    if (!readPublish(data, first, body, end, v, view)) {
      this.#protocolError(dev, 'malformed PUBLISH');
      return;
    }
    this.metrics.count('received');
    if (view.qos === 1) this.#queueAck(ACK_BYTE.puback, view.packetId);
    else if (view.qos === 2) {
      // MQTT 3.1.1 §4.3.3 (method B): deliver once, then until PUBREL a redelivered PUBLISH with
      // this packet id is the same message — acknowledge it again, do not deliver it again.
      this.#queueAck(ACK_BYTE.pubrec, view.packetId);
      let awaiting = this.#awaitingRelease.get(dev);
      if (awaiting?.has(view.packetId)) return;
      if (!awaiting) {
        awaiting = new Set();
        this.#awaitingRelease.set(dev, awaiting);
      }
      awaiting.add(view.packetId);
    }
    this.config.onMessage?.(
      dev,
      data,
      view.payloadStart,
      view.payloadEnd,
      view.topicStart,
      view.topicEnd,
      now,
    );
  }

  #onPubrel(dev: number, pid: number): void {
    const awaiting = this.#awaitingRelease.get(dev);
    if (awaiting?.delete(pid) && awaiting.size === 0) this.#awaitingRelease.delete(dev);
    this.#queueAck(ACK_BYTE.pubcomp, pid);
  }

  #onAcked(dev: number, pid: number, qos: 1 | 2): void {
    const inflight = this.#inflight.get(dev);
    const entry = inflight?.get(pid);
    if (!entry || entry.qos !== qos) return;
    inflight!.delete(pid);
    if (inflight!.size === 0) this.#inflight.delete(dev);
    this.metrics.count('acked');
    this.metrics.recordMs('puback_latency', nowMs() - entry.sentMs);
  }

  #onPubrec(dev: number, pid: number): void {
    const entry = this.#inflight.get(dev)?.get(pid);
    if (entry) entry.packet = null; // from now on a redelivery resends PUBREL (§4.3.3)
    this.#queueAck(ACK_BYTE.pubrel, pid);
  }

  #onSuback(dev: number, frame: Buffer, v: ProtocolVersion): void {
    const p = parseFrame(frame, v);
    if (p instanceof Error || p.cmd !== 'suback') {
      this.#protocolError(dev, 'bad SUBACK');
      return;
    }
    let failed = 0;
    for (const granted of p.granted) {
      const code = typeof granted === 'number' ? granted : 0;
      if (code >= 0x80) {
        failed++;
        this.metrics.failure('refused', `SUBACK refused a subscription (0x${code.toString(16)})`);
      }
    }
    this.metrics.count(failed > 0 ? 'subscribe_failed' : 'subscribed');
  }

  #queueAck(firstByte: number, pid: number): void {
    if (this.#ackLength + 4 > this.#ackBuffer.length) {
      const grown = Buffer.allocUnsafe(this.#ackBuffer.length * 2);
      this.#ackBuffer.copy(grown, 0, 0, this.#ackLength);
      this.#ackBuffer = grown;
    }
    this.#ackLength = writeAck(this.#ackBuffer, this.#ackLength, firstByte, pid);
  }

  // ── bytes out, errors, close ───────────────────────────────────────────────────────────

  #write(dev: number, buf: Buffer, now: number): void {
    this.#sockets[dev]!.write(buf);
    this.#lastTxMs[dev] = now;
  }

  #protocolError(dev: number, detail: string): void {
    this.metrics.failure('protocol', detail);
    this.#sockets[dev]?.destroy();
  }

  #recordFailure(dev: number, cause: FailureCause, detail: string): void {
    if (this.#flags[dev]! & FLAG_FAILURE_RECORDED) return;
    this.#flags[dev] = this.#flags[dev]! | FLAG_FAILURE_RECORDED;
    this.metrics.failure(cause, detail);
  }

  #onSocketError(sock: DeviceSocket, err: NodeJS.ErrnoException): void {
    const dev = sock.dev;
    if (this.#sockets[dev] !== sock) return;
    const state = this.#state[dev];
    if (state === DeviceState.connecting || state === DeviceState.connackWait) {
      this.#recordFailure(dev, classifyError(err), `${err.code ?? err.name}: ${err.message}`);
    }
  }

  #onSocketClose(sock: DeviceSocket): void {
    this.#openSockets--;
    if (this.#openSockets === 0 && this.#onAllClosed) {
      const done = this.#onAllClosed;
      this.#onAllClosed = undefined;
      done();
    }
    const dev = sock.dev;
    if (this.#sockets[dev] !== sock) return;
    this.#sockets[dev] = undefined;
    this.#carry.delete(dev);
    const state = this.#state[dev]!;
    if (state === DeviceState.stopped || this.#stopping) return;
    const now = nowMs();
    const group = this.#groups[this.#groupOf[dev]!]!;
    if (state === DeviceState.connecting || state === DeviceState.connackWait) {
      this.#ramp.inflight--;
      this.metrics.count('connect_failed');
      this.#recordFailure(dev, 'closed', 'connection closed before CONNACK');
    } else if (state === DeviceState.connected) {
      this.#connected--;
      this.metrics.count('disconnects');
      if (this.#disconnectedAtMs[dev] === 0) this.#disconnectedAtMs[dev] = now;
      this.#attempt[dev] = this.#policy.attemptAfterDrop(
        this.#attempt[dev]!,
        now - this.#connectedAtMs[dev]!,
      );
    }
    this.#flags[dev] = this.#flags[dev]! & ~FLAG_PING_OUTSTANDING;
    if (group.config.clean) {
      // A clean session ends with the connection: its packet ids mean nothing any more.
      this.#awaitingRelease.delete(dev);
      const inflight = this.#inflight.get(dev);
      if (inflight) {
        this.metrics.count('unacked_dropped', inflight.size);
        this.#inflight.delete(dev);
      }
    }
    const attempt = this.#attempt[dev]!;
    const delay = this.#policy.delayMs(attempt, this.#previousDelayMs[dev]!);
    if (delay === GIVE_UP) {
      this.#state[dev] = DeviceState.gaveUp;
      this.metrics.count('gave_up');
    } else {
      this.#previousDelayMs[dev] = delay;
      this.#attempt[dev] = Math.min(attempt + 1, 65_535);
      this.#backoffUntilMs[dev] = now + delay;
      this.#state[dev] = DeviceState.backoff;
    }
    this.#rearm(dev);
    this.#pump(now);
  }

  #vars(dev: number, group: ResolvedGroup) {
    const index = this.globalIndex(dev);
    return { index, tenant: this.tenants.names[this.tenants.of(index)]!, group: group.config.name };
  }
}
