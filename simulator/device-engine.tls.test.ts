/**
 * Integration: TLS (mqtts://) against Debian's mosquitto with a CA and server certificate made
 * here by `openssl`: devices and sink connect over TLS and account exactly; a fleet that does
 * not trust the CA fails the handshake, reported as `tls` with the count affected.
 * Needs /usr/sbin/mosquitto and /usr/bin/openssl; skipped without them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceEngine } from './device-engine.js';
import { resolveEngineConfig } from './engine-config.js';
import { createSink, type Sink } from './sink.js';
import { hasMosquitto, type MosquittoBroker, startMosquitto } from './test-support/brokers.js';

const OPENSSL = '/usr/bin/openssl';
let dir = '';
let broker: MosquittoBroker | undefined;
const engines: DeviceEngine[] = [];
const sinks: Sink[] = [];

function makeCertificates(at: string): void {
  const ssl = (...args: string[]) => execFileSync(OPENSSL, args, { cwd: at, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=squall-test-ca',
  );
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(at, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
}

beforeAll(() => {
  if (!hasMosquitto() || !existsSync(OPENSSL)) return;
  dir = mkdtempSync(join(tmpdir(), 'squall-tls-'));
  makeCertificates(dir);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  await broker?.close();
  broker = undefined;
});

async function tlsBroker() {
  return startMosquitto(
    [
      `cafile ${join(dir, 'ca.pem')}`,
      `certfile ${join(dir, 'server.pem')}`,
      `keyfile ${join(dir, 'server.key')}`,
    ],
    { user: 'root' },
  );
}

describe.skipIf(!hasMosquitto() || !existsSync(OPENSSL))('device engine × mosquitto over TLS', () => {
  it('connects, publishes and accounts over mqtts://', async () => {
    broker = await tlsBroker();
    const target = { host: '127.0.0.1', port: broker.port, tls: { ca: readFileSync(join(dir, 'ca.pem')) } };
    const sink = createSink({ broker: target, topic: 't/#', qos: 1, graceMs: 300 });
    sinks.push(sink);
    sink.start();
    await sink.waitReady();
    const fleet = new DeviceEngine(
      resolveEngineConfig({
        broker: target,
        groups: [{ count: 10, telemetry: { intervalMs: 100, qos: 1 } }],
      }),
    );
    engines.push(fleet);
    fleet.start();
    await fleet.waitConnected(10, 5000);
    await new Promise((r) => setTimeout(r, 400));
    await fleet.stop();
    await new Promise((r) => setTimeout(r, 100));
    sink.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
    expect(fleet.metrics.total.published).toBeGreaterThanOrEqual(20); // ≈ 40 nominal
    expect(sink.accounting.totals()).toMatchObject({ delivered: fleet.metrics.total.published, lost: 0 });
  });

  it('reports a certificate it does not trust as a TLS failure with the count affected', async () => {
    broker = await tlsBroker();
    const fleet = new DeviceEngine(
      resolveEngineConfig({
        broker: { host: '127.0.0.1', port: broker.port, tls: {} }, // the system CAs: not ours
        reconnect: { strategy: 'none' },
        groups: [{ count: 6 }],
      }),
    );
    engines.push(fleet);
    fleet.start();
    await fleet.waitFor(
      () => fleet.snapshot().gaveUp === 6,
      5000,
      () => 'gave up',
    );
    const [failure] = fleet.snapshot().failures;
    expect(failure).toMatchObject({ cause: 'tls', count: 6 });
    expect(failure!.detail).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|unable to verify/i);
  });
});
