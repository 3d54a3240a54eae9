/**
 * Is the agent we reached the agent the experiment named? An agent certificate carries its own
 * name (a DNS subjectAltName, `squall certs init --agent edge-1`), so the controller checks the
 * certificate against the name under `agents:`, not against the address it dialled: a copied
 * configuration, a moved IP or a stolen agent key then fail loudly instead of injecting faults
 * into the wrong host. The name is also what the TLS client sends as SNI, so Node never gets an
 * IP address as servername (grpc-js's default; deprecation DEP0123).
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/** SNI sent when no name is expected (`squall agents ping` without `--name`). */
const ANY_AGENT_SERVERNAME = 'squall-agent';

/** A rejected agent identity; tls-diagnose and agent-client turn it into SQUALL_AGENT_AUTH_FAILED. */
export class AgentIdentityError extends Error {
  override readonly name = 'AgentIdentityError';
}

/** The certificate's names as the message shows them: CN, then its subjectAltNames. */
function describeCertificate(cert: PeerCertificate): string {
  const cn = cert.subject?.CN;
  const alt = (cert.subjectaltname ?? '')
    .split(', ')
    .filter(Boolean)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  const names = [...new Set([...(cn ? [Array.isArray(cn) ? cn[0]! : cn] : []), ...alt])];
  return names.length ? names.map((n) => `'${n}'`).join(', ') : '(no names)';
}

export interface IdentityCheck {
  /** The servername to send (SNI) and verify: the expected name, never an IP address. */
  readonly servername: string;
  /** For tls.connect's `checkServerIdentity` and grpc-js's `VerifyOptions`. */
  check(host: string, cert: PeerCertificate): Error | undefined;
  /** The names of the last certificate the agent presented (for ping's output). */
  presented(): string | undefined;
  /** The last mismatch, if the agent was refused for its name. */
  failure(): AgentIdentityError | undefined;
}

/**
 * `expected`: the agent's name under `agents:` (undefined: any agent certificate from our CA,
 * for `agents ping` without `--name`). The chain and the serverAuth purpose are checked by TLS
 * itself either way.
 */
export function agentIdentity(
  address: string,
  expected: string | undefined,
  /** The agent's name when it differs from the certificate name (a discovered agent). */
  agent: string | undefined = expected,
): IdentityCheck {
  let last: string | undefined;
  let failed: AgentIdentityError | undefined;
  return {
    servername: expected ?? ANY_AGENT_SERVERNAME,
    check(_host, cert) {
      last = describeCertificate(cert);
      if (expected === undefined) return undefined;
      if (checkServerIdentity(expected, cert) === undefined) return undefined;
      failed = new AgentIdentityError(
        agent === expected
          ? `agent '${expected}' at ${address}: the agent there presented a certificate for ${last}, not for '${expected}' ` +
              `(the address belongs to another agent, or that agent runs with another agent's certificate; ` +
              `each agent needs its own: squall certs init --agent ${expected})`
          : `agent '${agent}' at ${address} (found through agents.discover): the agent there presented a certificate for ${last}, not for '${expected}' ` +
              `(every agent behind that DNS name needs a certificate carrying it: ` +
              `squall certs init --agent ${expected.split('.')[0]} --host ${expected.split('.')[0]}=${expected})`,
      );
      return failed;
    },
    presented: () => last,
    failure: () => failed,
  };
}
