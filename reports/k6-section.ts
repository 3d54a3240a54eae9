/**
 * The "k6 end-of-test summary" section of summary.md, for a summary imported with `squall
 * report --import-k6` (engine/core/k6-summary.ts): k6's own whole-run numbers beside the
 * run's windows, which come from the probe. Numbers go through the one formatter.
 */
import { formatMs, formatNumber, formatSliValue } from '../engine/core/format.js';
import type { K6Summary, K6SummaryMetric } from '../engine/core/k6-summary.js';
import { cell, mdTable } from './md-table.js';

const FORMAT_NAMES: Record<K6Summary['format'], string> = {
  handleSummary: 'handleSummary data',
  'summary-export': '--summary-export',
  'machine-readable': 'machine-readable summary',
};

function bytes(n: number): string {
  for (const [unit, size] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const)
    if (n >= size) return `${formatNumber(n / size)} ${unit}`;
  return `${formatNumber(n)} B`;
}

/** One metric's values as k6's own summary line reads them: `avg=12 ms med=11 ms p(95)=30 ms`. */
function k6MetricValues(m: K6SummaryMetric): string {
  const v = m.values;
  const amount = (n: number) =>
    m.contains === 'time' ? formatMs(n) : m.contains === 'data' ? bytes(n) : formatNumber(n);
  switch (m.type) {
    case 'rate': {
      const rate = v.rate !== undefined ? formatSliValue(v.rate, 'ratio') : '—';
      return `${rate} ✓ ${formatNumber(v.passes ?? 0)} ✗ ${formatNumber(v.fails ?? 0)}`;
    }
    case 'counter':
      return [v.count !== undefined && amount(v.count), v.rate !== undefined && `${amount(v.rate)}/s`]
        .filter(Boolean)
        .join(' · ');
    default:
      return Object.entries(v)
        .map(([k, n]) => `${k}=${k === 'count' ? formatNumber(n) : amount(n)}`)
        .join(' ');
  }
}

export function renderK6Section(k6: K6Summary): string[] {
  const facts = [
    `From \`${cell(k6.file)}\` (${FORMAT_NAMES[k6.format]}${k6.k6Version ? `, k6 ${k6.k6Version}` : ''})`,
    k6.script && `script \`${cell(k6.script)}\``,
    k6.durationMs !== null && formatMs(k6.durationMs),
    k6.passed !== null && (k6.passed ? "k6's thresholds passed" : "**k6's thresholds failed**"),
  ].filter(Boolean);
  const out = [
    '',
    '### k6 end-of-test summary',
    '',
    `${facts.join(' · ')}. Whole-run numbers, k6's own; the windows above come from the k6 probe.`,
    '',
    k6.metrics.length
      ? mdTable(
          ['metric', 'type', 'values'],
          k6.metrics.map((m) => [m.name, m.type, k6MetricValues(m)]),
        )
      : '_No metrics._',
  ];
  if (k6.thresholds.length)
    out.push(
      '',
      mdTable(
        ['threshold', 'metric', 'result'],
        k6.thresholds.map((t) => [t.expression, t.metric, t.ok ? '✓ passed' : '✗ failed']),
      ),
    );
  if (k6.checks.length)
    out.push(
      '',
      mdTable(
        ['check', 'passes', 'fails'],
        k6.checks.map((c) => [c.path, formatNumber(c.passes), formatNumber(c.fails)]),
      ),
    );
  return out;
}
