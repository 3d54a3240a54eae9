/**
 * The proxy.* drivers that map onto one Toxiproxy toxic each: human units become Toxiproxy's
 * attributes, `both` adds one toxic per direction, and revert removes exactly them. One
 * behavioural check end to end: proxy.timeout (0s) is a blackhole until reverted.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../local/local-agent.js';
import { createFaultProxy, type FaultProxy } from '../proxy/fault-proxy.js';

describe('proxy toxic drivers', () => {
  let upstream: net.Server;
  let proxy: FaultProxy;
  beforeEach(async () => {
    upstream = net.createServer((s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    proxy = createFaultProxy({
      name: 'api',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
    });
    await proxy.start();
  });
  afterEach(async () => {
    await proxy.stop();
    await new Promise((r) => upstream.close(r));
  });
  const agent = () => createLocalAgent({ processes: new Map(), proxies: new Map([['api', proxy]]) });

  it.each([
    ['proxy.bandwidth', { rateKBps: 64 }, 'bandwidth', { rate: 64 }],
    ['proxy.timeout', { timeout: '2s' }, 'timeout', { timeout: 2000 }],
    ['proxy.reset_peer', { timeout: '100ms' }, 'reset_peer', { timeout: 100 }],
    ['proxy.slow_close', { delay: '1s' }, 'slow_close', { delay: 1000 }],
    [
      'proxy.slicer',
      { averageBytes: 64, variationBytes: 8, delay: '2ms' },
      'slicer',
      { average_size: 64, size_variation: 8, delay: 2000 },
    ],
    ['proxy.limit_data', { bytes: 1024 }, 'limit_data', { bytes: 1024 }],
  ])(
    '%s adds a %s toxic with Toxiproxy attributes and removes it',
    async (kind, params, type, attributes) => {
      const a = agent();
      const fault = await a.inject({
        faultId: 'f1',
        kind,
        target: { proxy: 'api' },
        params: { ...params, stream: 'both' },
        durationMs: 1000,
      });
      expect(proxy.toxics().map((t) => [t.type, t.stream, t.attributes])).toEqual([
        [type, 'upstream', attributes],
        [type, 'downstream', attributes],
      ]);
      await fault.revert();
      expect(proxy.toxics()).toEqual([]);
    },
  );

  it('validates human units up front', async () => {
    await expect(
      agent().inject({
        faultId: 'f2',
        kind: 'proxy.slow_close',
        target: { proxy: 'api' },
        params: { delay: 'soon' },
        durationMs: 1000,
      }),
    ).rejects.toMatchObject({ code: 'SQUALL_SPEC_INVALID' });
  });

  it('proxy.timeout 0s holds data until the fault is reverted', async () => {
    const fault = await agent().inject({
      faultId: 'f3',
      kind: 'proxy.timeout',
      target: { proxy: 'api' },
      params: { stream: 'upstream' },
      durationMs: 1000,
    });
    const { port } = (({ listen }) => ({ port: Number(listen.split(':')[1]) }))(proxy);
    const s = net.connect({ port, host: '127.0.0.1' });
    await once(s, 'connect');
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
    });
    s.write('lost');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(0);
    await fault.revert();
    s.write('ping');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(4); // what was written during the blackhole is gone, as in Toxiproxy
    s.destroy();
  });
});
