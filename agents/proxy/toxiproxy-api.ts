/**
 * Toxiproxy's HTTP API (v2: /version, /proxies, /populate, /reset, /proxies/{name}/toxics...)
 * over the built-in fault proxies, so `toxiproxy-node-client` and Toxiproxy's own CLI drive
 * them. Proxies created here join the same map the agent's proxy.* drivers resolve from.
 * `createToxiproxyApi` returns an unbound server; `listen` binds it. Requests pass api-guard.ts
 * first (loopback Host, JSON only, no browsers, a body cap), and a proxy created here listens
 * only where `checkListen` allows (the agent's policy: loopback by default).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { isLoopback } from '../../engine/core/addresses.js';
import type { ToxicSpec } from '../../engine/core/faults.js';
import { readCappedBody, refuseRequest } from './api-guard.js';
import { createFaultProxy, type FaultProxy } from './fault-proxy.js';
import { toxicTypes } from './toxics/catalog.js';

/** The Toxiproxy version this API mimics (reported by /version). */
const TOXIPROXY_API_VERSION = '2.9.0-squall';

const ProxyBody = z.object({
  name: z.string().regex(/^[\w.-]+$/),
  listen: z.string(),
  upstream: z.string(),
  enabled: z.boolean().default(true),
});
const ProxyUpdate = z.object({
  enabled: z.boolean().optional(),
  listen: z.string().optional(),
  upstream: z.string().optional(),
});
const ToxicBody = z.object({
  name: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  type: z.string(),
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  toxicity: z.number().min(0).max(1).default(1),
  attributes: z.record(z.string(), z.number()).default({}),
});
const ToxicUpdate = z.object({
  toxicity: z.number().min(0).max(1).optional(),
  attributes: z.record(z.string(), z.number()).optional(),
});

interface ApiToxic {
  name: string;
  type: ToxicSpec['type'];
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, number>;
  remove: () => Promise<void>;
}

