/**
 * The SLI catalogue: one row per built-in SLI, resolved by name.
 *
 * Metric keys a source must produce (slice keys are `<source>.<metric>`, metrics.ts):
 *
 * | key                          | kind      | meaning                                              |
 * |------------------------------|-----------|------------------------------------------------------|
 * | `fleet.connected`            | gauge     | devices connected at the end of the slice            |
 * | `fleet.target`               | gauge     | devices that should be connected (the ramp target)   |
 * | `fleet.connect_ok`           | counter   | CONNACKs with return code 0                          |
 * | `fleet.connect_attempts`     | counter   | CONNECTs sent                                        |
 * | `fleet.published`            | counter   | PUBLISHes sent by devices                            |
 * | `fleet.expected`             | counter   | messages the sinks should have received              |
 * | `fleet.delivered`            | counter   | distinct messages the sinks received                 |
 * | `fleet.lost`                 | counter   | sequence numbers declared lost                       |
 * | `fleet.duplicates`           | counter   | messages received more than once                     |
 * | `fleet.out_of_order`         | counter   | messages received after a higher sequence number     |
 * | `fleet.data_loss_window_ms`  | gauge     | longest span in time of lost sequence numbers, any device, so far |
 * | `fleet.connect_latency`      | histogram | CONNECT → CONNACK (µs)                               |
 * | `fleet.puback_latency`       | histogram | PUBLISH → PUBACK (µs)                                |
 * | `fleet.e2e_latency`          | histogram | device send time → sink receive time (µs)            |
 * | `fleet.reconnect_time`       | histogram | disconnect → connected again, per device (µs)        |
 * | `<probe>.ok`, `<probe>.total`| counter   | probe attempts that succeeded / all attempts         |
 * | `<probe>.latency`            | histogram | probe latency (µs)                                   |
 * | `<probe>.checks_passed`, `<probe>.checks` | counter | k6 checks that passed / all (engine/probes/k6-points.ts) |
 * | `<probe>.iterations`, `<probe>.dropped_iterations` | counter | k6 iterations completed / not started |
 * | `<probe>.iteration_duration` | histogram | k6 iteration duration (µs)                           |
 * | `<source>.<slo>.good`, `.total` | counter | PromQL rates × slice length (promql_ratio)          |
 * | `<source>.<slo>.value`       | gauge     | a PromQL query's value at the slice's end (promql)   |
 *
 * `data_loss_window_ms` is the maximum since the start of the run (the sink keeps the worst
 * gap), so a window reads the largest value its slices carry.
 *
 * Per tenant: an SLO with `source: fleet.acme` reads `fleet.delivered{tenant=acme}` and the like
 * (simulator/sink-accounting.ts `tenantKey`); the sinks report their counters and
 * `e2e_latency` per tenant, so delivery, loss, duplicates, order and e2e latency work per tenant;
 * the rest is fleet-wide and reads as nodata for a tenant.
 */

import { closest } from '../core/did-you-mean.js';
import { Registry } from '../core/registry.js';
import type { ResolvedSli, SliDefinition } from './sli.js';

/** The marker a percentile family carries in its name. */
const PERCENTILE_MARKER = 'pNN';

