/**
 * The gRPC agent (docs/security.md). `createAgentServer` returns an unbound server (a library
 * does not listen; the `agent` command binds it); `recover` reverts whatever the ledger still
 * holds from a previous agent
 * process (`squall agent` calls it before it starts its managed processes; `listen` calls it
 * if nobody did), then `listen` binds — mTLS by default, plain text only on loopback and only
 * when asked. `close` reverts everything, ends the sessions, and stops serving within
 * `shutdownGraceMs` even when a client holds an idle connection open.
 * `squall agent` is the thin entry point that parses flags, binds and handles signals.
 */

import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { SquallError } from '../../engine/core/errors.js';
import type { ManagedProcess, ProxyHandle } from '../../engine/core/faults.js';
import { SQUALL_VERSION } from '../../engine/core/version.js';
import { faultDrivers } from '../faults/catalog.js';
import { createProcessGuard } from '../faults/process-guard.js';
import type { AgentHandlers } from '../proto/generated/squall/agent/v1/Agent.js';
import type { DriverInfo } from '../proto/generated/squall/agent/v1/DriverInfo.js';
import { toGrpcError } from '../proto/grpc-status.js';
import { agentService } from '../proto/load.js';
import { deviceHolding } from './control-devices.js';
import { type AutoRevert, createFaultTable, type Recovery } from './fault-table.js';
import { openLedger } from './ledger.js';
import { type PeerCall, peerCommonName } from './peer.js';
import { checkPlainTextListen, isUnixListen, restrictSocket } from './plain-text.js';
import { createPolicyGate, DEFAULT_POLICY, type Policy } from './policy.js';
import { hostResources } from './resources.js';
import { handleSession, type LiveSession } from './session.js';
import { createShardHost, SHARD_DRIVER_NAME } from './shards.js';

export interface AgentServerOptions {
  /** Directory of the fault ledger (one fsynced file per active fault). */
  ledgerDir: string;
  policy?: Policy;
  /** Looked up at each request: the caller may fill these maps after `recover()`. */
  processes?: Map<string, ManagedProcess>;
  proxies?: Map<string, ProxyHandle>;
  /** How long `close` waits for connections to finish before it closes them. Default 2000. */
  shutdownGraceMs?: number;
  /** Reported in Hello; defaults to the OS hostname. */
  host?: string;
  log?: (message: string) => void;
  /** The agent's clock (epoch ms) as reported to controllers; tests skew it. Default Date.now. */
  clock?: () => number;
}

/** PEM contents (not paths) of the agent's CA, certificate and key. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** mTLS (the default), or plain text — accepted only where plain-text.ts says it is safe. */
export type AgentSecurity = { tls: TlsMaterial } | { insecure: true };

export interface AgentServer {
  /**
   * Replays the ledger once (later calls share the first): undoes what a previous agent process
   * left, acting only on the very processes it paused. What it cannot undo stays in the ledger,
   * is logged, and is reported in Hello.
   */
  recover(): Promise<Recovery>;
  /** Recovers (if not done yet), then binds `host:port` (port 0 picks one) or `unix:/path`. */
  listen(address: string, security: AgentSecurity): Promise<{ host: string; port: number }>;
  /** How many ledger leftovers were cleared at start-up. */
  readonly recoveredAtStart: number;
  activeFaults(): number;
  /** Reverts every active fault, then stops serving. */
  close(): Promise<void>;
}

/** Reads PEM files, mapping failures to SQUALL_TLS_CONFIG_INVALID. */
export function readTlsFiles(paths: { ca: string; cert: string; key: string }): TlsMaterial {
  const read = (what: string, path: string) => {
    try {
      const text = readFileSync(path);
      if (!text.includes('-----BEGIN')) throw new Error('not a PEM file');
      return text;
    } catch (err) {
      throw new SquallError('SQUALL_TLS_CONFIG_INVALID', `TLS ${what} ${path}: ${(err as Error).message}`);
    }
  };
  return { ca: read('CA', paths.ca), cert: read('certificate', paths.cert), key: read('key', paths.key) };
}

export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SquallError('SQUALL_USAGE', `expected 'host:port', got '${address}'`);
  }
  return { host: address.slice(0, i), port };
}

