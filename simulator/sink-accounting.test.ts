import { describe, expect, it } from 'vitest';
import { percentileMs, tenantKey } from '../engine/core/metrics.js';
import { SEEN_WINDOW_SEQS, SinkAccounting } from './sink-accounting.js';

const GRACE = 1000;
function sink(tenants = ['default'], tenantOf = (_i: number) => 0) {
  return new SinkAccounting({ tenants, tenantOf, graceMs: GRACE, capacity: 4 });
}
/** Feeds (index, seq) pairs at t = 0, 1, 2 ... ms, each sent 5 ms before it arrives. */
function feed(s: SinkAccounting, pairs: Array<[number, number]>, startMs = 0) {
  pairs.forEach(([index, seq], i) => {
    s.record(index, seq, startMs + i - 5, startMs + i);
  });
}
const seqs = (from: number, to: number, index = 0): Array<[number, number]> =>
  Array.from({ length: to - from + 1 }, (_, k) => [index, from + k]);

describe('sink accounting', () => {
  it('counts an in-order stream as delivered with its e2e latency', () => {
    const s = sink();
    feed(s, seqs(0, 99));
    s.settle();
    const t = s.totals();
    expect(t).toMatchObject({ delivered: 100, expected: 100, lost: 0, duplicates: 0, out_of_order: 0 });
    const r = s.collect();
    expect(percentileMs(r.histograms!.e2e_latency!, 50)).toBeCloseTo(5, 2);
  });

  it('declares a gap lost only after the grace period, exactly its size', () => {
    const s = sink();
    feed(s, [...seqs(0, 9), ...seqs(20, 29)]); // 10..19 missing, gap opened at t = 10
    s.sweep(10 + GRACE - 1);
    expect(s.totals().lost).toBe(0);
    expect(s.pendingMissing).toBe(10);
    s.sweep(10 + GRACE);
    expect(s.totals()).toMatchObject({ delivered: 20, expected: 30, lost: 10 });
    expect(s.pendingMissing).toBe(0);
  });

  it('counts late arrivals within grace as out-of-order and delivered, not lost', () => {
    const s = sink();
    feed(s, [
      [0, 0],
      [0, 1],
      [0, 4],
      [0, 3],
      [0, 2],
      [0, 5],
    ]);
    s.settle();
    expect(s.totals()).toMatchObject({ delivered: 6, expected: 6, lost: 0, out_of_order: 2, duplicates: 0 });
  });

  it('counts redeliveries as duplicates, not as delivered', () => {
    const s = sink();
    feed(s, [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 2],
      [0, 0],
      [0, 2],
    ]);
    s.settle();
    expect(s.totals()).toMatchObject({ delivered: 3, expected: 3, duplicates: 3, out_of_order: 0, lost: 0 });
  });

  it('a seq arriving after its gap was declared lost is late: delivered + lost == expected', () => {
    const s = sink();
    feed(s, [
      [0, 0],
      [0, 2],
    ]);
    s.sweep(1 + GRACE);
    s.record(0, 1, 0, 2000);
    s.record(0, 1, 0, 2001); // its redelivery is a duplicate
    s.settle();
    const t = s.totals();
    expect(t).toMatchObject({ delivered: 2, lost: 1, late: 1, duplicates: 1, expected: 3 });
    expect(t.delivered + t.lost).toBe(t.expected);
  });

  it('missing seqs before the first arrival are a gap when devices start at seq 0', () => {
    const s = sink();
    feed(s, seqs(3, 5));
    s.settle();
    expect(s.totals()).toMatchObject({ delivered: 3, expected: 6, lost: 3 });
    const fs = new SinkAccounting({ tenants: ['d'], tenantOf: () => 0, graceMs: 0, firstSeq: 'first-seen' });
    feed(fs, seqs(3, 5));
    fs.settle();
    expect(fs.totals()).toMatchObject({ delivered: 3, expected: 3, lost: 0 });
  });

  it('settle adds the trailing loss the publishers report', () => {
    const s = sink();
    feed(s, [...seqs(0, 4, 0), ...seqs(0, 2, 1)]);
    s.settle((index) => (index === 0 ? 4 : index === 1 ? 6 : -1), 3);
    expect(s.totals()).toMatchObject({ delivered: 8, expected: 12, lost: 4 });
  });

  it('keeps devices apart and grows past its initial capacity', () => {
    const s = sink();
    const pairs: Array<[number, number]> = [];
    for (let seq = 0; seq < 5; seq++) for (let index = 0; index < 1000; index++) pairs.push([index, seq]);
    feed(s, pairs);
    s.record(999, 4, 0, 10_000); // one duplicate
    s.settle();
    expect(s.totals()).toMatchObject({ delivered: 5000, expected: 5000, duplicates: 1, lost: 0 });
  });

  it('remembers seen seqs across a full window and matches older arrivals against open gaps', () => {
    const s = sink();
    const W = SEEN_WINDOW_SEQS;
    // 0..9, skip 10, then 11 .. 10+2W; 10 arrives 2W seqs late (outside the window, gap still open).
    feed(s, [...seqs(0, 9), ...seqs(11, 10 + 2 * W)]);
    s.record(0, 10, 0, 100);
    s.record(0, 10, 0, 101); // now a duplicate
    s.record(0, 10 + 2 * W - 40, 0, 102); // inside the window: duplicate
    s.settle();
    expect(s.totals()).toMatchObject({
      delivered: 11 + 2 * W,
      expected: 11 + 2 * W,
      lost: 0,
      out_of_order: 1,
      duplicates: 2,
    });
  });

  it('reports per-tenant counters and latency, and slices reset on collect', () => {
    const s = sink(['acme', 'globex'], (i) => (i % 5 === 0 ? 1 : 0));
    feed(s, [...seqs(0, 9, 0), ...seqs(0, 9, 1), [1, 12]]);
    s.settle();
    const r = s.collect();
    expect(r.counters).toMatchObject({
      delivered: 21,
      lost: 2,
      [tenantKey('delivered', 'globex')]: 10,
      [tenantKey('delivered', 'acme')]: 11,
      [tenantKey('lost', 'acme')]: 2,
      [tenantKey('lost', 'globex')]: 0,
    });
    expect(r.histograms![tenantKey('e2e_latency', 'globex')]!.totalCount).toBe(10);
    expect(r.gauges!.data_loss_window_ms).toBe(1); // device 1: seq 9 sent at t=14, seq 12 at t=15
    expect(s.collect().counters!.delivered).toBe(0);
  });
});
