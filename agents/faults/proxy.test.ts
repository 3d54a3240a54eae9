import { once } from 'node:events';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAgent, type LocalAgent } from '../local/local-agent.js';
import type { FaultProxy } from '../proxy/fault-proxy.js';
import { startProxies, stopProxies } from '../proxy/start-proxies.js';

/** Round trip through the proxy to a real echo server, in ms; rejects when the proxy refuses. */
async function roundTripMs(port: number): Promise<number> {
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
  try {
    await once(s, 'connect');
    const t0 = performance.now();
    s.write('x');
    await once(s, 'data');
    return performance.now() - t0;
  } finally {
    s.destroy();
  }
}

describe('proxy faults through the local agent', () => {
  let echo: net.Server;
  let proxies: Map<string, FaultProxy>;
  let agent: LocalAgent;
  let port: number;

  beforeEach(async () => {
    echo = net.createServer((s) => s.pipe(s).on('error', () => {}));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const upstream = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
    proxies = await startProxies({ api: { listen: '127.0.0.1:0', upstream } });
    port = Number(proxies.get('api')!.listen.split(':')[1]);
    agent = createLocalAgent({ processes: new Map(), proxies });
  });
  afterEach(async () => {
    await agent.revertAll();
    await stopProxies(proxies);
    await new Promise((r) => echo.close(r));
  });

  it('proxy.latency takes human durations and reverts', async () => {
    const fault = await agent.inject({
      faultId: 'lat',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '150ms', jitter: '5ms', stream: 'both' },
      durationMs: 1000,
    });
    const proxy = proxies.get('api')!;
    expect(proxy.toxics().map((t) => t.name)).toEqual(['latency_upstream', 'latency_downstream']);
    expect(fault.where).toBe(
      `local agent, proxy 'api' (${proxy.listen} -> ${proxy.upstream}), latency 150ms ±5ms both`,
    );
    expect(fault.removeCommand).toBe(proxy.controlHint);
    expect(fault.removeCommand).toMatch(/^kill \d+ {2}# proxy 'api'/);
    expect(await roundTripMs(port)).toBeGreaterThanOrEqual(290); // both directions

    await fault.revert();
    expect(proxy.toxics()).toEqual([]);
    expect(await roundTripMs(port)).toBeLessThan(100);
  });

  it('proxy.down refuses connections until reverted', async () => {
    const fault = await agent.inject({
      faultId: 'down',
      kind: 'proxy.down',
      target: { proxy: 'api' },
      params: {},
      durationMs: 1000,
    });
    expect(fault.where).toContain("proxy 'api'");
    await expect(roundTripMs(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(agent.active().map((f) => f.faultId)).toEqual(['down']);
    await fault.revert();
    await fault.revert(); // idempotent
    expect(await roundTripMs(port)).toBeLessThan(100);
  });

  it('validates params: numbers without units and unknown keys are rejected', async () => {
    for (const params of [
      { latency: 200 },
      { latency: '200ms', jiter: '1ms' },
      { latency: '200ms', stream: 'sideways' },
    ]) {
      const err = await agent
        .inject({ faultId: 'p', kind: 'proxy.latency', target: { proxy: 'api' }, params, durationMs: 0 })
        .catch((e) => e);
      expect(err.code).toBe('SQUALL_SPEC_INVALID');
    }
    expect(proxies.get('api')!.toxics()).toEqual([]);
  });

  it('revertAll undoes every active fault', async () => {
    await agent.inject({
      faultId: 'a',
      kind: 'proxy.down',
      target: { proxy: 'api' },
      params: {},
      durationMs: 0,
    });
    await agent.inject({
      faultId: 'b',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '1s' },
      durationMs: 0,
    });
    expect(agent.active()).toHaveLength(2);
    await agent.revertAll();
    expect(agent.active()).toEqual([]);
    expect(proxies.get('api')!.enabled).toBe(true);
    expect(proxies.get('api')!.toxics()).toEqual([]);
    expect(await roundTripMs(port)).toBeLessThan(100);
  });
});
