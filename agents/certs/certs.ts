/**
 * `squall certs init`: a private CA and certificates signed by it, each with one role —
 * the controller's is a client certificate only (extendedKeyUsage clientAuth), an agent's is a
 * server certificate only (serverAuth) carrying that agent's own names (its name as a DNS
 * subjectAltName, plus the addresses given for it). A stolen agent key therefore cannot act as
 * a controller (TLS refuses it as a client), nor pass for another agent (the controller checks
 * the name). Built with node-forge; RSA keys come from Node's own crypto. Keys end 0600 and
 * certificates 0644, whatever was there before (cert-files.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { SquallError } from '../../engine/core/errors.js';

/** Agent and controller names: one DNS-label-like word (it becomes a file name and a SAN). */
const CERT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** An extra agent name: an IP address or a DNS name of such labels. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*$/;

/** The controller name `certs init` issues by default, and agents accept by default. */
export const DEFAULT_CONTROLLER_NAME = 'squall-controller';

export function checkCertName(what: string, name: string): void {
  if (!CERT_NAME.test(name)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `${what} ${JSON.stringify(name)} is not a valid certificate name: expected 1-63 letters, digits, - and _ (starting and ending with a letter or digit), such as edge-1`,
    );
  }
}

export function checkHostName(agent: string, host: string): void {
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--host for agent '${agent}': ${JSON.stringify(host)} is neither an IP address nor a DNS name`,
    );
  }
}

export interface Pem {
  cert: string;
  key: string;
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

function newKeyPair(bits: number): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function baseCert(publicKey: forge.pki.PublicKey, cn: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: a leading 0x00..0x7f byte.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: 'Squall' },
  ]);
  return cert;
}

/** Creates a CA; returns its PEMs. */
export function createCa(cn = 'Squall CA', days = 3650, bits = 2048): Pem {
  const keys = newKeyPair(bits);
  const cert = baseCert(keys.publicKey, cn, days);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

export interface IssueOptions {
  cn: string;
  /** `server`: an agent (serverAuth only); `client`: a controller (clientAuth only). */
  role: 'server' | 'client';
  /** Extra subjectAltNames of a server certificate, besides its `cn` (IPs and DNS names). */
  hosts?: string[];
  days?: number;
  bits?: number;
}

/** Issues a leaf certificate signed by the CA, usable in its role only. */
export function issueCert(ca: Pem, options: IssueOptions): Pem {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = newKeyPair(options.bits ?? 2048);
  const cert = baseCert(keys.publicKey, options.cn, options.days ?? 825);
  cert.setIssuer(caCert.subject.attributes);
  const server = options.role === 'server';
  const extensions: unknown[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // Only one purpose each: OpenSSL refuses a certificate presented for a purpose it lacks
    // ("unsupported certificate purpose"), on either side of the handshake.
    { name: 'extKeyUsage', serverAuth: server, clientAuth: !server },
    { name: 'subjectKeyIdentifier' },
  ];
  if (server) {
    const names = [...new Set([options.cn, ...(options.hosts ?? [])])];
    const altNames = names.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
    extensions.push({ name: 'subjectAltName', altNames });
  }
  cert.setExtensions(extensions as Parameters<typeof cert.setExtensions>[0]);
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}