export const SLI_CATALOG: readonly SliDefinition[] = [
  {
    name: 'connected_ratio',
    description: 'Devices connected out of the target, in device-seconds over the window.',
    unit: 'ratio',
    sources: 'fleet',
    compute: { measure: 'gauge_ratio', gauge: 'connected', of: 'target' },
  },
  {
    name: 'connect_success_ratio',
    description: 'Connection attempts accepted by the broker out of all attempts.',
    unit: 'ratio',
    sources: 'fleet',
    compute: { measure: 'ratio', good: 'connect_ok', total: 'connect_attempts' },
  },
  {
    name: 'connect_latency_pNN',
    description: 'CONNECT to CONNACK latency at a percentile.',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'percentile', histogram: 'connect_latency' },
  },
  {
    name: 'puback_latency_pNN',
    description: 'PUBLISH to PUBACK latency at a percentile.',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'percentile', histogram: 'puback_latency' },
  },
  {
    name: 'e2e_latency_pNN',
    description: 'Device send time to sink receive time at a percentile.',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'percentile', histogram: 'e2e_latency' },
  },
  {
    name: 'delivery_ratio',
    description: 'Distinct messages the sinks received out of those they should have.',
    unit: 'ratio',
    sources: 'fleet',
    compute: { measure: 'ratio', good: 'delivered', total: 'expected' },
  },
  {
    name: 'messages_lost',
    description: 'Messages lost (sequence numbers never received).',
    unit: 'count',
    sources: 'fleet',
    compute: { measure: 'counter', counter: 'lost', per: 'expected' },
  },
  {
    name: 'duplicates',
    description: 'Messages received more than once.',
    unit: 'count',
    sources: 'fleet',
    compute: { measure: 'counter', counter: 'duplicates', per: 'delivered' },
  },
  {
    name: 'out_of_order',
    description: 'Messages received after a later sequence number of the same device.',
    unit: 'count',
    sources: 'fleet',
    compute: { measure: 'counter', counter: 'out_of_order', per: 'delivered' },
  },
  {
    name: 'reconnect_time_pNN',
    description: 'Time from a disconnect to being connected again, per device, at a percentile.',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'percentile', histogram: 'reconnect_time' },
    preflight: 'opt-in', // a healthy fleet does not reconnect: no data at rest
  },
  {
    name: 'time_to_recover',
    description:
      'From the end of the fault (its start, for instantaneous faults) until an SLI is back within its objective and stays there (recovery.ts).',
    unit: 'ms',
    sources: 'any',
    compute: { measure: 'derived', derivation: 'time_to_recover' },
    preflight: 'never',
  },
  {
    name: 'rto',
    description:
      'Recovery time objective: from the start of the fault (the disaster strikes) until an SLI (default connected_ratio >= 99%) is back within its objective and stays there (disaster.ts).',
    unit: 'ms',
    sources: 'any',
    compute: { measure: 'derived', derivation: 'rto' },
    preflight: 'never',
  },
  {
    name: 'rpo',
    description:
      'Recovery point objective, in time: the longest span of data lost for any device from the first fault to the end of the run (disaster.ts).',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'derived', derivation: 'rpo' },
    preflight: 'never',
  },
  {
    name: 'data_loss_window',
    description: 'Longest span in time of lost sequence numbers for any device.',
    unit: 'ms',
    sources: 'fleet',
    compute: { measure: 'gauge_max', gauge: 'data_loss_window_ms' },
  },
  {
    name: 'throughput',
    description: 'Messages published per second (fleet) or probe attempts per second.',
    unit: 'per_s',
    sources: 'any',
    // A probe has no `published`; its throughput counts attempts.
    compute: { measure: 'rate', counter: 'published', probeCounter: 'total' },
  },
  {
    name: 'success_ratio',
    description: 'Probe attempts that succeeded out of all attempts.',
    unit: 'ratio',
    sources: 'probe',
    compute: { measure: 'ratio', good: 'ok', total: 'total' },
  },
  {
    name: 'latency_pNN',
    description: 'Probe latency at a percentile (a k6 probe: http_req_duration).',
    unit: 'ms',
    sources: 'probe',
    compute: { measure: 'percentile', histogram: 'latency' },
  },
  {
    name: 'check_success_ratio',
    description: "k6 checks that passed out of all checks the script ran (k6's `checks` rate).",
    unit: 'ratio',
    sources: 'probe',
    compute: { measure: 'ratio', good: 'checks_passed', total: 'checks' },
  },
  {
    name: 'iteration_duration_pNN',
    description: 'Duration of one k6 iteration (one run of the default function) at a percentile.',
    unit: 'ms',
    sources: 'probe',
    compute: { measure: 'percentile', histogram: 'iteration_duration' },
  },
  {
    name: 'iteration_rate',
    description: 'k6 iterations completed per second.',
    unit: 'per_s',
    sources: 'probe',
    compute: { measure: 'rate', counter: 'iterations', probeCounter: 'iterations' },
  },
  {
    name: 'dropped_iterations',
    description:
      'k6 iterations an arrival-rate scenario could not start (no VU free): the load generator fell behind.',
    unit: 'count',
    sources: 'probe',
    compute: { measure: 'counter', counter: 'dropped_iterations', per: 'iterations' },
  },
  {
    name: 'promql_ratio',
    description:
      "Good events out of all events, from two PromQL rates (params.good, params.total: per-second rates such as sum(rate(x_total[5s]))) asked at each slice's end; a slice's events are each rate × its length.",
    unit: 'ratio',
    sources: 'prometheus',
    compute: { measure: 'ratio', good: 'good', total: 'total' },
  },
  {
    name: 'promql',
    description:
      "A PromQL query's value (params.query) at each slice's end, compared with the objective per slice; the window's value is its worst slice.",
    unit: 'count',
    sources: 'prometheus',
    compute: { measure: 'sample', gauge: 'value' },
  },
];

