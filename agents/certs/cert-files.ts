/**
 * Writing `squall certs init`'s files: a CA (reused when both its files are present), one
 * controller certificate and one per agent, in one directory. Every name is checked before
 * anything is written (a name is a file name: `../x` must not escape the directory), every
 * refusal to overwrite is found before anything is written, and each file is written to a
 * temporary file with its final mode and renamed into place — so a key ends 0600 and a
 * certificate 0644 even when `--force` replaces a file that had other permissions.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SquallError } from '../../engine/core/errors.js';
import {
  checkCertName,
  checkHostName,
  createCa,
  DEFAULT_CONTROLLER_NAME,
  issueCert,
  type Pem,
} from './certs.js';

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

export interface CertsInitOptions {
  dir: string;
  /** Agent certificates to issue, by name; each gets `<name>.pem` and `<name>.key`. Default `agent`. */
  agents?: string[];
  /** Extra names (IPs, DNS names) per agent, besides the agent's own name: `{ 'edge-1': ['10.0.0.5'] }`. */
  hosts?: Record<string, string[]>;
  /** CN of the controller certificate (agents accept `squall-controller` unless their policy says otherwise). */
  controllerName?: string;
  days?: number;
  /** Replace existing files (and the CA); otherwise an existing CA is reused and nothing is overwritten. */
  force?: boolean;
  /** RSA key size; 2048 by default. */
  keyBits?: number;
}

export interface IssuedFiles {
  role: 'CA' | 'controller' | 'agent';
  name: string;
  cert: string;
  key: string;
  /** The names an agent certificate is valid for (its subjectAltNames); empty for the others. */
  names: string[];
  status: 'created' | 'replaced' | 'reused';
  /** Something the operator should know (a reused key whose mode was tightened). */
  note?: string;
}

export interface CertsInitResult {
  ca: { cert: string; key: string };
  controller: { cert: string; key: string };
  agents: Record<string, { cert: string; key: string }>;
  /** Every certificate, in the order written, for the command's table. */
  files: IssuedFiles[];
}

/** Writes `data` to `path` with exactly `mode`, atomically (temporary file + rename). */
function writeFileWithMode(path: string, data: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    chmodSync(tmp, mode); // the umask may have taken bits away; the mode is the contract
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

export function initCerts(options: CertsInitOptions): CertsInitResult {
  const { dir } = options;
  const days = options.days ?? 825;
  const bits = options.keyBits ?? 2048;
  const controllerName = options.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const agentNames = options.agents ?? ['agent'];
  const hosts = options.hosts ?? {};

  checkCertName('--controller', controllerName);
  for (const name of agentNames) checkCertName('--agent', name);
  const taken = new Set(['ca']);
  for (const name of [controllerName, ...agentNames]) {
    if (taken.has(name)) {
      throw new SquallError(
        'SQUALL_USAGE',
        `the name '${name}' is used twice (certificate names are file names: 'ca', the controller and each agent need their own)`,
      );
    }
    taken.add(name);
  }
  for (const [agent, list] of Object.entries(hosts)) {
    if (!agentNames.includes(agent)) {
      throw new SquallError(
        'SQUALL_USAGE',
        `--host ${agent}=...: '${agent}' is not an agent being issued (--agent ${agentNames.join(', --agent ')})`,
      );
    }
    for (const host of list) checkHostName(agent, host);
  }

  const path = (name: string) => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) });
  const caPath = path('ca');
  const caPresent = [existsSync(caPath.cert), existsSync(caPath.key)];
  const reuseCa = !options.force && caPresent[0] === true && caPresent[1] === true;
  // Adding an agent later keeps the CA and the controller's certificate the agents already trust.
  const controllerPath = path(controllerName);
  const reuseController = reuseCa && existsSync(controllerPath.cert) && existsSync(controllerPath.key);
  if (!options.force) {
    const existing = [...(reuseController ? [] : [controllerName]), ...agentNames]
      .flatMap((n) => [path(n).cert, path(n).key])
      .filter((p) => existsSync(p));
    if (!reuseCa && caPresent.some(Boolean)) existing.unshift(caPresent[0] ? caPath.cert : caPath.key);
    if (existing.length > 0) {
      throw new SquallError(
        'SQUALL_USAGE',
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace ${existing.length === 1 ? 'it' : 'them'}`,
      );
    }
  }

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: IssuedFiles[] = [];
  const write = (role: IssuedFiles['role'], name: string, pem: Pem, names: string[]) => {
    const p = path(name);
    const status = existsSync(p.cert) || existsSync(p.key) ? 'replaced' : 'created';
    writeFileWithMode(p.key, pem.key, KEY_MODE);
    writeFileWithMode(p.cert, pem.cert, CERT_MODE);
    files.push({ role, name, ...p, names, status });
    return p;
  };

  let ca: Pem;
  if (reuseCa) {
    ca = { cert: readFileSync(caPath.cert, 'utf8'), key: readFileSync(caPath.key, 'utf8') };
    const was = modeOf(caPath.key);
    const reused: IssuedFiles = { role: 'CA', name: 'ca', ...caPath, names: [], status: 'reused' };
    if (was !== KEY_MODE) {
      chmodSync(caPath.key, KEY_MODE);
      reused.note = `${caPath.key} was mode ${was.toString(8).padStart(4, '0')}; now 0600`;
    }
    files.push(reused);
  } else {
    // A name of its own, so a certificate from another Squall CA is "unknown CA", not a bad signature.
    ca = createCa(`Squall CA ${randomBytes(4).toString('hex')}`, 3650, bits);
    write('CA', 'ca', ca, []);
  }
  let controller: { cert: string; key: string };
  if (reuseController) {
    controller = controllerPath;
    files.push({ role: 'controller', name: controllerName, ...controllerPath, names: [], status: 'reused' });
  } else {
    controller = write(
      'controller',
      controllerName,
      issueCert(ca, { cn: controllerName, role: 'client', days, bits }),
      [],
    );
  }
  const agents: Record<string, { cert: string; key: string }> = {};
  for (const name of agentNames) {
    const extra = hosts[name] ?? [];
    const pem = issueCert(ca, { cn: name, role: 'server', hosts: extra, days, bits });
    agents[name] = write('agent', name, pem, [...new Set([name, ...extra])]);
  }
  return { ca: caPath, controller, agents, files };
}
