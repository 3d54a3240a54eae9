/**
 * Inline SVG charts for report.html: no script, no network, so the file works offline, on a
 * projector and printed to PDF. Colours come from CSS classes (styles.ts) so light and dark
 * themes (and print) restyle the same markup.
 */
import { formatBudget, formatDuration, formatSliValue } from '../format.js';
import { escapeXml } from '../junit.js';
import type { Chart, ChartUnit } from '../series.js';

/** The time axis every chart shares: seconds from the start of the baseline. */
export interface TimeAxis {
  fromS: number;
  toS: number;
  phases: { phase: string; startS: number; endS: number }[];
  faults: { name: string; startS: number; endS: number }[];
  guardTrips: { guard: string; atS: number }[];
}

const W = 960;
const H = 240;
const PAD = { left: 110, right: 16, top: 12, bottom: 28 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

const fmt = (v: number, unit: ChartUnit): string => {
  if (unit === 'budget') return formatBudget(v);
  if (unit === 'devices') return formatSliValue(Math.round(v), 'count');
  return formatSliValue(v, unit);
};

/** 1, 2 or 5 × 10^n at or above `v`, so axis labels are round. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const xOf = (axis: TimeAxis, s: number) =>
  PAD.left + ((s - axis.fromS) / Math.max(1e-9, axis.toS - axis.fromS)) * PLOT_W;

function bands(axis: TimeAxis): string {
  const out: string[] = [];
  for (const f of axis.faults) {
    const x0 = xOf(axis, f.startS);
    const x1 = xOf(axis, Math.max(f.endS, f.startS));
    out.push(
      `<rect class="fault-band" x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${PLOT_H}"><title>fault ${escapeXml(f.name)}</title></rect>`,
    );
  }
  let lastLabelX = Number.NEGATIVE_INFINITY;
  for (const p of axis.phases) {
    const x = xOf(axis, p.startS).toFixed(1);
    out.push(`<line class="phase-line" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}"/>`);
    // A short phase (a 30 s preflight before a 30 min run) would print its label over the next.
    if (Number(x) - lastLabelX < 70) continue;
    lastLabelX = Number(x);
    out.push(
      `<text class="phase-label" x="${(Number(x) + 3).toFixed(1)}" y="${PAD.top + 10}">${escapeXml(p.phase)}</text>`,
    );
  }
  for (const g of axis.guardTrips) {
    const x = xOf(axis, g.atS).toFixed(1);
    out.push(
      `<line class="guard-line" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}"><title>guard ${escapeXml(g.guard)} tripped</title></line>`,
    );
  }
  return out.join('');
}

/** Round steps for a time axis, in seconds: labels read 30s, 1m, 5m rather than 500s. */
const TIME_STEPS_S = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

function timeTicks(axis: TimeAxis, axisY: number, labelY: number): string {
  const span = axis.toS - axis.fromS;
  const step = TIME_STEPS_S.find((s) => span / s <= 10) ?? niceCeil(span / 10);
  const out: string[] = [];
  for (let s = Math.ceil(axis.fromS / step) * step; s <= axis.toS + 1e-9; s += step) {
    const x = xOf(axis, s).toFixed(1);
    out.push(`<line class="tick" x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 4}"/>`);
    out.push(
      `<text class="axis-label" x="${x}" y="${labelY}" text-anchor="middle">${escapeXml(formatDuration(Math.round(s * 1000)))}</text>`,
    );
  }
  return out.join('');
}

/** A path with gaps: a point more than 1.5 buckets after the previous one starts a new segment. */
function pathOf(points: readonly [number, number][], axis: TimeAxis, yOf: (v: number) => number): string {
  let d = '';
  let prev: number | undefined;
  const gap =
    points.length > 1 ? 1.5 * ((points[points.length - 1]![0] - points[0]![0]) / (points.length - 1)) : 0;
  for (const [s, v] of points) {
    const cmd = prev === undefined || s - prev > gap + 1e-9 ? 'M' : 'L';
    d += `${cmd}${xOf(axis, s).toFixed(1)},${yOf(v).toFixed(1)}`;
    prev = s;
  }
  return d;
}

export function renderChart(chart: Chart, axis: TimeAxis): string {
  const head = `<figure class="chart${chart.noData ? ' no-data' : ''}" data-chart="${escapeXml(chart.id)}" id="chart-${escapeXml(chart.id)}"><figcaption>${escapeXml(chart.title)}</figcaption>`;
  if (chart.noData)
    return `${head}<div class="no-data-panel" role="note">${escapeXml(chart.noData)}</div></figure>`;
  let max = 0;
  for (const s of chart.series) for (const [, v] of s.points) max = Math.max(max, v);
  const yMax =
    chart.unit === 'ratio' ? 1 : chart.unit === 'budget' ? Math.max(1, niceCeil(max)) : niceCeil(max * 1.05);
  const yOf = (v: number) => PAD.top + PLOT_H - (Math.min(v, yMax) / yMax) * PLOT_H;
  const grid: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = yOf(v).toFixed(1);
    grid.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/>`);
    grid.push(
      `<text class="axis-label" x="${PAD.left - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(v, chart.unit))}</text>`,
    );
  }
  if (chart.unit === 'budget') {
    const y = yOf(1).toFixed(1);
    grid.push(
      `<line class="budget-line" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"><title>whole error budget</title></line>`,
    );
  }
  const lines = chart.series.map(
    (s, i) =>
      `<path class="series s${i % 6}" d="${pathOf(s.points, axis, yOf)}"><title>${escapeXml(s.name)}</title></path>`,
  );
  const legend = chart.series
    .map((s, i) => {
      const last = s.points[s.points.length - 1];
      const lastText = last ? ` (last ${escapeXml(fmt(last[1], chart.unit))})` : ' (no points)';
      return `<li><span class="swatch s${i % 6}"></span>${escapeXml(s.name)}${lastText}</li>`;
    })
    .join('');
  const label = `${chart.title}: ${chart.series.map((s) => s.name).join(', ')}`;
  return `${head}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(label)}" preserveAspectRatio="xMidYMid meet"><title>${escapeXml(label)}</title>${bands(axis)}${grid.join('')}<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H}"/>${timeTicks(axis, PAD.top + PLOT_H, H - 8)}${lines.join('')}</svg><ul class="legend">${legend}</ul></figure>`;
}

