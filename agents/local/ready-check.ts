/**
 * Ready checks of managed processes (`ready: { tcp } | { http } | { delay }`). A tcp or http
 * check proves something only if the address was silent before the process was started: an
 * old process still holding the port (a leftover of a killed agent or runner, a stopped one
 * whose kernel still accepts connections) would pass it for the new one. So `start` first asks
 * `answeringBefore`, and names whoever holds the port.
 */
import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { shellQuote } from '../../engine/core/escape.js';
import { acceptsConnections } from '../../engine/core/ports.js';
import { waitUntil } from '../../engine/core/wait.js';
import type { ManagedProcessSpec } from '../../engine/spec/schema.js';
import { tcpListenerOf } from './port-holder.js';

type ReadyCheck = NonNullable<z.output<typeof ManagedProcessSpec>['ready']>;

const READY_POLL_MS = 50;

/** Resolves undefined when ready, or a description of what did not become ready. */
export async function waitReady(
  ready: ReadyCheck | undefined,
  defaultTimeoutMs: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!ready) return undefined;
  if ('delay' in ready) {
    await delay(ready.delay);
    return undefined;
  }
  const timeoutMs = ready.timeout ?? defaultTimeoutMs;
  const probe = 'tcp' in ready ? () => tcpAccepts(ready.tcp) : () => httpAnswers(ready.http);
  if (await waitUntil(probe, { timeoutMs, intervalMs: READY_POLL_MS, signal })) return undefined;
  return `did not become ready (${'tcp' in ready ? `tcp ${ready.tcp}` : `http ${ready.http}`}) within ${timeoutMs}ms`;
}

/**
 * Before a process starts: undefined when its ready address is silent, else why its ready check
 * could not be trusted (the address already accepts connections, and which process holds it).
 */
export async function answeringBefore(ready: ReadyCheck | undefined): Promise<string | undefined> {
  if (!ready || 'delay' in ready) return undefined;
  const { host, port } = 'tcp' in ready ? splitHostPort(ready.tcp) : urlHostPort(ready.http);
  if (!(await tcpAccepts(`${host}:${port}`))) return undefined;
  const holder = tcpListenerOf(port);
  return `${host}:${port} already accepts connections before it was started (${
    holder ? `held by pid ${holder.pid}: ${shellQuote(holder.argv)}` : 'by a process this host cannot name'
  }), so its ready check would pass against that process`;
}

function splitHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}

function urlHostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
  };
}

function tcpAccepts(hostPort: string): Promise<boolean> {
  const { host, port } = splitHostPort(hostPort);
  return acceptsConnections(host, port);
}

/** Ready when the URL answers 2xx or 3xx; a fresh connection each time (agent: false) so nothing lingers. */
function httpAnswers(url: string): Promise<boolean> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((done) => {
    const req = client.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => done(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
