/**
 * `squall certs init`: a private CA and certificates signed by it for the controller (client
 * auth) and agents (server auth, with the addresses they listen on as subjectAltNames), built
 * with node-forge; RSA keys come from Node's own crypto. Keys are written 0600.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';
import { SquallError } from '../../engine/errors.js';

export interface CertsInitOptions {
  dir: string;
  /** Agent certificates to issue, by name; each gets `<name>.pem` and `<name>.key`. */
  agents?: string[];
  /** Hosts and IPs every agent certificate is valid for, besides localhost/127.0.0.1/::1. */
  hosts?: string[];
  /** CN of the controller certificate (agent policies may allow-list it). */
  controllerName?: string;
  days?: number;
  /** Replace existing files; otherwise an existing CA is reused and refuses to be overwritten. */
  force?: boolean;
  /** RSA key size; 2048 by default. */
  keyBits?: number;
}

export interface CertsInitResult {
  ca: { cert: string; key: string };
  controller: { cert: string; key: string };
  agents: Record<string, { cert: string; key: string }>;
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
export function createCa(cn = 'Squall CA', days = 3650, bits = 2048): { cert: string; key: string } {
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

/** Issues a leaf certificate signed by the CA: `server` for agents, `client` for controllers. */
export function issueCert(
  ca: { cert: string; key: string },
  options: { cn: string; role: 'server' | 'client'; hosts?: string[]; days?: number; bits?: number },
): { cert: string; key: string } {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = newKeyPair(options.bits ?? 2048);
  const cert = baseCert(keys.publicKey, options.cn, options.days ?? 825);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [...new Set(['localhost', '127.0.0.1', '::1', ...(options.hosts ?? [])])].map((h) =>
    isIP(h) ? { type: 7, ip: h } : { type: 2, value: h },
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: options.role === 'server', clientAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** Writes a CA (reused when present), a controller certificate and agent certificates into `dir`. */
export function initCerts(options: CertsInitOptions): CertsInitResult {
  const { dir } = options;
  const days = options.days ?? 825;
  const bits = options.keyBits ?? 2048;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string) => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) });
  const write = (name: string, pem: { cert: string; key: string }) => {
    const p = path(name);
    if (!options.force && (existsSync(p.cert) || existsSync(p.key))) {
      throw new SquallError('SQUALL_USAGE', `${p.cert} already exists; pass --force to replace it`);
    }
    writeFileSync(p.cert, pem.cert, { mode: 0o644 });
    writeFileSync(p.key, pem.key, { mode: 0o600 });
    return p;
  };

  const caPath = path('ca');
  let ca: { cert: string; key: string };
  if (existsSync(caPath.cert) && existsSync(caPath.key) && !options.force) {
    ca = { cert: readFileSync(caPath.cert, 'utf8'), key: readFileSync(caPath.key, 'utf8') };
  } else {
    // A name of its own, so a certificate from another Squall CA is "unknown CA", not a bad signature.
    ca = createCa(`Squall CA ${randomBytes(4).toString('hex')}`, 3650, bits);
    writeFileSync(caPath.cert, ca.cert, { mode: 0o644 });
    writeFileSync(caPath.key, ca.key, { mode: 0o600 });
  }
  const controllerName = options.controllerName ?? 'squall-controller';
  const controller = write(controllerName, issueCert(ca, { cn: controllerName, role: 'client', days, bits }));
  const agents: Record<string, { cert: string; key: string }> = {};
  for (const name of options.agents ?? ['agent']) {
    agents[name] = write(
      name,
      issueCert(ca, { cn: name, role: 'server', hosts: options.hosts ?? [], days, bits }),
    );
  }
  return { ca: caPath, controller, agents };
}
