/**
 * Test helper: one network namespace linked to the host's by a veth pair, so a controller in
 * the test process (host namespace) talks to an agent process running inside the namespace as
 * it would to a remote host. Needs root. Names carry the pid; `destroy` removes the namespace,
 * which takes the veth pair, its qdiscs and every nft table in it along.
 */
import { execFileSync } from 'node:child_process';
import { type AgentConnection, connectAgent } from '../../engine/controller/agent-connection.js';
import { controllerTlsIn } from './squall-cli.js';

export interface HostLinkedNetns {
  ns: string;
  /** The host end's device and address (where the controller connects from). */
  hostDev: string;
  hostAddr: string;
  /** The namespace end's device and address (where the agent listens). */
  nsDev: string;
  nsAddr: string;
  /** Runs a command inside the namespace; returns its stdout. */
  exec(argv: string[]): string;
  /** The argv prefix that runs a command inside the namespace. */
  readonly prefix: string[];
  destroy(): void;
}

const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

let counter = 0;

export function createHostLinkedNetns(subnet = 251): HostLinkedNetns {
  const tag = `${process.pid % 100000}${counter++}`;
  const ns = `sq-h-${tag}`;
  const hostDev = `sqh${tag}`;
  const nsDev = `sqn${tag}`;
  // A /30 per pair, 10.<subnet>.<k>.(4i+1, 4i+2), one no other interface of the host uses.
  let hostAddr = '';
  let nsAddr = '';
  for (let attempt = 0; attempt < 50 && !hostAddr; attempt++) {
    const k = Math.floor(Math.random() * 250);
    const i = Math.floor(Math.random() * 63);
    const net = `10.${subnet}.${k}.${4 * i}/30`;
    if (sh(['ip', '-o', 'addr', 'show', 'to', net]).trim() === '') {
      hostAddr = `10.${subnet}.${k}.${4 * i + 1}`;
      nsAddr = `10.${subnet}.${k}.${4 * i + 2}`;
    }
  }
  if (!hostAddr) throw new Error(`no free /30 in 10.${subnet}.0.0/16`);
  const destroy = () => {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {}
    try {
      sh(['ip', 'link', 'del', hostDev]); // normally gone with the namespace
    } catch {}
  };
  try {
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', 'link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev, 'netns', ns]);
    sh(['ip', 'addr', 'add', `${hostAddr}/30`, 'dev', hostDev]);
    sh(['ip', '-n', ns, 'addr', 'add', `${nsAddr}/30`, 'dev', nsDev]);
    sh(['ip', 'link', 'set', hostDev, 'up']);
    sh(['ip', '-n', ns, 'link', 'set', nsDev, 'up']);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    destroy();
    throw err;
  }
  const prefix = ['ip', 'netns', 'exec', ns];
  return {
    ns,
    hostDev,
    hostAddr,
    nsDev,
    nsAddr,
    prefix,
    exec: (argv) => sh([...prefix, ...argv]),
    destroy,
  };
}

/**
 * Connects the test's controller (host namespace) to agent `name` listening inside `net` on
 * `listen` (its "listening on" address; a wildcard is reached at the namespace's address).
 */
export function connectAcross(
  net: HostLinkedNetns,
  listen: string,
  certsDir: string,
  name = 'edge-1',
): Promise<AgentConnection> {
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  return connectAgent(
    name,
    { address: `${net.nsAddr}:${port}`, tls: controllerTlsIn(certsDir) },
    { ttlMs: 10_000 },
  );
}
