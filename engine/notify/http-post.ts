/**
 * One HTTP POST for a receiver, and what its answer means for a retry: 2xx delivered; 408, 425,
 * 429 and 5xx, a refused or reset connection and a timeout are worth another attempt (a 429's
 * or 503's Retry-After is kept); any other status is the receiver refusing the payload, and
 * sending it again would be refused again. Redirects are not followed (a webhook that moved
 * is a config to fix). Messages name the receiver's host, never its URL: a Slack webhook's path
 * is its secret.
 */
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { excerpt } from '../core/escape.js';
import { hasSecretRef } from '../spec/secret-refs.js';
import type { SendResult, Transport } from './receiver.js';

const MAX_ERROR_BODY = 300;

/** An http(s) URL, or a secret reference that will hold one (checked again once resolved). */
export const ReceiverUrl = z
  .string()
  .refine((text) => hasSecretRef(text) || isHttpUrl(text), {
    // The value is not quoted: a resolved URL is a secret.
    error: `expected an http(s) URL, or a secret reference such as \${env:SLACK_WEBHOOK_URL}`,
  })
  .meta({ description: `an http(s) URL; may be a secret reference, \${env:NAME} or \${file:PATH}` });

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface HttpTarget {
  url: URL;
  agent: http.Agent;
  timeoutMs: number;
}

/** A keep-alive agent per receiver, so a burst of alerts reuses its connections. */
export function httpTarget(urlText: string, transport: Transport): HttpTarget {
  const url = new URL(urlText);
  const Agent = url.protocol === 'https:' ? https.Agent : http.Agent;
  return {
    url,
    agent: new Agent({ keepAlive: true, maxSockets: transport.concurrency }),
    timeoutMs: transport.timeoutMs,
  };
}

export function postJson(
  target: HttpTarget,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  url: URL = target.url,
): Promise<SendResult> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (!settled) resolve(result);
      settled = true;
    };
    const req = send(url, {
      method: 'POST',
      agent: target.agent,
      signal,
      timeout: target.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'squall',
        ...headers,
      },
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, retryable: true, error: `${url.host}: ${err.code ?? err.message}` }),
    );
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_ERROR_BODY) text += chunk;
      });
      res.on('error', () => {});
      res.on('end', () => done(classify(url, res.statusCode ?? 0, res.headers['retry-after'], text)));
    });
    req.end(body);
  });
}

function classify(url: URL, status: number, retryAfter: string | undefined, body: string): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  const said = body.trim() ? `: ${excerpt(body.trim().replace(/\s+/g, ' '), 120)}` : '';
  const error = `${url.host} answered HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}${said}`;
  const retryAfterMs = parseRetryAfter(retryAfter);
  return retryAfterMs === undefined
    ? { ok: false, retryable, error }
    : { ok: false, retryable, error, retryAfterMs };
}

/** `Retry-After: 3` or an HTTP date, in ms from now. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
