/**
 * `squall fleet`'s flags go through the experiment's fleet schema: a command line and the
 * `fleet:` section it describes give the same config, the flags get the schema's defaults and
 * ranges, and every problem is reported under the flag that was typed. No broker is needed:
 * nothing here connects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { toFleetConfig } from '../../../simulator/fleet-config.js';
import { SquallError } from '../../core/errors.js';
import { FleetSpec } from '../../spec/fleet-spec.js';
import { fleetConfigFromFlags, parseFleetFlags } from './fleet-flags.js';

type Mode = 'conn' | 'pub' | 'sub';
const fromFlags = (mode: Mode, line: string) =>
  fleetConfigFromFlags(mode, parseFleetFlags(line.split(' ')).values);
const fromSection = (yaml: string) => toFleetConfig(FleetSpec.parse(parseYaml(yaml)));

function usageError(mode: Mode, line: string): string {
  try {
    fromFlags(mode, line);
  } catch (err) {
    expect(err).toBeInstanceOf(SquallError);
    expect((err as SquallError).code).toBe('SQUALL_USAGE');
    return (err as Error).message;
  }
  throw new Error(`no error for: ${line}`);
}

describe('squall fleet flags as a fleet: section', () => {
  it('a command line and the section it describes give the same config', () => {
    const flags = fromFlags(
      'pub',
      '--broker 127.0.0.1:1883 -c 50 --rate 200/s --max-connecting 20 --connect-timeout 5s --protocol 5 ' +
        '--client-id meter-{index} --persistent --keepalive 30s --failover mqtt://b:2 --failover-after 2 ' +
        '--interval 250ms --qos 1 --size 128 --phase aligned --topic m/{tenant}/{index} ' +
        '--tenants acme=75%,globex=25% --reconnect exponential --base 100ms --cap 2s --max-attempts 9 ' +
        '--reset-after 10s --seed 7 --sink-connections 2 --grace 1s --shards 0',
    );
    const section = fromSection(`
devices: 50
broker: mqtt://127.0.0.1:1883
rampUp: 200/s
maxConnecting: 20
connectTimeout: 5s
protocol: 5
clientId: "meter-{index}"
clean: false
keepalive: 30s
failover: [mqtt://b:2]
failoverAfter: 2
telemetry: { every: 250ms, qos: 1, payloadBytes: 128, phase: aligned, topic: "m/{tenant}/{index}" }
tenants: { acme: 75%, globex: 25% }
reconnect: { strategy: exponential, base: 100ms, cap: 2s, maxAttempts: 9, resetAfter: 10s }
seed: 7
sink: { connections: 2, grace: 1s, protocol: 5 }
shards: 0
`);
    expect(flags).toEqual(section);
  });

  it('unset flags take the schema defaults, and the default client id is dev-{index}', () => {
    expect(fromFlags('pub', '--broker mqtt://h:1')).toEqual(
      fromSection('{ devices: 1000, broker: "mqtt://h:1", telemetry: { every: 1s } }'),
    );
    expect(fromFlags('conn', '--broker mqtt://h:1')).toEqual(
      fromSection('{ devices: 1000, broker: "mqtt://h:1", sink: false }'),
    );
    expect(fromFlags('conn', '--broker mqtt://h:1').engine.groups[0]!.clientId).toBe('dev-{index}');
  });

  it('sub is only a sink: -c connections, --topic its filter, sequences from the first seen', () => {
    const config = fromFlags('sub', '--broker mqtt://h:1 -c 3 --qos 2 --topic x/#');
    expect(config.engine.groups.map((g) => g.count)).toEqual([0]);
    expect(config.sink).toMatchObject({
      topic: 'x/#',
      connections: 3,
      qos: 2,
      protocolVersion: 5, // a shared subscription
      firstSeq: 'first-seen',
    });
    expect(fromFlags('sub', '--broker mqtt://h:1').sink).toMatchObject({
      topic: 't/#',
      connections: 1,
      qos: 1,
    });
  });

  it('names the flag the user typed for every problem the schema finds', () => {
    expect(usageError('pub', '--broker mqtt://h:1 --qos 3')).toBe("--qos: expected 0, 1 or 2, got '3'");
    expect(usageError('sub', '--broker mqtt://h:1 -c 100')).toBe("--count: expected at most 64, got '100'");
    expect(usageError('pub', '--broker mqtt://h:1 --sink-connections 100')).toBe(
      "--sink-connections: expected at most 64, got '100'",
    );
    expect(usageError('pub', '--broker mqtt://h:1 -c many --seed 1.5')).toBe(
      "--count: expected a number, got 'many'; --seed: expected a whole number, got '1.5'",
    );
    expect(usageError('conn', '--broker mqtt://h:1 --source-addresses 127.0.0.2,nope')).toBe(
      "--source-addresses: expected a valid ipv4, got 'nope'",
    );
    expect(usageError('pub', '--broker mqtt://h:1 --tenants acme=80%')).toBe(
      '--tenants: shares must add up to 100%, they add up to 80.00%',
    );
    expect(usageError('pub', '--broker mqtt://h:1 --interval 0s')).toBe(
      '--interval: must be at least 1ms, got 0s',
    );
  });

  it('names the flag for broker URLs and TLS files too', () => {
    expect(usageError('conn', '--broker http://h:1')).toBe(
      "--broker: scheme must be mqtt:// or mqtts://, got 'http://'",
    );
    expect(usageError('conn', '--broker mqtt://h:1 --failover mqtt://a:1,ws://b:2')).toBe(
      "--failover: scheme must be mqtt:// or mqtts://, got 'ws://'",
    );
    expect(usageError('conn', '--broker mqtt://h:1 --insecure')).toBe(
      "--insecure: is set but the broker 'mqtt://h:1' is not mqtts://",
    );
    const dir = mkdtempSync(join(tmpdir(), 'squall-fleet-flags-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(usageError('conn', `--broker mqtts://h:1 --cafile ${dir}/none.pem`)).toMatch(
      /^--cafile: cannot read '.*none\.pem': ENOENT/,
    );
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    expect(fromFlags('conn', `--broker mqtts://h:1 --cafile ${dir}/ca.pem`).engine.broker.tls).toMatchObject({
      ca: Buffer.from('PEM'),
      rejectUnauthorized: true,
    });
  });
});