const registry = new Registry<SliDefinition>('SLI');
for (const definition of SLI_CATALOG) registry.register(definition);

// `p50`, `p90`, `p99`, `p99.9`, `p99.99`: a percentile strictly between 0 and 100.
const PERCENTILE_RE = /^(.*)_p(\d{1,2}(?:\.\d+)?)$/;

/** `e2e_latency_p99` → the `e2e_latency_pNN` family with percentile 99; undefined when unknown. */
export function resolveSli(name: string): ResolvedSli | undefined {
  const exact = registry.get(name);
  if (exact && !exact.name.endsWith(PERCENTILE_MARKER)) return { definition: exact };
  const m = PERCENTILE_RE.exec(name);
  if (!m) return undefined;
  const family = registry.get(`${m[1]}_${PERCENTILE_MARKER}`);
  const percentile = Number(m[2]);
  if (!family || !(percentile > 0 && percentile < 100)) return undefined;
  return { definition: family, percentile };
}

/** Every SLI name as written in the catalogue, families with `pNN` (`e2e_latency_pNN`). */
export function knownSliNames(): string[] {
  return registry.names();
}

/** A message for an unknown SLI name: the nearest known one (as the user would write it), then all of them. */
export function unknownSliMessage(name: string): string {
  const m = PERCENTILE_RE.exec(name);
  const asFamily = m ? `${m[1]}_${PERCENTILE_MARKER}` : name;
  const near = closest(asFamily, knownSliNames());
  const suggestion = near && m ? near.replace(PERCENTILE_MARKER, `p${m[2]}`) : near;
  const hint = suggestion && suggestion !== name ? ` (did you mean '${suggestion}'?)` : '';
  return `unknown SLI '${name}'${hint}; known: ${knownSliNames().join(', ')} (pNN: a percentile such as p50, p99, p99.9)`;
}

/**
 * Why `source` cannot provide this SLI, or undefined when it can. `source` is the SLO's
 * `source` (default `fleet`); `metricsSources` are the names under `sources:`; any other name
 * is a probe.
 */
export function sliSourceProblem(
  sli: ResolvedSli,
  source: string,
  metricsSources: readonly string[] = [],
): string | undefined {
  const isFleet = isFleetSource(source);
  const { sources, name } = sli.definition;
  const isMetricsSource = metricsSources.includes(source);
  if (sources === 'prometheus')
    return isMetricsSource
      ? undefined
      : `SLI '${name}' is a PromQL query; set 'source' to a Prometheus source declared under sources:`;
  if (isMetricsSource)
    return `source '${source}' is a Prometheus source; its SLIs are promql (params.query) and promql_ratio (params.good, params.total)`;
  if (sources === 'fleet' && !isFleet)
    return `SLI '${name}' is measured by the fleet, not by probe '${source}'`;
  if (sources === 'probe' && isFleet)
    return `SLI '${name}' is measured by a probe; set 'source' to the probe's name`;
  return undefined;
}

/**
 * The SLI an SLO reads, with a PromQL SLI's keys made the SLO's own (`<slo>.good`): several
 * SLOs read one Prometheus source, each with its own queries. Undefined when unknown.
 */
export function resolveSloSli(sliName: string, sloName: string | undefined): ResolvedSli | undefined {
  const sli = resolveSli(sliName);
  if (sli?.definition.sources !== 'prometheus' || sloName === undefined) return sli;
  const c = sli.definition.compute;
  const own = (key: string) => `${sloName}.${key}`;
  const compute =
    c.measure === 'ratio'
      ? { ...c, good: own(c.good), total: own(c.total) }
      : c.measure === 'sample'
        ? { ...c, gauge: own(c.gauge) }
        : c;
  return { ...sli, definition: { ...sli.definition, compute } };
}

/** `fleet` and its per-tenant sources (`fleet.acme`); any other source is a probe. */
export function isFleetSource(source: string): boolean {
  return source === 'fleet' || source.startsWith('fleet.');
}
