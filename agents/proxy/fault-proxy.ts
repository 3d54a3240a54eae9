/**
 * A TCP fault proxy with Toxiproxy's semantics: it listens, connects each client to the
 * upstream, and runs the bytes of each direction through the toxics currently added
 * (`toxic.ts`). `createFaultProxy` returns an unbound proxy; `start()` listens (port 0 allowed).
 */
import { once } from 'node:events';
import net from 'node:net';
import { z } from 'zod';
import type { ProxyHandle, ToxicSpec } from '../../engine/core/faults.js';
import { type ActiveStreamToxic, ProxyConnection } from './connection.js';
import type { ProxyControl, StreamDirection } from './toxic.js';
import { toxicTypes } from './toxics/catalog.js';

export interface FaultProxyOptions {
  name: string;
  /** `host:port` to listen on; port 0 picks a free one (see `listen` after `start`). */
  listen: string;
  /** `host:port` every connection is forwarded to. */
  upstream: string;
  /** How an operator removes a toxic by hand; defaults to stopping this process. */
  controlHint?: string;
  log?: (message: string) => void;
}

/** A toxic as listed by the proxy, in Toxiproxy's shape (its HTTP API, toxiproxy-api.ts, serves it). */
export interface ToxicInfo {
  name: string;
  type: ToxicSpec['type'];
  stream: StreamDirection;
  toxicity: number;
  attributes: unknown;
}

export interface FaultProxy extends ProxyHandle {
  /** Listens; resolves with the address actually bound. */
  start(): Promise<{ host: string; port: number }>;
  /** Stops listening and closes every connection; resolves when all sockets are closed. */
  stop(): Promise<void>;
  addToxic(toxic: ToxicSpec): () => Promise<void>;
  toxics(): ToxicInfo[];
  /** Open proxied connections (tests, status output). */
  connectionCount(): number;
  /** False while a `down` toxic is active. */
  readonly enabled: boolean;
}

function parseHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`expected 'host:port', got '${text}'`);
  }
  return { host: text.slice(0, i), port };
}

const ToxicFields = z.strictObject({
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  toxicity: z.number().min(0).max(1).default(1),
});

export function createFaultProxy(options: FaultProxyOptions): FaultProxy {
  const log = options.log ?? (() => {});
  const listenAt = parseHostPort(options.listen);
  const upstreamAt = parseHostPort(options.upstream);
  const connections = new Set<ProxyConnection>();
  const streamToxics: ActiveStreamToxic[] = [];
  const proxyToxics: ToxicInfo[] = [];
  let server: net.Server | undefined;
  let bound: { host: string; port: number } | undefined;
  let disabledCount = 0;
  let stopped = false;
  let nextToxicId = 1;

  const onConnection = (client: net.Socket) => {
    client.setNoDelay(true);
    const upstream = net.connect({ ...upstreamAt, allowHalfOpen: true, noDelay: true });
    const connection = new ProxyConnection(client, upstream, streamToxics);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  };

  const listen = async (at: { host: string; port: number }) => {
    const s = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    s.listen(at.port, at.host);
    await once(s, 'listening');
    s.on('error', (err) => log(`proxy '${options.name}': ${err.message}`));
    server = s;
    const address = s.address() as net.AddressInfo;
    bound = { host: at.host, port: address.port };
  };

  const closeServer = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    const open = [...connections];
    for (const c of open) c.destroy();
    await Promise.all([closed, ...open.map((c) => c.closed)]);
  };

  const control: ProxyControl = {
    disable() {
      disabledCount++;
      if (disabledCount === 1) {
        log(`proxy '${options.name}' down: closing ${connections.size} connection(s), refusing new ones`);
        void closeServer();
      }
    },
    async enable() {
      if (disabledCount === 0) return;
      disabledCount--;
      if (disabledCount > 0 || stopped || !bound) return;
      try {
        await listen(bound);
        log(`proxy '${options.name}' up again on ${bound.host}:${bound.port}`);
      } catch (err) {
        disabledCount++;
        throw new Error(
          `proxy '${options.name}' could not listen again on ${bound.host}:${bound.port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    },
  };

  const uniqueName = (base: string) =>
    [...streamToxics, ...proxyToxics].some((t) => t.name === base) ? `${base}_${nextToxicId}` : base;

  const proxy: FaultProxy = {
    name: options.name,
    upstream: options.upstream,
    get listen() {
      return bound ? `${bound.host}:${bound.port}` : options.listen;
    },
    get controlHint() {
      return (
        options.controlHint ??
        `kill ${process.pid}  # proxy '${options.name}' (${proxy.listen} -> ${options.upstream}) lives in this squall process; its toxics end with it`
      );
    },
    get enabled() {
      return disabledCount === 0;
    },

    async start() {
      if (stopped) throw new Error(`proxy '${options.name}' was stopped; create a new one`);
      if (!server) await listen(bound ?? listenAt);
      return { ...bound! };
    },

    async stop() {
      stopped = true;
      await closeServer();
    },

    addToxic(spec) {
      const type = toxicTypes.get(spec.type);
      if (!type) throw new Error(toxicTypes.unknownMessage(spec.type));
      const parsed = type.attributes.safeParse(spec.attributes ?? {});
      if (!parsed.success) {
        throw new Error(`toxic '${spec.type}': invalid attributes: ${z.prettifyError(parsed.error)}`);
      }
      const fields = ToxicFields.parse({ stream: spec.stream, toxicity: spec.toxicity });
      const id = nextToxicId++;

      if (type.scope === 'proxy') {
        const info: ToxicInfo = {
          name: uniqueName(type.name),
          type: type.name,
          ...fields,
          attributes: parsed.data,
        };
        const removal = type.apply(parsed.data, control);
        proxyToxics.push(info);
        let removed = false;
        return async () => {
          if (removed) return;
          await removal();
          removed = true;
          proxyToxics.splice(proxyToxics.indexOf(info), 1);
        };
      }

      const toxic: ActiveStreamToxic = {
        id,
        name: uniqueName(`${type.name}_${fields.stream}`),
        type,
        attributes: parsed.data,
        ...fields,
      };
      streamToxics.push(toxic);
      for (const c of connections) c.addToxic(toxic);
      log(`proxy '${options.name}': added ${toxic.name} ${JSON.stringify(parsed.data)}`);
      return async () => {
        const i = streamToxics.indexOf(toxic);
        if (i === -1) return;
        streamToxics.splice(i, 1);
        for (const c of connections) c.removeToxic(id);
        log(`proxy '${options.name}': removed ${toxic.name}`);
      };
    },

    toxics() {
      return [
        ...proxyToxics,
        ...streamToxics.map(({ name, type, stream, toxicity, attributes }) => ({
          name,
          type: type.name,
          stream,
          toxicity,
          attributes,
        })),
      ];
    },

    connectionCount() {
      return connections.size;
    },
  };
  return proxy;
}
