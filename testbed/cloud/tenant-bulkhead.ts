/**
 * A per-tenant bulkhead for the cloud broker: each tenant's publishes draw from its own token
 * bucket, so one tenant's flood cannot take the capacity the others need. A publish over the
 * rate is delayed, not dropped: the worker calls aedes' `authorizePublish` callback only when the
 * tenant's bucket has a token for it, and aedes reads no more from that client's socket until its
 * current batch is authorised — so the flooding devices are slowed by TCP back-pressure and their
 * QoS 1 PUBACKs come later, and nothing is lost. The tenant is the second topic level of
 * `t/<tenant>/...` (the fleet's topic convention); other topics are not limited.
 *
 * The bucket is a GCRA (virtual scheduling): each tenant keeps its theoretical arrival time,
 * which advances by 1/rate per publish; a publish waits for the amount by which that time runs
 * ahead of now beyond the burst allowance. One number per tenant, no timer per tenant.
 *
 * Each worker enforces `limit / workers` on its own (primary.ts): exact when a tenant's
 * connections are spread evenly over the workers (node:cluster deals them round robin); a
 * tenant with fewer connections than workers, or one left uneven by a restart, gets less than
 * its limit. A cluster-wide bucket would need a round trip to the primary per publish.
 */

export interface TenantBulkheadOptions {
  /** Publishes per second each tenant may make (on this worker). */
  ratePerS: number;
  /** Publishes a tenant may send back to back before it is paced (default: 100 ms worth, at least 1). */
  burst?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export interface TenantCounters {
  admitted: number;
  /** Publishes that had to wait for a token. */
  delayed: number;
  /** Sum of the waits, ms. */
  delayedMs: number;
}

export interface TenantBulkhead {
  /** ms this publish must wait before it is authorised (0: at once); reserves its token. */
  reserve(topic: string): number;
  /** Per tenant: admitted publishes, how many waited and for how long in total. */
  counters(): ReadonlyMap<string, TenantCounters>;
}

/** `t/acme/17` → `acme`; undefined for topics outside the tenant convention. */
export function tenantOf(topic: string): string | undefined {
  if (!topic.startsWith('t/')) return undefined;
  const end = topic.indexOf('/', 2);
  const tenant = end === -1 ? topic.slice(2) : topic.slice(2, end);
  return tenant === '' ? undefined : tenant;
}

export function createTenantBulkhead(options: TenantBulkheadOptions): TenantBulkhead {
  const { ratePerS } = options;
  if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) {
    throw new RangeError(`tenant bulkhead: ratePerS must be a positive number, got ${ratePerS}`);
  }
  const burst = options.burst ?? Math.max(1, Math.round(ratePerS / 10));
  if (!(burst >= 1)) throw new RangeError(`tenant bulkhead: burst must be at least 1, got ${burst}`);
  const now = options.now ?? (() => performance.now());
  const intervalMs = 1000 / ratePerS;
  // How far the schedule may run ahead of the clock before a publish has to wait.
  const toleranceMs = (burst - 1) * intervalMs;
  const arrival = new Map<string, number>();
  const counters = new Map<string, TenantCounters>();

  return {
    reserve(topic) {
      const tenant = tenantOf(topic);
      if (tenant === undefined) return 0;
      const t = now();
      const tat = Math.max(arrival.get(tenant) ?? t, t);
      const waitMs = Math.max(0, tat - toleranceMs - t);
      arrival.set(tenant, tat + intervalMs);
      let c = counters.get(tenant);
      if (!c) {
        c = { admitted: 0, delayed: 0, delayedMs: 0 };
        counters.set(tenant, c);
      }
      c.admitted++;
      if (waitMs > 0) {
        c.delayed++;
        c.delayedMs += waitMs;
      }
      return waitMs;
    },
    counters: () => counters,
  };
}
