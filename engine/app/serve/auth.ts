/**
 * Who is asking, and may they. Without `--tokens` (loopback only) everyone is an operator named
 * after the local user. With tokens: `Authorization: Bearer <token>`, or the `squall_session`
 * cookie `POST /api/login` sets (HttpOnly, SameSite=Strict, Secure under TLS).
 *
 * Mutations are never open to other sites: a request whose `Origin` is not the server's own is
 * refused, and one not carried by a bearer header (a browser's: cookie, or the tokenless local
 * mode) must echo the session's CSRF value in `X-Squall-CSRF` — a header no cross-site form can
 * set. Tokenless, the Host must be a loopback name, so a DNS-rebinding page cannot pose as us.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isLoopback } from '../../core/addresses.js';
import { SquallError } from '../../core/errors.js';
import { findToken, type Role, type TokenEntry } from './tokens.js';

export interface Identity {
  user: string;
  role: Role;
  via: 'bearer' | 'cookie' | 'local';
  /** What a browser must echo in X-Squall-CSRF (none for bearer requests). */
  csrf?: string;
}

interface Session {
  entry: TokenEntry;
  csrf: string;
  expiresAtMs: number;
}

const SESSION_COOKIE = 'squall_session';
const CSRF_HEADER = 'x-squall-csrf';
const SESSION_MS = 12 * 3600_000;

export interface AuthOptions {
  /** Undefined: the tokenless loopback mode. */
  tokens?: readonly TokenEntry[];
  localUser: string;
  tls: boolean;
}

export interface Auth {
  readonly open: boolean;
  identify(request: FastifyRequest): Identity;
  /** A session for a valid token: the cookie's header value. */
  login(token: unknown): { cookie: string; identity: Identity };
  logout(request: FastifyRequest): string;
  /** Throws 403 unless this request may change something. */
  checkMutation(request: FastifyRequest, identity: Identity): void;
}

const unauthorized = (message: string) => new SquallError('SQUALL_SERVE_UNAUTHORIZED', message);
const forbidden = (message: string) => new SquallError('SQUALL_SERVE_FORBIDDEN', message);

export function createAuth(options: AuthOptions): Auth {
  const sessions = new Map<string, Session>();
  const localCsrf = randomBytes(24).toString('base64url');
  const cookieAttrs = `Path=/; HttpOnly; SameSite=Strict${options.tls ? '; Secure' : ''}`;

  const sessionOf = (request: FastifyRequest): Session | undefined => {
    const sid = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!sid) return undefined;
    const session = sessions.get(sid);
    if (!session) return undefined;
    if (session.expiresAtMs < Date.now()) {
      sessions.delete(sid);
      return undefined;
    }
    return session;
  };

  return {
    open: options.tokens === undefined,
    identify(request) {
      if (!options.tokens) {
        const host = hostOf(request.headers.host);
        if (!host || !isLoopback(host))
          throw forbidden(
            `Host '${request.headers.host ?? ''}' is not a loopback name; without --tokens the control room answers only to localhost / 127.0.0.1 / [::1]`,
          );
        return { user: options.localUser, role: 'operator', via: 'local', csrf: localCsrf };
      }
      const auth = request.headers.authorization;
      if (auth !== undefined) {
        const m = /^Bearer\s+(\S+)$/i.exec(auth);
        const entry = m ? findToken(options.tokens, m[1]!) : undefined;
        if (!entry)
          throw unauthorized(
            'the bearer token is not in this server\'s --tokens file (expected "Authorization: Bearer sq_…")',
          );
        return { user: entry.name, role: entry.role, via: 'bearer' };
      }
      const session = sessionOf(request);
      if (session)
        return { user: session.entry.name, role: session.entry.role, via: 'cookie', csrf: session.csrf };
      throw unauthorized(
        'sign in first: POST /api/login {"token": "…"}, or send "Authorization: Bearer <token>"',
      );
    },
    login(token) {
      if (!options.tokens)
        throw forbidden('this server runs without --tokens: there is nothing to sign in to');
      if (typeof token !== 'string' || token === '')
        throw new SquallError('SQUALL_SERVE_BAD_REQUEST', 'expected {"token": "<your token>"}');
      const entry = findToken(options.tokens, token);
      if (!entry) throw unauthorized("that token is not in this server's --tokens file");
      const sid = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      sessions.set(sid, { entry, csrf, expiresAtMs: Date.now() + SESSION_MS });
      return {
        cookie: `${SESSION_COOKIE}=${sid}; ${cookieAttrs}; Max-Age=${SESSION_MS / 1000}`,
        identity: { user: entry.name, role: entry.role, via: 'cookie', csrf },
      };
    },
    logout(request) {
      const sid = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (sid) sessions.delete(sid);
      return `${SESSION_COOKIE}=; ${cookieAttrs}; Max-Age=0`;
    },
    checkMutation(request, identity) {
      checkOrigin(request, options.tls);
      if (identity.via !== 'bearer') {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, identity.csrf ?? ''))
          throw forbidden(
            'this request changes something and needs the header X-Squall-CSRF with the "csrf" value from GET /api/session',
          );
      }
      if (identity.role !== 'operator')
        throw forbidden(
          `${identity.user} is a viewer; starting, aborting, pausing, resuming and notes need an operator token`,
        );
    },
  };
}

/** A request from another site is refused whatever it carries. */
export function checkOrigin(request: FastifyRequest, tls: boolean): void {
  const origin = request.headers.origin;
  const own = `${tls ? 'https' : 'http'}://${request.headers.host ?? ''}`;
  if (origin !== undefined && origin !== own)
    throw forbidden(`cross-origin request refused: Origin ${origin} is not this server (${own})`);
  if (request.headers['sec-fetch-site'] === 'cross-site')
    throw forbidden('cross-site request refused (Sec-Fetch-Site: cross-site)');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && y.length > 0 && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header);
  return m?.[1];
}
