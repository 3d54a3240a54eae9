import { describe, expect, it } from 'vitest';
import { EVENT, EventBuckets, EventSeries } from './event-buckets.js';

describe('event buckets', () => {
  it('counts events per 100 ms bucket and merges drains from several engines by bucket', () => {
    const a = new EventBuckets(100);
    const b = new EventBuckets(100);
    a.add(EVENT.attempts, 1000);
    a.add(EVENT.attempts, 1099.9);
    a.add(EVENT.connacks, 1050);
    b.add(EVENT.attempts, 1010);
    const series = new EventSeries(100);
    series.merge(a.drain());
    a.add(EVENT.attempts, 1080); // the same bucket, after a drain: merged again
    a.add(EVENT.connacks, 1300);
    series.merge(a.drain());
    series.merge(b.drain());
    expect(series.series()).toEqual([
      { atMs: 1000, attempts: 4, connacks: 1 },
      { atMs: 1300, attempts: 0, connacks: 1 },
    ]);
    expect(a.drain()).toEqual([]);
  });
});
