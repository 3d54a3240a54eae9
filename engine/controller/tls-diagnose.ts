/**
 * Why a TLS connection to an agent failed. grpc-js often reports a refused client certificate
 * only as "Failed to connect" (with TLS 1.3 the server's alert arrives after the client thinks
 * the handshake is done), which reads like an unreachable agent. A plain TLS handshake with the
 * same material tells the two apart and names the alert (`unknown ca`, `certificate required`).
 */
import tls from 'node:tls';
import { AgentIdentityError, type IdentityCheck } from './agent-identity.js';

/** How long to wait for a late TLS 1.3 alert after the handshake looked fine. */
const ALERT_WAIT_MS = 300;

/**
 * The TLS failure message (or the agent's identity mismatch), or undefined when TLS itself
 * works (or TCP does not connect at all). `identity` checks the agent's name, as the client does.
 */
export function diagnoseTls(
  address: string,
  material: { ca: Buffer; cert: Buffer; key: Buffer },
  identity: IdentityCheck,
  timeoutMs = 3000,
): Promise<string | AgentIdentityError | undefined> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve) => {
    let tcpConnected = false;
    const socket = tls.connect({
      host,
      port,
      ...material,
      servername: identity.servername,
      checkServerIdentity: identity.check,
      ALPNProtocols: ['h2'],
    });
    const done = (result: string | AgentIdentityError | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    socket.once('secureConnect', () => {
      setTimeout(() => done(undefined), ALERT_WAIT_MS);
      socket.resume();
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err instanceof AgentIdentityError ? err : tcpConnected ? err.message : undefined),
    );
    // A healthy agent keeps the connection (HTTP/2 waits for our preface); one that rejected our
    // certificate closes it right after the handshake, often without an alert Node can show.
    socket.once('close', () =>
      done(
        tcpConnected
          ? 'the agent closed the connection during or right after the TLS handshake (it rejected our client certificate)'
          : undefined,
      ),
    );
  });
}

/** True when something at `address` completes a TLS handshake (a plain-text client met a TLS agent). */
export function speaksTls(address: string, timeoutMs = 2000): Promise<boolean> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(address.slice(i + 1)),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}
