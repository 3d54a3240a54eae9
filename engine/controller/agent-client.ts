/**
 * Talking to one agent without a session: channel credentials (mTLS, or plain text on
 * loopback only), Hello with one clock sample, and — when a TLS connection fails — finding out
 * whether the agent was unreachable or refused our certificate.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { AgentClient } from '../../agents/proto/generated/squall/agent/v1/Agent.js';
import type { AgentInfo__Output } from '../../agents/proto/generated/squall/agent/v1/AgentInfo.js';
import { fromGrpcError } from '../../agents/proto/grpc-status.js';
import { agentService } from '../../agents/proto/load.js';
import { SquallError } from '../core/errors.js';
import { SQUALL_VERSION } from '../core/version.js';
import { AgentIdentityError, agentIdentity, type IdentityCheck } from './agent-identity.js';
import { type ClockSample, roundTripSample } from './clock-estimate.js';
import { diagnoseTls, speaksTls } from './tls-diagnose.js';

/** An experiment's `agents.<name>` entry. */
export interface AgentAddressSpec {
  address: string;
  tls?: { ca: string; cert: string; key: string } | undefined;
  insecure?: boolean | undefined;
  /** The name the agent's certificate must carry; default the agent's own name (discovery: its DNS name). */
  certName?: string | undefined;
}

/** The identity check for agent `name` at `spec`: its certificate must carry `spec.certName ?? name`. */
export const identityFor = (name: string, spec: AgentAddressSpec): IdentityCheck =>
  agentIdentity(spec.address, spec.certName ?? name, name);

export type { ClockSample } from './clock-estimate.js';

/** `unix:/path` (a local socket; plain text is allowed there) or `host:port`. */
const isUnixAddress = (address: string) => address.startsWith('unix:');

export function clientCredentials(
  name: string,
  spec: AgentAddressSpec,
  baseDir: string,
  identity: IdentityCheck = identityFor(name, spec),
): grpc.ChannelCredentials {
  const host = spec.address.slice(0, spec.address.lastIndexOf(':'));
  if (spec.insecure) {
    if (!isUnixAddress(spec.address) && !/^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/.test(host)) {
      throw new SquallError(
        'SQUALL_AGENT_INSECURE',
        `agent '${name}': insecure (plain text) is only allowed for loopback addresses or a unix: socket, not ${spec.address}`,
      );
    }
    return grpc.credentials.createInsecure();
  }
  if (!spec.tls) {
    throw new SquallError(
      'SQUALL_AGENT_INSECURE',
      `agent '${name}' at ${spec.address} has no tls {ca, cert, key}; create them with 'squall certs init' (plain text needs insecure: true and a loopback address)`,
    );
  }
  const read = (what: string, path: string) => {
    const full = isAbsolute(path) ? path : resolve(baseDir, path);
    try {
      return readFileSync(full);
    } catch (err) {
      throw new SquallError(
        'SQUALL_TLS_CONFIG_INVALID',
        `agent '${name}': TLS ${what} ${full}: ${(err as Error).message}`,
      );
    }
  };
  return grpc.credentials.createSsl(
    read('CA', spec.tls.ca),
    read('key', spec.tls.key),
    read('certificate', spec.tls.cert),
    { checkServerIdentity: identity.check },
  );
}

/** Says Hello to an agent: its info and one clock sample; `statfsPaths` asks for those filesystems' sizes. */
export async function helloAgent(
  client: AgentClient,
  name: string,
  timeoutMs: number,
  statfsPaths: readonly string[] = [],
): Promise<{ info: AgentInfo__Output; sample: ClockSample }> {
  const sentMs = Date.now();
  const info = await new Promise<AgentInfo__Output>((ok, fail) =>
    client.Hello(
      {
        controller: `squall ${SQUALL_VERSION} on ${hostname()}`,
        controller_time_ms: sentMs,
        statfs_paths: [...statfsPaths],
      },
      { deadline: Date.now() + timeoutMs },
      (err, value) => (err ? fail(fromGrpcError(err, name)) : ok(value!)),
    ),
  );
  return { info, sample: roundTripSample(sentMs, info.agent_time_ms, Date.now()) };
}

/**
 * A client for the agent `name` at `spec.address`. Its certificate must carry `expectName`
 * (by default `name`, the agent's key under `agents:`); the name, not the address, is what
 * TLS sends and verifies (`grpc.ssl_target_name_override`), so an IP address never becomes the
 * TLS servername (Node's DEP0123).
 */
export function newAgentClient(
  name: string,
  spec: AgentAddressSpec,
  baseDir: string,
  identity: IdentityCheck = identityFor(name, spec),
): AgentClient {
  const Agent = agentService();
  return new Agent(spec.address, clientCredentials(name, spec, baseDir, identity), {
    // Fail a broken agent fast instead of retrying for minutes.
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1000,
    ...(spec.tls ? { 'grpc.ssl_target_name_override': identity.servername } : {}),
  });
}

/** An "unreachable" agent over TLS may really have refused our certificate: find out which. */
export async function explainTlsFailure(
  name: string,
  spec: AgentAddressSpec,
  baseDir: string,
  err: unknown,
  identity: IdentityCheck = identityFor(name, spec),
): Promise<unknown> {
  const mismatch = identity.failure();
  if (mismatch) return new SquallError('SQUALL_AGENT_AUTH_FAILED', mismatch.message, { cause: err });
  if (!(err instanceof SquallError) || err.code !== 'SQUALL_AGENT_UNREACHABLE') return err;
  if (isUnixAddress(spec.address)) return err; // the diagnosis below dials host:port
  if (!spec.tls) {
    if (!spec.insecure || !(await speaksTls(spec.address))) return err;
    return new SquallError(
      'SQUALL_AGENT_AUTH_FAILED',
      `agent '${name}' at ${spec.address} speaks TLS, but this controller was told to use plain text (insecure); give it tls {ca, cert, key} instead`,
      { cause: err },
    );
  }
  const full = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  let reason: string | AgentIdentityError | undefined;
  try {
    reason = await diagnoseTls(
      spec.address,
      {
        ca: readFileSync(full(spec.tls.ca)),
        cert: readFileSync(full(spec.tls.cert)),
        key: readFileSync(full(spec.tls.key)),
      },
      identity,
    );
  } catch {
    return err;
  }
  if (reason === undefined) return err;
  if (reason instanceof AgentIdentityError) {
    return new SquallError('SQUALL_AGENT_AUTH_FAILED', reason.message, { cause: err });
  }
  return new SquallError(
    'SQUALL_AGENT_AUTH_FAILED',
    `agent '${name}' at ${spec.address} and this controller did not accept each other's certificates: ${reason} (are both signed by the same CA? see 'squall certs init')`,
    { cause: err },
  );
}