export function createAgentServer(options: AgentServerOptions): AgentServer {
  const log = options.log ?? (() => {});
  const clock = options.clock ?? Date.now;
  const policyData = options.policy ?? DEFAULT_POLICY;
  const ledger = openLedger(options.ledgerDir);
  const sessions = new Map<string, LiveSession>();
  const server = new grpc.Server();
  let plainText = false;
  let recovery: Promise<Recovery> | undefined;
  let recovered: Recovery = { recovered: 0, failed: [] };
  const policy = createPolicyGate(policyData);
  /** Only controllers named in the policy; plain text has no identity (plain-text.ts decides where it is allowed). */
  const checkPeer = (call: PeerCall) => {
    if (!plainText) policy.checkController(peerCommonName(call));
  };
  const onAutoRevert = (event: AutoRevert) => sessions.get(event.sessionId)?.notify(event);
  const table = createFaultTable({
    agent: {
      processes: options.processes ?? new Map(),
      proxies: options.proxies ?? new Map(),
      guard: createProcessGuard(policyData.protectedProcesses, { ownUnit: true }),
      log,
    },
    ledger,
    policy,
    onAutoRevert,
    log,
  });
  const shards = createShardHost({ policy, log });
  let driverInfo: Promise<DriverInfo[]> | undefined;

  const drivers = () => {
    driverInfo ??= Promise.all(
      faultDrivers.values().map(async (d) => {
        const reason = await d.unavailable?.().catch((err: Error) => err.message);
        return {
          name: d.name,
          summary: d.summary,
          targets: [...d.targets],
          available: reason === undefined,
          unavailable_reason: reason ?? '',
        };
      }),
    ).then((list) => [
      ...list,
      {
        name: SHARD_DRIVER_NAME,
        summary: 'Host a slice of a fleet (simulated MQTT devices); metrics stream over the session.',
        targets: [],
        available: true,
        unavailable_reason: '',
      },
    ]);
    return driverInfo;
  };

  const handlers: AgentHandlers = {
    Hello(call, callback) {
      try {
        checkPeer(call);
      } catch (err) {
        log(`hello refused (${call.getPeer()}): ${(err as Error).message}`);
        callback(toGrpcError(err));
        return;
      }
      drivers().then(
        (list) =>
          callback(null, {
            version: SQUALL_VERSION,
            host: options.host ?? hostname(),
            drivers: list,
            limits: {
              max_duration_ms: policyData.maxDuration,
              max_concurrent_faults: policyData.maxConcurrentFaults,
              min_ttl_ms: policyData.lease.minTtl,
              max_ttl_ms: policyData.lease.maxTtl,
            },
            agent_time_ms: clock(),
            active_faults: table.count(),
            recovered_at_start: recovered.recovered,
            resources: hostResources(call.request.statfs_paths),
            unrecovered_at_start: recovered.failed.map(
              (f) => `${f.faultId} (${f.kind}): ${f.error} — kept in the agent's ledger`,
            ),
          }),
        (err) => callback(toGrpcError(err)),
      );
    },
    Session(call) {
      handleSession(call, { table, policy, log, sessions, clock, shards, checkPeer });
    },
  };
  server.addService(agentService().service, handlers);

  const recover = () => {
    recovery ??= table.recover().then((result) => {
      recovered = result;
      if (result.failed.length > 0) {
        log(`ledger: ${result.failed.length} leftover(s) could not be reverted and stay in ${ledger.dir}`);
      }
      return result;
    });
    return recovery;
  };

  return {
    get recoveredAtStart() {
      return recovered.recovered;
    },
    recover,
    async listen(address, security) {
      const unix = isUnixListen(address);
      const { host, port } = unix ? { host: address, port: 0 } : splitAddress(address);
      let credentials: grpc.ServerCredentials;
      if ('insecure' in security) {
        checkPlainTextListen(address);
        plainText = true;
        credentials = grpc.ServerCredentials.createInsecure();
      } else {
        credentials = grpc.ServerCredentials.createSsl(
          security.tls.ca,
          [{ private_key: security.tls.key, cert_chain: security.tls.cert }],
          true, // checkClientCertificate: no client certificate from our CA, no connection
        );
      }
      await recover();
      const bound = await new Promise<number>((resolve, reject) =>
        server.bindAsync(
          unix ? address : `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`,
          credentials,
          (err, p) =>
            err
              ? reject(new SquallError('SQUALL_USAGE', `cannot listen on ${address}: ${err.message}`))
              : resolve(p),
        ),
      );
      restrictSocket(address);
      if (!('insecure' in security)) logTlsRefusals(server, log);
      // The control port is never partitioned, whatever the policy file says, nor the device
      // holding the listen address shaped (sessions add the device toward each controller).
      if (!unix) {
        policy.protect({ ports: [bound] });
        const device = deviceHolding(host);
        if (device) policy.reach.protectDevices([device]);
      }
      const where = unix ? address : `${host}:${bound}`;
      log(`agent listening on ${where} (${'insecure' in security ? 'PLAIN TEXT' : 'mTLS'})`);
      return { host, port: unix ? 0 : bound }; // grpc-js reports 1 for a unix socket
    },
    activeFaults: () => table.count(),
    async close() {
      await shards.stopAll();
      await table.revertAll();
      for (const session of [...sessions.values()]) session.end();
      // tryShutdown waits for every connection to close, and a client may hold an idle one
      // open forever (or never finish its TLS handshake): past the grace period, close them.
      const graceMs = options.shutdownGraceMs ?? 2000;
      let timer: NodeJS.Timeout | undefined;
      const graceful = await Promise.race([
        new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!graceful) log(`shutdown: connections still open after ${graceMs} ms; closing them`);
      server.forceShutdown();
    },
  };
}

/**
 * Logs every refused TLS handshake (no client certificate, another CA) with the peer and the
 * reason: the client only sees a dropped connection. grpc-js keeps its HTTP/2 servers in a
 * private field; when a future version renames it, refusals simply go unlogged.
 */
const watched = new WeakSet<EventEmitter>();

function logTlsRefusals(server: grpc.Server, log: (message: string) => void): void {
  const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (!(servers instanceof Map)) return;
  for (const http2Server of servers.keys()) {
    if (watched.has(http2Server)) continue;
    watched.add(http2Server);
    // By the time the handshake has failed the socket is closed: note the peer when it connects.
    const peers = new WeakMap<object, string>();
    http2Server.on('connection', (socket: { remoteAddress?: string; remotePort?: number }) => {
      peers.set(socket, `${socket.remoteAddress}:${socket.remotePort}`);
    });
    http2Server.on('tlsClientError', (err: Error & { code?: string }, socket: { _parent?: object }) => {
      const peer = (socket._parent && peers.get(socket._parent)) ?? peers.get(socket) ?? 'an unknown peer';
      const reason =
        err.code === 'ECONNRESET'
          ? 'the client gave up the handshake (no certificate from this agent’s CA?)'
          : err.message.split(':').pop()?.trim() || err.message;
      log(`refused TLS connection from ${peer}: SQUALL_AGENT_AUTH_FAILED: ${err.code ?? 'TLS'}: ${reason}`);
    });
  }
}
