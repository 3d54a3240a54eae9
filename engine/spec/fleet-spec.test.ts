/**
 * The fleet schema's own messages, through the experiment loader (positioned lines as
 * `squall validate` prints them), its defaults, and the helpers the fleet and the testbed share
 * with the checks: "is it a URL", broker URLs, and the testbed's broker names.
 */
import { describe, expect, it } from 'vitest';
import { loadExperimentText } from '../app/load.js';
import { formatSpecIssue, SpecError } from '../core/errors.js';
import { brokerUrlProblem, parseBrokerUrl, withDefaultScheme } from './broker-url.js';
import { DEVICE_DEFAULTS, defaultClientId, FLEET_DEFAULTS, FleetSpec } from './fleet-spec.js';
import { testbedBrokerNames, testbedProxyNames } from './testbed-names.js';
import { hasUrlScheme } from './url-scheme.js';

const HEAD =
  'apiVersion: squall/v1\nkind: Experiment\nmetadata: { name: f }\nphases: { baseline: 10s, recovery: 10s }\n';

/** The lines `squall validate` prints for an experiment with this `fleet:` section (one line of YAML). */
function problems(fleet: string, system = ''): string[] {
  try {
    loadExperimentText(`${HEAD}${system}fleet: ${fleet}\n`, 'f.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.issues.map(formatSpecIssue);
  }
}

describe('fleet schema', () => {
  it('says what a QoS, a protocol and a shard count may be', () => {
    expect(problems('{ devices: 1, broker: mqtt://h:1, telemetry: { every: 1s, qos: 3 } }')).toEqual([
      'f.yaml:5:71 fleet.telemetry.qos: expected 0, 1 or 2, got the number 3',
    ]);
    expect(problems("{ devices: 1, broker: mqtt://h:1, protocol: '3.1' }")).toEqual([
      "f.yaml:5:52 fleet.protocol: expected '3.1.1' or 5, got '3.1'",
    ]);
    expect(problems('{ devices: 1, broker: mqtt://h:1, shards: many }')).toEqual([
      "f.yaml:5:50 fleet.shards: expected 'auto' or a whole number 0–64, got 'many'",
    ]);
  });

  it('points into the sink mapping rather than listing the shapes a sink may have', () => {
    expect(problems('{ devices: 1, broker: mqtt://h:1, sink: { qos: 5 } }')).toEqual([
      'f.yaml:5:55 fleet.sink.qos: expected 0, 1 or 2, got the number 5',
    ]);
  });

  it('defaults the reconnect strategy, so a section may set only the backoff', () => {
    const spec = FleetSpec.parse({ devices: 1, reconnect: { base: '2s' } });
    expect(spec.reconnect).toEqual({
      strategy: 'full-jitter',
      base: 2000,
      cap: 60_000,
      maxAttempts: 0,
      resetAfter: 0,
    });
    expect(FLEET_DEFAULTS.reconnect).toEqual({ ...spec.reconnect, base: 1000 });
  });

  it('has one default client id: dev-{index}, or <group>-{index} in a named group', () => {
    expect(defaultClientId('default')).toBe('dev-{index}');
    expect(defaultClientId('meters')).toBe('meters-{index}');
    expect(DEVICE_DEFAULTS).toEqual({ protocol: 4, clean: true, keepaliveMs: 60_000, failoverAfter: 3 });
  });

  it('reports a broker URL the fleet cannot use, and any-case schemes count as URLs', () => {
    expect(problems('{ devices: 1, broker: "ws://h:1" }')).toEqual([
      "f.yaml:5:30 fleet.broker: scheme must be mqtt:// or mqtts://, got 'ws://'",
    ]);
    expect(problems('{ devices: 1, broker: "MQTT://h:1" }')).toEqual([]);
  });
});

describe('is it a URL', () => {
  it('is a URL when it starts with an RFC 3986 scheme and ://', () => {
    for (const url of ['mqtt://h:1', 'MQTTS://h', 'https://x/y', 'git+ssh://h/r', 'a.b-c://x']) {
      expect(hasUrlScheme(url), url).toBe(true);
    }
    for (const other of ['cloud', 'h:1883', 'docs/runbooks/x.md', '1http://x', '://x', 'c:\\x']) {
      expect(hasUrlScheme(other), other).toBe(false);
    }
  });

  it('reads a bare host:port as mqtt:// and knows the secure schemes', () => {
    expect(withDefaultScheme('h:1883')).toBe('mqtt://h:1883');
    expect(parseBrokerUrl('h:1884')).toEqual({ host: 'h', port: 1884 });
    expect(parseBrokerUrl('mqtts://b.example')).toEqual({
      host: 'b.example',
      port: 8883,
      tls: { servername: 'b.example' },
    });
    expect(brokerUrlProblem('mqtt://h:0')).toBe('broker port must be 1–65535, got 0');
    expect(brokerUrlProblem('http://h:1')).toBe("scheme must be mqtt:// or mqtts://, got 'http://'");
  });
});

describe('testbed names', () => {
  it('lists the brokers and proxies a testbed of this shape has', () => {
    expect(testbedBrokerNames({ gateways: 2, sinkProxy: true, standby: true })).toEqual([
      'cloud',
      'edge-1',
      'edge-2',
      'cloud-sink',
      'cloud-standby',
    ]);
    expect(testbedProxyNames({ gateways: 2, uplinkProxy: true, sinkProxy: true, ingest: {} })).toEqual([
      'edge-1-uplink',
      'edge-2-uplink',
      'cloud-sink',
      'ingest-downstream',
    ]);
  });

  it('accepts exactly those names as the fleet broker', () => {
    const system = 'system: { testbed: { gateways: 1, standby: true } }\n';
    expect(problems('{ devices: 1, broker: cloud-standby, failover: [edge-1] }', system)).toEqual([]);
    expect(problems('{ devices: 1, broker: edge-2 }', system)).toEqual([
      expect.stringMatching(
        /^f\.yaml:6:30 fleet\.broker: broker 'edge-2' is not declared .*; declared: cloud, cloud-standby, edge-1;/,
      ),
    ]);
  });
});
