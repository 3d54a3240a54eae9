/**
 * nft.* drivers between two network namespaces this test creates (veth pair, 10.201.x.0/24 only
 * inside them). Proves: TCP is blocked during a partition or blackhole and flows after; 20%
 * loss measured within ±5 points over 2,000 UDP datagrams; each fault is its own table, gone
 * after revert and after ledger recovery. Needs root with nftables; skipped otherwise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../local/local-agent.js';
import { canUseNetns, createNetnsPair, type NetnsPair } from '../test-support/netns.js';
import { faultDrivers } from './catalog.js';

describe.skipIf(!canUseNetns())('nft drivers between namespaces', () => {
  let net: NetnsPair;
  const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });

  beforeEach(() => {
    net = createNetnsPair();
  });
  afterEach(async () => {
    try {
      await agent.revertAll();
    } finally {
      net.destroy();
    }
  });

  const tcpFromA = async () => (await net.probe(net.a, ['tcp-connect', net.addrB, '7000', '400']))[0];

  it('nft.partition blocks TCP both ways during the fault and lets it flow after', async () => {
    await net.start(net.b, ['tcp-server', net.addrB, '7000']);
    expect(await tcpFromA()).toBe('ok');
    const fault = await agent.inject({
      faultId: 'part-1',
      kind: 'nft.partition',
      target: { host: net.b },
      params: { peers: [net.addrA] },
      durationMs: 5000,
    });
    expect(net.nftTables(net.b)).toContain('table inet squall_part-1');
    expect(fault.removeCommand).toBe(`ip netns exec ${net.b} nft delete table inet squall_part-1`);
    expect(await tcpFromA()).toBe('fail timeout');
    // Egress too: B cannot reach A either.
    await net.start(net.a, ['tcp-server', net.addrA, '7001']);
    expect((await net.probe(net.b, ['tcp-connect', net.addrA, '7001', '400']))[0]).toBe('fail timeout');
    await fault.revert();
    expect(net.nftTables(net.b)).toEqual([]);
    expect(await tcpFromA()).toBe('ok');
  });

  it('nft.partition handles IPv6 peers apart from IPv4 ones', async () => {
    await net.waitIpv6();
    await net.start(net.b, ['tcp-server', '::', '7000']);
    const tcp6 = async () => (await net.probe(net.a, ['tcp-connect', net.addrB6, '7000', '400']))[0];
    expect(await tcp6()).toBe('ok');
    const fault = await agent.inject({
      faultId: 'part-6',
      kind: 'nft.partition',
      target: { host: net.b },
      params: { peers: [`${net.addrA6}/128`] },
      durationMs: 5000,
    });
    expect(await tcp6()).toBe('fail timeout');
    expect(await tcpFromA()).toBe('ok'); // IPv4 from the same host is not part of this fault
    await fault.revert();
    expect(await tcp6()).toBe('ok');
  });

  it('nft.blackhole drops a port silently and only that port', async () => {
    await net.start(net.b, ['tcp-server', net.addrB, '7000']);
    await net.start(net.b, ['tcp-server', net.addrB, '7002']);
    const fault = await agent.inject({
      faultId: 'bh-1',
      kind: 'nft.blackhole',
      target: { host: net.b },
      params: { ports: [7000], protocol: 'tcp' },
      durationMs: 5000,
    });
    expect(await tcpFromA()).toBe('fail timeout');
    expect((await net.probe(net.a, ['tcp-connect', net.addrB, '7002', '400']))[0]).toBe('ok');
    await fault.revert();
    expect(await tcpFromA()).toBe('ok');
  });

  it('nft.loss 20% drops 20% ± 5 points of 2,000 UDP datagrams', async () => {
    const fault = await agent.inject({
      faultId: 'loss-1',
      kind: 'nft.loss',
      target: { host: net.b },
      params: { loss: '20%', direction: 'ingress' },
      durationMs: 5000,
    });
    const sink = await net.start(net.b, ['udp-sink', net.addrB, '7100', '1500']);
    await net.probe(net.a, ['udp-send', net.addrB, '7100', '2000']);
    await sink.exited;
    const received = Number(sink.lines[1]);
    const loss = 1 - received / 2000;
    console.log(`nft.loss 20%: received ${received}/2000, measured loss ${(loss * 100).toFixed(1)}%`);
    expect(Math.abs(loss - 0.2)).toBeLessThanOrEqual(0.05);
    await fault.revert();
    expect(net.nftTables(net.b)).toEqual([]);
  });

  it('recover() deletes a table a dead agent left, and is a no-op when there is none', async () => {
    const driver = faultDrivers.get('nft.partition')!;
    const params = driver.params.parse({ peers: [net.addrA] });
    const fault = await agent.inject({
      faultId: 'left-1',
      kind: 'nft.partition',
      target: { host: net.b },
      params: { peers: [net.addrA] },
      durationMs: 5000,
    });
    const ctx = {
      faultId: 'left-1',
      target: { host: net.b },
      durationMs: 0,
      resolveProcess: () => {
        throw new Error('unused');
      },
      resolveProxy: () => {
        throw new Error('unused');
      },
      assertMaySignal: () => {},
      record: () => {},
      log: () => {},
    };
    await driver.recover!(ctx, params);
    expect(net.nftTables(net.b)).toEqual([]);
    await driver.recover!(ctx, params);
    await fault.revert(); // idempotent: the table is already gone
  });

  it('rejects bad addresses before anything runs', async () => {
    await expect(
      agent.inject({
        faultId: 'bad-1',
        kind: 'nft.partition',
        target: { host: net.b },
        params: { peers: ['10.0.0.1; flush ruleset'] },
        durationMs: 1000,
      }),
    ).rejects.toMatchObject({ code: 'SQUALL_SPEC_INVALID' });
  });
});

describe.skipIf(!canUseNetns())('tc drivers', () => {
  let net: NetnsPair;
  const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
  beforeEach(() => {
    net = createNetnsPair(202);
  });
  afterEach(async () => {
    try {
      await agent.revertAll();
    } finally {
      net.destroy();
    }
  });

  it('tc.bandwidth installs its own tbf root qdisc and deletes exactly it', async () => {
    const fault = await agent.inject({
      faultId: 'bw-1',
      kind: 'tc.bandwidth',
      target: { host: net.b },
      params: { device: 'lo', rate: '1mbit' },
      durationMs: 1000,
    });
    const { execFileSync } = await import('node:child_process');
    const show = () =>
      execFileSync('ip', ['netns', 'exec', net.b, 'tc', 'qdisc', 'show', 'dev', 'lo', 'root'], {
        encoding: 'utf8',
      });
    expect(show()).toMatch(/qdisc tbf 5157: root .*rate 1Mbit/);
    await fault.revert();
    expect(show()).not.toContain('5157:');
  });

  it('tc.delay without sch_netem fails with SQUALL_NETEM_UNAVAILABLE pointing to proxy.latency', async () => {
    const { netemUnavailable } = await import('./tc-netem.js');
    const reason = await netemUnavailable();
    const attempt = agent.inject({
      faultId: 'nd-1',
      kind: 'tc.delay',
      target: { host: net.b },
      params: { device: 'lo', delay: '10ms' },
      durationMs: 1000,
    });
    if (reason === undefined) {
      await (await attempt).revert(); // this kernel has netem
      return;
    }
    await expect(attempt).rejects.toMatchObject({ code: 'SQUALL_NETEM_UNAVAILABLE' });
    await expect(attempt).rejects.toThrow(/proxy\.latency/);
  });
});