interface ApiProxy {
  proxy: FaultProxy;
  toxics: Map<string, ApiToxic>;
  /** Removal of the `down` toxic that stands for `enabled: false`. */
  disabled?: () => Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ToxiproxyApi {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export function createToxiproxyApi(options: {
  /** Shared with the agent: proxies created through the API appear here, and the agent's appear in the API. */
  proxies: Map<string, FaultProxy>;
  log?: (message: string) => void;
  /**
   * Throws when a proxy may not listen on this address (the agent's policy, proxyApi.listen).
   * Default: loopback addresses only.
   */
  checkListen?: (listen: string) => void;
}): ToxiproxyApi {
  const log = options.log ?? (() => {});
  const state = new Map<string, ApiProxy>();
  const created = new Set<string>();

  const entry = (name: string): ApiProxy => {
    const proxy = options.proxies.get(name);
    if (!proxy) throw new ApiError(404, 'proxy not found');
    let e = state.get(name);
    if (!e || e.proxy !== proxy) {
      e = { proxy, toxics: new Map() };
      state.set(name, e);
    }
    return e;
  };
  const toxicJson = (t: ApiToxic) => ({
    name: t.name,
    type: t.type,
    stream: t.stream,
    toxicity: t.toxicity,
    attributes: t.attributes,
  });
  const proxyJson = (name: string) => {
    const e = entry(name);
    return {
      name,
      listen: e.proxy.listen,
      upstream: e.proxy.upstream,
      enabled: e.disabled === undefined,
      toxics: [...e.toxics.values()].map(toxicJson),
    };
  };

  const setEnabled = async (e: ApiProxy, enabled: boolean) => {
    if (enabled && e.disabled) {
      const remove = e.disabled;
      e.disabled = undefined;
      await remove();
    } else if (!enabled && !e.disabled) {
      e.disabled = e.proxy.addToxic({ type: 'down' }) as () => Promise<void>;
    }
  };

  const checkListen = options.checkListen ?? loopbackOnly;
  const createProxy = async (body: z.infer<typeof ProxyBody>) => {
    try {
      checkListen(body.listen);
    } catch (err) {
      throw new ApiError(403, (err as Error).message);
    }
    if (options.proxies.has(body.name)) throw new ApiError(409, 'proxy already exists');
    const proxy = createFaultProxy({ name: body.name, listen: body.listen, upstream: body.upstream, log });
    try {
      await proxy.start();
    } catch (err) {
      throw new ApiError(500, `listen ${body.listen}: ${(err as Error).message}`);
    }
    options.proxies.set(body.name, proxy);
    created.add(body.name);
    if (!body.enabled) await setEnabled(entry(body.name), false);
    return proxyJson(body.name);
  };

  const addToxic = (e: ApiProxy, body: z.infer<typeof ToxicBody>) => {
    if (!toxicTypes.has(body.type)) throw new ApiError(400, toxicTypes.unknownMessage(body.type));
    const name = body.name ?? `${body.type}_${body.stream}`;
    if (e.toxics.has(name)) throw new ApiError(409, 'toxic already exists');
    let remove: () => Promise<void>;
    try {
      remove = e.proxy.addToxic({
        type: body.type as ToxicSpec['type'],
        stream: body.stream,
        toxicity: body.toxicity,
        attributes: body.attributes,
      }) as () => Promise<void>;
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    const toxic: ApiToxic = {
      name,
      type: body.type as ToxicSpec['type'],
      stream: body.stream,
      toxicity: body.toxicity,
      attributes: body.attributes,
      remove,
    };
    e.toxics.set(name, toxic);
    return toxic;
  };

  const removeToxic = async (e: ApiProxy, name: string) => {
    const toxic = e.toxics.get(name);
    if (!toxic) throw new ApiError(404, 'toxic not found');
    await toxic.remove();
    e.toxics.delete(name);
  };

  /** One handler per route, as Toxiproxy's api.go does. */
  const route = async (method: string, parts: string[], body: unknown): Promise<[number, unknown]> => {
    const [root, proxyName, sub, toxicName] = parts;
    if (root === 'version' && parts.length === 1 && method === 'GET') return [200, TOXIPROXY_API_VERSION];
    if (root === 'reset' && parts.length === 1 && method === 'POST') {
      for (const name of options.proxies.keys()) {
        const e = entry(name);
        await setEnabled(e, true);
        for (const t of [...e.toxics.keys()]) await removeToxic(e, t);
      }
      return [204, undefined];
    }
    if (root === 'populate' && parts.length === 1 && method === 'POST') {
      const list = z.array(ProxyBody).parse(body);
      const out = [];
      for (const p of list) {
        const existing = options.proxies.get(p.name);
        if (existing && existing.listen === p.listen && existing.upstream === p.upstream)
          out.push(proxyJson(p.name));
        else {
          if (existing) await deleteProxy(p.name);
          out.push(await createProxy(p));
        }
      }
      return [201, { proxies: out }];
    }
    if (root !== 'proxies') throw new ApiError(404, 'not found');
    if (proxyName === undefined) {
      if (method === 'GET')
        return [200, Object.fromEntries([...options.proxies.keys()].map((n) => [n, proxyJson(n)]))];
      if (method === 'POST') return [201, await createProxy(ProxyBody.parse(body))];
      throw new ApiError(405, 'method not allowed');
    }
    const e = entry(proxyName);
    if (sub === undefined) {
      if (method === 'GET') return [200, proxyJson(proxyName)];
      if (method === 'POST' || method === 'PATCH') {
        const update = ProxyUpdate.parse(body);
        if (update.enabled !== undefined) await setEnabled(e, update.enabled);
        return [200, proxyJson(proxyName)];
      }
      if (method === 'DELETE') {
        await deleteProxy(proxyName);
        return [204, undefined];
      }
      throw new ApiError(405, 'method not allowed');
    }
    if (sub !== 'toxics') throw new ApiError(404, 'not found');
    if (toxicName === undefined) {
      if (method === 'GET') return [200, [...e.toxics.values()].map(toxicJson)];
      if (method === 'POST') return [200, toxicJson(addToxic(e, ToxicBody.parse(body)))];
      throw new ApiError(405, 'method not allowed');
    }
    const toxic = e.toxics.get(toxicName);
    if (!toxic) throw new ApiError(404, 'toxic not found');
    if (method === 'GET') return [200, toxicJson(toxic)];
    if (method === 'DELETE') {
      await removeToxic(e, toxicName);
      return [204, undefined];
    }
    if (method === 'POST' || method === 'PATCH') {
      const update = ToxicUpdate.parse(body);
      await removeToxic(e, toxicName);
      const next = addToxic(e, {
        name: toxicName,
        type: toxic.type,
        stream: toxic.stream,
        toxicity: update.toxicity ?? toxic.toxicity,
        attributes: { ...toxic.attributes, ...update.attributes },
      });
      return [200, toxicJson(next)];
    }
    throw new ApiError(405, 'method not allowed');
  };

  const deleteProxy = async (name: string) => {
    const e = entry(name);
    for (const t of [...e.toxics.keys()]) await removeToxic(e, t);
    if (e.disabled) await setEnabled(e, true);
    await e.proxy.stop();
    options.proxies.delete(name);
    state.delete(name);
    created.delete(name);
  };

  let boundPort = 0;
  const reply = (res: http.ServerResponse, status: number, payload: unknown, close = false) => {
    const headers: Record<string, string> = close ? { connection: 'close' } : {};
    if (status === 204 || payload === undefined) res.writeHead(status, headers).end();
    else if (typeof payload === 'string')
      res.writeHead(status, { ...headers, 'content-type': 'text/plain' }).end(payload);
    else
      res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(payload));
  };
  const server = http.createServer((req, res) => {
    const refusal = refuseRequest(req, boundPort);
    if (refusal) {
      log(`Toxiproxy API: refused ${req.method} ${req.url}: ${refusal.error}`);
      reply(res, refusal.status, refusal); // Node reads and drops the unread body
      return;
    }
    void readCappedBody(req).then(
      (text) => {
        if (text === undefined) {
          reply(res, 413, { error: 'request body too large', status: 413 });
          return;
        }
        const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
        void (async () => {
          let status: number;
          let payload: unknown;
          try {
            const body = text ? (JSON.parse(text) as unknown) : {};
            [status, payload] = await route(req.method ?? 'GET', parts, body);
          } catch (err) {
            status =
              err instanceof ApiError
                ? err.status
                : err instanceof z.ZodError || err instanceof SyntaxError
                  ? 400
                  : 500;
            payload = {
              error: err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message,
              status,
            };
          }
          reply(res, status, payload);
        })();
      },
      () => res.destroy(),
    );
  });

  return {
    async listen(host, port) {
      server.listen(port, host);
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      boundPort = address.port;
      log(`Toxiproxy API listening on ${host}:${address.port}`);
      return { host, port: address.port };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const name of [...created]) await deleteProxy(name).catch(() => {});
    },
  };
}

/** The default listen rule without a policy: loopback addresses only. */
function loopbackOnly(listen: string): void {
  if (!isLoopback(listen.slice(0, listen.lastIndexOf(':')))) {
    throw new Error(`listen address '${listen}' is not a loopback address`);
  }
}
