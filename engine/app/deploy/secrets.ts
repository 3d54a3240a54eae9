/**
 * The mTLS Secrets, from a `squall certs init` directory: one `kubernetes.io/tls` Secret per
 * role (fault agent, fleet shard, controller) holding its certificate, its key and the CA's
 * certificate, never the CA's key. Each certificate is checked before anything is written:
 * signed by that CA, matching its key, not expired, and carrying every name a controller will
 * check it against (a fleet pod is the agent `squall-fleet-<i>` of an experiment, so the
 * fleet certificate needs each of those names). A problem names the command that fixes it.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from 'kubernetes-models/v1/Secret';
import { SquallError } from '../../core/errors.js';
import { type Component, metadata, type RenderedFile } from './common.js';

/** Extended key usages `squall certs init` gives each role (agents/certs/certs.ts). */
const KEY_USAGE = { agent: '1.3.6.1.5.5.7.3.1', controller: '1.3.6.1.5.5.7.3.2' } as const;
const ROLE_USE = { agent: 'a server (agent)', controller: 'a client (controller)' } as const;

export interface WantedCert {
  component: Component;
  secretName: string;
  /** The certificate's file name in the certs directory, without `.pem`. */
  certName: string;
  role: 'agent' | 'controller';
  /** DNS names an agent certificate must carry (its own name first). */
  names: readonly string[];
}

/** `dir` is read; `label` is how messages and the fixing command name it (as the operator typed it). */
export function renderSecrets(
  namespace: string,
  certs: { dir: string; label: string },
  wanted: readonly WantedCert[],
  now = new Date(),
): RenderedFile {
  const { dir, label } = certs;
  const shown = (file: string) => join(label, file);
  const caFile = join(dir, 'ca.pem');
  const problems: string[] = [];
  if (!existsSync(caFile)) {
    throw new SquallError(
      'SQUALL_DEPLOY_INVALID',
      `${shown('ca.pem')}: no CA certificate; create the certificates first:\n  ${initCommand(label, wanted)}`,
    );
  }
  const caPem = readFileSync(caFile, 'utf8');
  const ca = parseCert(shown('ca.pem'), caPem);
  const secrets: Secret[] = [];
  for (const want of wanted) {
    const paths = { cert: join(dir, `${want.certName}.pem`), key: join(dir, `${want.certName}.key`) };
    const certFile = shown(`${want.certName}.pem`);
    const keyFile = shown(`${want.certName}.key`);
    if (!existsSync(paths.cert) || !existsSync(paths.key)) {
      problems.push(
        `${certFile}: missing (or its key); issue it with the same CA:\n  ${initCommand(label, [want])}`,
      );
      continue;
    }
    const certPem = readFileSync(paths.cert, 'utf8');
    const keyPem = readFileSync(paths.key, 'utf8');
    const cert = parseCert(certFile, certPem);
    const reissue = `remove ${certFile} and ${keyFile}, then:\n  ${initCommand(label, [want])}`;
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
      problems.push(`${certFile}: not signed by ${shown('ca.pem')}; ${reissue}`);
    } else if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      problems.push(`${keyFile}: not the key of ${certFile}; ${reissue}`);
    } else if (!cert.keyUsage?.includes(KEY_USAGE[want.role])) {
      problems.push(`${certFile}: not ${ROLE_USE[want.role]} certificate; ${reissue}`);
    } else if (new Date(cert.validTo) <= now) {
      problems.push(`${certFile}: expired on ${cert.validTo}; ${reissue}`);
    } else {
      const missing = want.names.filter((name) => cert.checkHost(name) === undefined);
      if (missing.length > 0) {
        problems.push(
          `${certFile}: does not carry ${missing.map((n) => `'${n}'`).join(', ')}, the name(s) controllers will check the ${want.component} pods against; ${reissue}`,
        );
      }
    }
    secrets.push(
      new Secret({
        metadata: metadata(want.secretName, namespace, want.component),
        type: 'kubernetes.io/tls',
        data: {
          'ca.crt': base64(caPem),
          'tls.crt': base64(certPem),
          'tls.key': base64(keyPem),
        },
      }),
    );
  }
  if (problems.length > 0) throw new SquallError('SQUALL_DEPLOY_INVALID', problems.join('\n'));
  return { file: 'secrets.yaml', objects: secrets, secret: true };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function parseCert(file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new SquallError(
      'SQUALL_DEPLOY_INVALID',
      `${file}: not a PEM certificate (${(err as Error).message})`,
    );
  }
}

/** The `squall certs init` that issues these certificates (the CA in `dir` is reused). */
function initCommand(dir: string, wanted: readonly WantedCert[]): string {
  const words = ['squall certs init --dir', dir];
  for (const want of wanted) {
    if (want.role === 'controller') words.push('--controller', want.certName);
    else {
      words.push('--agent', want.certName);
      for (const name of want.names.filter((n) => n !== want.certName))
        words.push('--host', `${want.certName}=${name}`);
    }
  }
  return words.join(' ');
}
