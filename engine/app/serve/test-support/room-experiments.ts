/**
 * The short real experiments the control room's browser tests start from the library. Each
 * runs in seconds without root: an HTTP service the test owns behind a fault proxy the run
 * starts (latency or down), or a small fleet publishing to an aedes broker in the test process
 * through such a proxy. Ports are free loopback ports chosen here, so the test can check the
 * real system through them (a socket through the proxy) while the run holds a fault.
 */
import { freePort } from '../../../core/ports.js';

export interface ProxyExperiment {
  yaml: string;
  proxyPort: number;
}

/**
 * `proxy.latency` (adds `latency`) or `proxy.down` (refuses connections) in front of the service
 * for `fault` after `baseline`; SLOs: available (success ratio) and fast (p99 <= 150 ms), so 400 ms
 * of latency breaches `fast`.
 */
export async function proxyExperiment(
  name: string,
  servicePort: number,
  o: { kind: 'proxy.latency' | 'proxy.down'; baseline: string; fault: string; recovery?: string },
): Promise<ProxyExperiment> {
  const proxyPort = await freePort();
  // The experiment's own var reference, left for squall to substitute (`--var latency=...`).
  const latencyVar = '$' + '{latency}';
  const params = o.kind === 'proxy.latency' ? `params: { latency: "${latencyVar}" }` : 'params: {}';
  const yaml = `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, description: "A fault proxy in front of a test HTTP service", tags: [room-test] }
vars: { latency: 1ms }
system:
  proxies:
    api-proxy: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${servicePort}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 2s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 300ms, baseline: ${o.baseline}, recovery: ${o.recovery ?? '800ms'} }
faults:
  - name: ${o.kind === 'proxy.down' ? 'api-down' : 'slow'}
    kind: ${o.kind}
    at: +0s
    duration: ${o.fault}
    target: { proxy: api-proxy }
    ${params}
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 50%" }
  - { name: fast, sli: latency_p99, source: api, objective: "<= 150ms", preflight: false }
`;
  return { yaml, proxyPort };
}

/**
 * 30 devices publishing QoS 1 every 200 ms to aedes (`brokerPort`) through a proxy the run
 * starts, which goes down for 2 s: connected devices drop and the fault window's SLO breaches
 * while the run is live.
 */
export async function fleetExperiment(name: string, brokerPort: number): Promise<string> {
  const proxyPort = await freePort();
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, description: "30 devices through a proxy that goes down for 2 s", tags: [room-test, fleet] }
system:
  brokers:
    cloud: "mqtt://127.0.0.1:${brokerPort}"
    edge: "mqtt://127.0.0.1:${proxyPort}"
  proxies:
    uplink: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${brokerPort}" }
fleet:
  devices: 30
  broker: edge
  rampUp: 1000/s
  telemetry: { every: 200ms, qos: 1, payloadBytes: 64, topic: "t/{tenant}/{index}" }
  reconnect: { strategy: full-jitter, base: 100ms, cap: 500ms }
  sink: { broker: cloud, grace: 1s }
phases: { preflight: 1s, baseline: 3s, recovery: 3s }
faults:
  - { name: uplink-down, kind: proxy.down, at: +0s, duration: 2s, target: { proxy: uplink } }
slos:
  - { name: devices-connected, sli: connected_ratio, objective: ">= 99%", window: fault }
  - { name: delivered, sli: delivery_ratio, objective: ">= 99%" }
`;
}

/**
 * SIGSTOP for 60 s on a process the test started (`pid`, serving HTTP on `port`): it answers
 * nothing until the fault is reverted, which only an abort does in time.
 */
export function pauseProcessExperiment(name: string, pid: number, port: number): string {
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name}, description: "The service's process frozen (SIGSTOP) for a minute", tags: [room-test] }
probes:
  - { name: api, kind: http, every: 200ms, timeout: 500ms, params: { url: "http://127.0.0.1:${port}/health" } }
phases: { preflight: 300ms, baseline: 1s, recovery: 1s }
faults:
  - { name: freeze, kind: process.pause, at: +0s, duration: 60s, target: { pid: ${pid} } }
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 99%" }
`;
}
