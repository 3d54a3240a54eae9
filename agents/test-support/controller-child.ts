/**
 * Test fixture: a real controller process. Connects to an agent over mTLS, injects the faults
 * given as JSON on argv, prints "injected", then idles with its heartbeats running — until the
 * test kills it with SIGKILL (dead-man's switch test).
 *   node --import tsx controller-child.ts <address> <ca> <cert> <key> <ttlMs> <faults-json>
 */
import { connectAgent } from '../../engine/controller/agent-connection.js';

const [address, ca, cert, key, ttlText, faultsJson] = process.argv.slice(2);
const faults = JSON.parse(faultsJson!) as {
  faultId: string;
  kind: string;
  target: Record<string, unknown>;
  params: unknown;
  durationMs: number;
}[];
const connection = await connectAgent(
  'agent',
  { address: address!, tls: { ca: ca!, cert: cert!, key: key! } },
  { ttlMs: Number(ttlText) },
);
for (const f of faults) await connection.inject(f);
process.stdout.write('injected\n');
setInterval(() => {}, 60_000);