/** The run's timeline: one row per phase and per fault, guard trips as markers. */
export function renderTimeline(axis: TimeAxis): string {
  const rows = [
    ...axis.phases.map((p) => ({
      label: p.phase,
      cls: `phase-bar phase-${p.phase}`,
      startS: p.startS,
      endS: p.endS,
    })),
    ...axis.faults.map((f) => ({
      label: `fault ${f.name}`,
      cls: 'fault-bar',
      startS: f.startS,
      endS: f.endS,
    })),
  ];
  const rowH = 22;
  const height = PAD.top + rows.length * rowH + PAD.bottom + 4;
  const bars = rows.map((r, i) => {
    const y = PAD.top + i * rowH;
    const x0 = xOf(axis, r.startS);
    const x1 = xOf(axis, r.endS);
    return `<text class="axis-label" x="${PAD.left - 6}" y="${y + 15}" text-anchor="end">${escapeXml(r.label)}</text><rect class="${r.cls}" x="${x0.toFixed(1)}" y="${y + 3}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${rowH - 6}" rx="3"><title>${escapeXml(`${r.label}: ${r.startS}s to ${r.endS}s`)}</title></rect>`;
  });
  const guards = axis.guardTrips.map((g) => {
    const x = xOf(axis, g.atS).toFixed(1);
    return `<line class="guard-line" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + rows.length * rowH}"><title>guard ${escapeXml(g.guard)} tripped</title></line>`;
  });
  const ticks = timeTicks(axis, height - PAD.bottom, height - 8);
  return `<figure class="chart timeline" data-chart="timeline" id="chart-timeline"><figcaption>Timeline</figcaption><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="Run timeline with phases and fault windows"><title>Run timeline with phases and fault windows</title>${bars.join('')}${guards.join('')}${ticks}</svg></figure>`;
}
