/**
 * `squall fleet` end to end against a real aedes on port 0: pub with --json accounting,
 * conn with live lines, and the bad-input messages (usage, unreachable broker, refused CONNACK).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AedesBroker, startAedes } from '../../../simulator/test-support/brokers.js';
import { freePort } from '../../core/ports.js';
import { failure, io } from '../test-support/cli-io.js';
import { fleetCommand } from './fleet.js';
import { fleetConfigFromFlags } from './fleet-flags.js';

let broker: AedesBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('squall fleet', () => {
  it('pub --json: every published message accounted, per tenant', async () => {
    broker = await startAedes();
    const { cli, out } = io();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const argv = [
      'pub',
      '--broker',
      url,
      '-c',
      '50',
      '--rate',
      '1000/s',
      '--interval',
      '200ms',
      '--qos',
      '1',
    ];
    argv.push('--tenants', 'acme=80%,globex=20%', '--duration', '2s', '--grace', '300ms', '--json');
    expect(await fleetCommand.run(argv, cli)).toBe(0);
    const summary = JSON.parse(out.join(''));
    expect(summary).toMatchObject({ mode: 'pub', devices: 50, stoppedBy: 'duration' });
    expect(summary.counters.connect_ok).toBe(50);
    expect(summary.counters.published).toBeGreaterThanOrEqual(200);
    expect(summary.sink).toMatchObject({ delivered: summary.counters.published, lost: 0, duplicates: 0 });
    expect(Object.keys(summary.sink.byTenant)).toEqual(['acme', 'globex']);
    expect(summary.latencyMs.e2e_latency.count).toBe(summary.counters.published);
  });

  it('sub accounts what another pub publishes (sequences counted from the first seen)', async () => {
    broker = await startAedes();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const sub = io();
    const pub = io();
    const subbing = fleetCommand.run(
      ['sub', '--broker', url, '--topic', 't/#', '--qos', '1', '--duration', '2s', '--json'],
      sub.cli,
    );
    await new Promise((r) => setTimeout(r, 300));
    const argv = [
      'pub',
      '--broker',
      url,
      '-c',
      '10',
      '--interval',
      '100ms',
      '--qos',
      '1',
      '--no-sink',
      '--duration',
      '1s',
    ];
    expect(await fleetCommand.run(argv, pub.cli)).toBe(0);
    expect(await subbing).toBe(0);
    const summary = JSON.parse(sub.out.join(''));
    expect(summary.sink.delivered).toBeGreaterThanOrEqual(50);
    expect(summary.sink).toMatchObject({ lost: 0, duplicates: 0, out_of_order: 0 });
    expect(pub.out.join('')).toMatch(/published\s+\d+/);
  });

  it('conn prints a line per second and a summary table', async () => {
    broker = await startAedes();
    const { cli, out } = io();
    const argv = ['conn', '--broker', `mqtt://127.0.0.1:${broker.port}`, '-c', '20', '--duration', '2s'];
    expect(await fleetCommand.run(argv, cli)).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^ {3}1s \| conn 20\/20 \+20\/s fail 0/m);
    expect(text).toMatch(/devices\s+20 connected of 20/);
    expect(text).toMatch(/connect latency\s+p50/);
  });

  it('an unreachable broker fails with the count affected', async () => {
    const port = await freePort();
    const { cli } = io();
    const argv = ['conn', '--broker', `mqtt://127.0.0.1:${port}`, '-c', '30', '--fail-after', '1s'];
    argv.push('--reconnect', 'fixed', '--base', '200ms', '--cap', '200ms');
    const err = await failure(fleetCommand.run(argv, cli));
    expect(err.code).toBe('SQUALL_FLEET_BROKER_UNREACHABLE');
    expect(err.message).toMatch(
      /^\d+ connect attempt\(s\) of 30 devices could not reach the broker: ECONNREFUSED/,
    );
    expect(err.exitCode).toBe(4);
  });

  it('a refused CONNACK fails with its reason', async () => {
    broker = await startAedes({
      authenticate: (_c, _u, _p, done) =>
        done(Object.assign(new Error('no'), { returnCode: 5 as const }), false),
    });
    const { cli } = io();
    const argv = ['conn', '--broker', `mqtt://127.0.0.1:${broker.port}`, '-c', '10', '--max-attempts', '1'];
    argv.push('--fail-after', '1s', '--reconnect', 'immediate');
    const err = await failure(fleetCommand.run(argv, cli));
    expect(err.code).toBe('SQUALL_FLEET_CONNECT_REFUSED');
    expect(err.message).toMatch(
      /^20 connect attempt\(s\) of 10 devices were refused by the broker: CONNACK 0x05 \(not authorized\)/,
    );
  });

  it('a source address that cannot be used is reported as port exhaustion', async () => {
    broker = await startAedes();
    const { cli } = io();
    const argv = [
      'conn',
      '--broker',
      `mqtt://127.0.0.1:${broker.port}`,
      '-c',
      '8',
      '--source-addresses',
      '192.0.2.1',
    ];
    argv.push('--max-attempts', '1', '--reconnect', 'immediate', '--fail-after', '1s');
    const err = await failure(fleetCommand.run(argv, cli));
    expect(err.code).toBe('SQUALL_FLEET_PORTS_EXHAUSTED');
    expect(err.message).toMatch(
      /^16 connect attempt\(s\) of 8 devices ran out of local ports .*EADDRNOTAVAIL/,
    );
  });

  it('rejects bad usage before connecting anything', async () => {
    const { cli } = io();
    expect((await failure(fleetCommand.run(['blast'], cli))).code).toBe('SQUALL_USAGE');
    expect((await failure(fleetCommand.run(['conn'], cli))).message).toMatch(/--broker is required/);
    const bad = await failure(fleetCommand.run(['pub', '--broker', 'mqtt://h:1', '--rate', 'fast'], cli));
    expect(bad.message).toMatch(/^--rate: expected a rate/);
    const strategy = await failure(
      fleetCommand.run(['conn', '--broker', 'mqtt://h:1', '--reconnect', 'fib'], cli),
    );
    expect(strategy.message).toMatch(/--reconnect: expected one of 'none', 'immediate'/);
  });

  it('passes failover endpoints and sink brokers through', () => {
    const values = {
      broker: 'mqtt://a:1',
      failover: 'mqtt://b:2, c:3',
      'failover-after': '2',
      'sink-brokers': 'mqtt://a:1,mqtt://b:2',
    } as Parameters<typeof fleetConfigFromFlags>[1];
    const config = fleetConfigFromFlags('pub', values);
    expect(config.engine).toMatchObject({
      failover: [
        { host: 'b', port: 2 },
        { host: 'c', port: 3 },
      ],
      failoverAfter: 2,
    });
    expect(config.sink).toMatchObject({
      brokers: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    });
  });
});
