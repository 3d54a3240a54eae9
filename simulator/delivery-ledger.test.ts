/**
 * The delivery ledger's settling rules, on hand-made tallies (pure logic: no broker needed;
 * the integration and oracle tests drive it with real devices and brokers).
 */
import { describe, expect, it } from 'vitest';
import { DatedTally } from './dated-tally.js';
import { arrivalTally, DeliveryLedger, sentTally } from './delivery-ledger.js';

const S = 1000;

function ledger(tenants = ['default'], graceMs = 3000) {
  return new DeliveryLedger({ tenants, bucketMs: S, graceMs });
}
function sent(atMs: number[], tenants = 1): ReturnType<DatedTally['drain']> {
  const t = sentTally(tenants, S);
  for (const at of atMs) t.add(0, 0, at);
  return t.drain();
}
function arrived(atMs: number[], kind: 0 | 1 | 2 = 0): ReturnType<DatedTally['drain']> {
  const t = arrivalTally(1, S);
  for (const at of atMs) t.add(kind, 0, at);
  return t.drain();
}
const byStart = (l: DeliveryLedger) => Object.fromEntries(l.drain().map((d) => [d.startMs, d.counters]));

describe('DatedTally', () => {
  it('dates by the bucket of the time given, not by when it was counted, and merges', () => {
    const t = new DatedTally(['a', 'b'], 2, S);
    t.add(0, 1, 10_400);
    t.add(1, 0, 10_999);
    t.add(0, 1, 11_000, 3);
    const other = new DatedTally(['a', 'b'], 2, S);
    other.merge(t.drain());
    expect(other.drain()).toEqual({
      bucketMs: S,
      buckets: [
        [10_000, [0, 1, 1, 0]],
        [11_000, [0, 3, 0, 0]],
      ],
    });
    expect(t.drain().buckets).toEqual([]);
  });
});

describe('DeliveryLedger', () => {
  it('settles a bucket early once everything it expected arrived', () => {
    const l = ledger();
    l.addSent(sent([10_100, 10_500]));
    l.addArrivals(arrived([10_100, 10_500]));
    l.advance(11_000, 11_020);
    expect(byStart(l)).toEqual({
      10000: { expected: 2, delivered: 2, lost: 0, duplicates: 0, out_of_order: 0, unexpected: 0 },
    });
    expect(l.finalThroughMs).toBe(11_000);
  });

  it('waits for the devices: a bucket is not final before their counts are in', () => {
    const l = ledger();
    l.addArrivals(arrived([10_100]));
    l.advance(10_900, 20_000);
    expect(l.drain()).toEqual([]);
    l.addSent(sent([10_100]));
    l.advance(11_000, 20_000);
    expect(byStart(l)[10000]).toMatchObject({ expected: 1, delivered: 1, lost: 0 });
  });

  it('declares the missing ones lost only after the grace, in the bucket they were sent in', () => {
    const l = ledger();
    l.addSent(sent([10_100, 10_200, 10_300]));
    l.addArrivals(arrived([10_100]));
    l.advance(11_000, 13_999);
    expect(l.drain()).toEqual([]);
    expect(l.pending().total).toBe(2);
    l.advance(11_000, 14_000);
    expect(byStart(l)[10000]).toMatchObject({ expected: 3, delivered: 1, lost: 2 });
    expect(l.pending().total).toBe(0);
  });

  it('settles in order: a complete later bucket waits for an earlier one still in its grace', () => {
    const l = ledger();
    l.addSent(sent([10_100, 11_100]));
    l.addArrivals(arrived([11_100]));
    l.advance(12_000, 12_500);
    expect(l.drain()).toEqual([]);
    l.advance(12_000, 14_000);
    expect(Object.keys(byStart(l))).toEqual(['10000', '11000']);
  });

  it('a first copy after its bucket settled is late (still lost), duplicates amend the settled bucket', () => {
    const l = ledger();
    l.addSent(sent([10_100]));
    l.advance(11_000, 14_000);
    expect(byStart(l)[10000]).toMatchObject({ lost: 1 });
    l.addArrivals(arrived([10_100]));
    l.addArrivals(arrived([10_100], 1));
    expect(l.drain()).toEqual([
      { startMs: 10_000, counters: { late: 1, duplicates: 0 } },
      { startMs: 10_000, counters: { late: 0, duplicates: 1 } },
    ]);
    expect(l.totals()).toMatchObject({ expected: 1, delivered: 0, lost: 1, late: 1, duplicates: 1 });
  });

  it('skips buckets nothing was sent in and keeps per-tenant keys', () => {
    const l = ledger(['acme', 'globex']);
    const t = sentTally(2, S);
    t.add(0, 1, 15_000);
    l.addSent(t.drain());
    const a = arrivalTally(2, S);
    a.add(0, 1, 15_000);
    l.addArrivals(a.drain());
    l.advance(16_000, 16_000);
    const out = l.drain();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      startMs: 15_000,
      counters: { expected: 1, 'expected{tenant=globex}': 1, 'expected{tenant=acme}': 0, delivered: 1 },
    });
  });

  it('more distinct copies than sent (someone else publishes our payloads) is unexpected, not delivery above 100%', () => {
    const l = ledger();
    l.addSent(sent([10_100]));
    l.addArrivals(arrived([10_100, 10_200]));
    l.advance(11_000, 11_000);
    expect(byStart(l)[10000]).toMatchObject({ expected: 1, delivered: 1, lost: 0, unexpected: 1 });
  });

  it('settleAll makes everything final and never loops on an infinite watermark', () => {
    const l = ledger();
    l.addSent(sent([10_100, 12_100]));
    l.settleAll();
    expect(Object.keys(byStart(l))).toEqual(['10000', '12000']);
    l.settle();
    l.addArrivals(arrived([12_100]));
    expect(l.drain()).toEqual([{ startMs: 12_000, counters: { late: 1, duplicates: 0 } }]);
  });
});
