import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SquallError } from '../engine/core/errors.js';
import { FleetSpec } from '../engine/spec/fleet-spec.js';
import { resolveEngineConfig } from './engine-config.js';
import { FleetConfigError, toFleetConfig, topicFilterOf } from './fleet-config.js';

const ARCHITECTURE_EXAMPLE = `
devices: 100000
broker: cloud
clientId: "dev-{index}"
rampUp: 5000/s
telemetry: { every: 10s, qos: 1, payloadBytes: 256, topic: "t/{tenant}/{index}" }
tenants: { acme: 80%, globex: 20% }
reconnect: { strategy: full-jitter, base: 1s, cap: 60s }
`;

describe('fleet spec', () => {
  it('parses the example fleet section into engine units', () => {
    const spec = FleetSpec.parse(parseYaml(ARCHITECTURE_EXAMPLE));
    const config = toFleetConfig(spec, { cloud: 'mqtt://127.0.0.1:1883' });
    expect(config.engine).toMatchObject({
      broker: { host: '127.0.0.1', port: 1883 },
      connectRatePerS: 5000,
      tenants: [
        { name: 'acme', share: 0.8 },
        { name: 'globex', share: 0.2 },
      ],
      reconnect: { strategy: 'full-jitter', baseMs: 1000, capMs: 60_000, maxAttempts: 0, resetAfterMs: 0 },
    });
    expect(config.engine.groups).toEqual([
      expect.objectContaining({
        name: 'default',
        count: 100_000,
        clientId: 'dev-{index}',
        protocolVersion: 4,
        telemetry: expect.objectContaining({
          intervalMs: 10_000,
          qos: 1,
          payloadBytes: 256,
          topic: 't/{tenant}/{index}',
        }),
      }),
    ]);
    expect(config.sink).toMatchObject({ topic: 't/+/+', qos: 1, graceMs: 5000 });
    // And the engine accepts it.
    expect(resolveEngineConfig(config.engine).groups[0]!.count).toBe(100_000);
  });

  it('groups inherit the top-level fields and override them', () => {
    const spec = FleetSpec.parse(
      parseYaml(`
broker: mqtts://broker.example:8883
protocol: "3.1.1"
keepalive: 30s
telemetry: { every: 1s }
groups:
  - { name: meters, devices: 80 }
  - { name: gw, devices: 20, protocol: 5, clean: false, sessionExpiry: 1h, commands: [{ topic: "cmd/{index}" }] }
`),
    );
    const { engine } = toFleetConfig(spec);
    expect(engine.broker).toMatchObject({
      host: 'broker.example',
      port: 8883,
      tls: { servername: 'broker.example' },
    });
    expect(engine.groups.map((g) => [g.name, g.count, g.protocolVersion, g.keepaliveS, g.clean])).toEqual([
      ['meters', 80, 4, 30, true],
      ['gw', 20, 5, 30, false],
    ]);
    expect(engine.groups[1]).toMatchObject({
      sessionExpiryS: 3600,
      subscriptions: [{ topic: 'cmd/{index}', qos: 1 }],
    });
  });

  it('reports bad fields with their path and what was expected', () => {
    const r = FleetSpec.safeParse({
      devices: 10,
      broker: 'x',
      rampUp: 'fast',
      telemetry: { every: '10', qos: 3 },
      tenants: { a: '50%', b: '40%' },
      reconnect: { strategy: 'fibonacci' },
      protocol: '3.1',
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'protocol',
        'rampUp',
        'reconnect.strategy',
        'telemetry.every',
        'telemetry.qos',
      ]),
    );
    const tenants = FleetSpec.safeParse({ devices: 1, broker: 'x', tenants: { a: '50%', b: '40%' } });
    expect(tenants.error!.issues[0]).toMatchObject({
      path: ['tenants'],
      message: expect.stringMatching(/90\.00%/),
    });
  });

  it('rejects a devices count that disagrees with the groups, and an unknown broker name', () => {
    const r = FleetSpec.safeParse({ devices: 5, broker: 'x', groups: [{ name: 'a', devices: 3 }] });
    expect(r.error!.issues[0]!.message).toMatch(/add up to 3/);
    const spec = FleetSpec.parse({ devices: 1, broker: 'clod' });
    expect(() => toFleetConfig(spec, { cloud: 'mqtt://h:1' })).toThrow(SquallError);
  });

  it('resolves failover endpoints per fleet and per group, and a sink at several brokers', () => {
    const spec = FleetSpec.parse({
      broker: 'cloud',
      failover: ['cloud-standby', 'mqtt://dr:1884'],
      telemetry: { every: '1s' },
      groups: [
        { name: 'meters', devices: 2 },
        { name: 'gateways', devices: 1, failover: ['mqtt://gw-standby:1885'], failoverAfter: 5 },
      ],
      sink: { brokers: ['cloud', 'cloud-standby'] },
    });
    const names = { cloud: 'mqtt://c:1883', 'cloud-standby': 'mqtt://s:1883' };
    const config = toFleetConfig(spec, names);
    expect(config.engine.groups.map((g) => [g.failover, g.failoverAfter])).toEqual([
      [
        [
          { host: 's', port: 1883 },
          { host: 'dr', port: 1884 },
        ],
        undefined,
      ],
      [[{ host: 'gw-standby', port: 1885 }], 5],
    ]);
    expect(resolveEngineConfig(config.engine).failoverAfter).toBe(3);
    expect(config.sink).toMatchObject({
      brokers: [
        { host: 'c', port: 1883 },
        { host: 's', port: 1883 },
      ],
    });
    const both = FleetSpec.safeParse({ devices: 1, sink: { broker: 'cloud', brokers: ['cloud'] } });
    expect(both.error!.issues[0]).toMatchObject({
      path: ['sink', 'brokers'],
      message: 'set broker or brokers, not both',
    });
    const unknown = FleetSpec.parse({ devices: 1, failover: ['clod-standby'] });
    expect(() => toFleetConfig(unknown, names)).toThrow(/fleet.failover\[0\]: 'clod-standby' is neither/);
  });

  it('derives a sink filter from a topic template', () => {
    expect(topicFilterOf('t/{tenant}/{index}')).toBe('t/+/+');
    expect(topicFilterOf('fleet/dev-{index}/up')).toBe('fleet/+/up');
  });

  it('reads TLS files relative to the experiment and insists on mqtts://', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-spec-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    const spec = FleetSpec.parse({ devices: 1, broker: 'mqtts://b:8883', tls: { ca: 'ca.pem' } });
    expect(toFleetConfig(spec, {}, dir).engine.broker.tls).toMatchObject({
      ca: Buffer.from('PEM'),
      rejectUnauthorized: true,
      servername: 'b',
    });
    const plain = FleetSpec.parse({ devices: 1, broker: 'mqtt://b:1883', tls: { ca: 'ca.pem' } });
    expect(() => toFleetConfig(plain, {}, dir)).toThrow(/not mqtts/);
    const missing = FleetSpec.parse({ devices: 1, broker: 'mqtts://b', tls: { ca: 'nope.pem' } });
    expect(() => toFleetConfig(missing, {}, dir)).toThrow(/fleet.tls.ca: cannot read 'nope.pem'/);
  });
  it('pins a group to its tenant by global index range, before any split', () => {
    const spec = FleetSpec.parse({
      broker: 'cloud',
      tenants: { acme: '80%', globex: '20%' },
      groups: [
        { name: 'fleet', devices: 90 },
        { name: 'flood', devices: 10, tenant: 'noisy' },
        { name: 'none', devices: 0, tenant: 'ghost' },
      ],
      telemetry: { every: '1s' },
    });
    const config = toFleetConfig(spec, { cloud: 'mqtt://127.0.0.1:1883' });
    expect(config.engine.pinnedTenants).toEqual([{ first: 90, count: 10, tenant: 'noisy' }]);
    expect(resolveEngineConfig(config.engine).pinnedTenants).toEqual([
      { first: 90, count: 10, tenant: 'noisy' },
    ]);
  });

  it('a fleet without telemetry has a sink only when the sink names its own filter', () => {
    const quiet = FleetSpec.parse({ devices: 0, broker: 'mqtt://h:1' });
    expect(toFleetConfig(quiet).sink).toBe(false);
    const listening = FleetSpec.parse({ devices: 0, broker: 'mqtt://h:1', sink: { topic: 'x/#' } });
    expect(toFleetConfig(listening).sink).toMatchObject({ topic: 'x/#', connections: 1, qos: 1 });
  });

  it("puts the fleet's failover on the engine too, the default of every group", () => {
    const spec = FleetSpec.parse({ devices: 1, failover: ['mqtt://b:2'], failoverAfter: 4 });
    const { engine } = toFleetConfig(spec, { cloud: 'mqtt://a:1' });
    expect(engine).toMatchObject({ failover: [{ host: 'b', port: 2 }], failoverAfter: 4 });
    expect(resolveEngineConfig(engine)).toMatchObject({
      failover: [{ host: 'b', port: 2 }],
      failoverAfter: 4,
    });
  });

  it('has one default client id, whether the config comes from a spec or is built in code', () => {
    const fromSpec = toFleetConfig(FleetSpec.parse({ devices: 1, broker: 'mqtt://h:1' })).engine.groups[0];
    const inCode = resolveEngineConfig({ broker: { host: 'h', port: 1 }, groups: [{ count: 1 }] }).groups[0];
    expect(fromSpec!.clientId).toBe('dev-{index}');
    expect(inCode!.clientId).toBe('dev-{index}');
    const groups = resolveEngineConfig({
      broker: { host: 'h', port: 1 },
      groups: [{ name: 'gw' }, {}],
    }).groups;
    expect(groups.map((g) => g.clientId)).toEqual(['gw-{index}', 'group1-{index}']);
  });

  it('names the field it cannot turn into config, below fleet.', () => {
    const spec = FleetSpec.parse({
      devices: 1,
      broker: 'mqtt://h:1',
      telemetry: { every: '1s' },
      sink: { brokers: ['mqtt://h:1', 'nope'] },
    });
    const err = (() => {
      try {
        toFleetConfig(spec);
      } catch (e) {
        return e as FleetConfigError;
      }
    })();
    expect(err).toBeInstanceOf(FleetConfigError);
    expect(err).toMatchObject({ field: 'sink.brokers[1]', code: 'SQUALL_FLEET_CONFIG_INVALID' });
    expect(err!.message).toBe(
      "fleet.sink.brokers[1]: 'nope' is neither a name in system.brokers (none) nor a URL",
    );
  });
});
