/**
 * Integration: `squall fleet pub` against Debian's mosquitto (`/usr/sbin/mosquitto`), spawned per
 * test on a free port. Proves that the sink's persistent session does not stop a second run from
 * subscribing (mosquitto keeps the first run's session and answers the second CONNECT with
 * session present), and that a subscription the broker refuses (ACL, SUBACK 0x80) fails fast
 * with SQUALL_FLEET_SUBSCRIBE_FAILED, not as an unreachable broker after the connect timeout.
 * Skipped without mosquitto (and its dynamic-security plugin, same Debian package).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DYNSEC_PLUGIN,
  hasMosquitto,
  type MosquittoBroker,
  startMosquitto,
} from '../../../simulator/test-support/brokers.js';
import { failure, io } from '../test-support/cli-io.js';
import { fleetCommand } from './fleet.js';

let broker: MosquittoBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

/** A short pub run; a 4 s connect timeout so a sink waiting for a SUBACK that never comes fails quickly. */
const pubArgv = (port: number) =>
  `pub --broker mqtt://127.0.0.1:${port} -c 10 --interval 100ms --qos 1 --duration 1s --grace 300ms --connect-timeout 4s --shards 0 --json`.split(
    ' ',
  );

describe.skipIf(!hasMosquitto() || !existsSync(DYNSEC_PLUGIN))('squall fleet pub × mosquitto', () => {
  it('two consecutive runs both subscribe and account every message', async () => {
    broker = await startMosquitto();
    for (const run of [1, 2]) {
      const { cli, out } = io();
      expect(await fleetCommand.run(pubArgv(broker.port), cli), `run ${run}`).toBe(0);
      const summary = JSON.parse(out.join(''));
      expect(summary.counters.published, `run ${run}`).toBeGreaterThanOrEqual(50); // ≈ 100 nominal
      expect(summary.sink, `run ${run}`).toMatchObject({
        delivered: summary.counters.published,
        lost: 0,
        duplicates: 0,
      });
    }
  });

  it('a subscription the broker refuses fails with SQUALL_FLEET_SUBSCRIBE_FAILED, at once', async () => {
    // mosquitto's acl_file only filters deliveries; its dynamic-security plugin refuses
    // SUBSCRIBE in SUBACK (0x80 in 3.1.1). Publishing stays allowed, subscribing is not.
    const dynsec = {
      defaultACLAccess: {
        publishClientSend: true,
        publishClientReceive: true,
        subscribe: false,
        unsubscribe: true,
      },
      clients: [],
      groups: [],
      roles: [],
    };
    broker = await startMosquitto(
      (dir) => [`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${join(dir, 'dynsec.json')}`],
      { user: 'root', files: { 'dynsec.json': JSON.stringify(dynsec) } },
    );
    const { cli } = io();
    const startedMs = Date.now();
    const err = await failure(fleetCommand.run(pubArgv(broker.port), cli));
    expect(err.code).toBe('SQUALL_FLEET_SUBSCRIBE_FAILED');
    expect(err.message).toMatch(
      /the broker refused the sink's subscription to t\/\+\/\+ at 127\.0\.0\.1:\d+: SUBACK 0x80 \(failure\)$/,
    );
    expect(err.exitCode).toBe(4);
    expect(Date.now() - startedMs).toBeLessThan(3000); // not the 4 s connect timeout
  });
});
