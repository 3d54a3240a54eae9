/**
 * Inline SVG charts for report.html: no script, no network, so the file works offline, on a
 * projector and printed to PDF. Colours come from CSS classes (styles.ts) so light and dark
 * themes (and print) restyle the same markup.
 *
 * Every label is placed inside the drawing (the browser test checks each text's box): long
 * labels are cut with `…` (the whole text in a tooltip), edge labels are anchored inwards, and
 * the left margin is sized for the longest label (`leftMargin`).
 */
import {
  formatBudget,
  formatMs,
  formatNumber,
  formatOffset,
  formatSliValue,
} from '../../engine/core/format.js';
import { escapeXml } from '../junit.js';
import type { Chart, ChartUnit } from '../series.js';

/** The time axis every chart shares: seconds from the start of the baseline. */
export interface TimeAxis {
  fromS: number;
  toS: number;
  /** Width of the label column at the left, in px (leftMargin). */
  left: number;
  phases: { phase: string; startS: number; endS: number }[];
  /** As injected and reverted; `plannedEndS` is where the plan said the fault would end. */
  faults: { name: string; startS: number; endS: number; plannedEndS: number | null }[];
  guardTrips: { guard: string; atS: number }[];
  /** Operator actions (notes, pause, resume, abort), drawn as marks with who and what. */
  operator?: { text: string; atS: number }[];
}

const W = 960;
const H = 240;
const PAD = { right: 16, top: 12, bottom: 28 };
const PLOT_H = H - PAD.top - PAD.bottom;
/** An estimate of a 12 px label's width per character (system-ui is ~6.6 px per digit). */
const CHAR_PX = 7;
/** The budget chart stops at twice the budget; lines above it are labelled, not squashed. */
const BUDGET_CAP = 2;

const textWidth = (text: string) => text.length * CHAR_PX;

/** `text` cut to `maxPx` with an ellipsis; the caller keeps the whole text in a `<title>`. */
function ellipsize(text: string, maxPx: number): string {
  const max = Math.max(1, Math.floor(maxPx / CHAR_PX));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function label(x: number, y: number, text: string, cls: string, anchor = 'start', maxPx = W): string {
  const shown = ellipsize(text, maxPx);
  const title = shown === text ? '' : `<title>${escapeXml(text)}</title>`;
  return `<text class="${cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}">${title}${escapeXml(shown)}</text>`;
}

const fmt = (v: number, unit: ChartUnit): string => {
  if (unit === 'budget') return formatBudget(v);
  if (unit === 'devices' || unit === 'count') return formatNumber(Math.round(v));
  return formatSliValue(v, unit);
};

/** A round step (1, 2, 2.5 or 5 × 10^n) giving 3–5 intervals up to `max`; whole for counts. */
function niceScale(max: number, whole: boolean): { top: number; step: number } {
  const target = max > 0 ? max / 4 : 0.25;
  const p = 10 ** Math.floor(Math.log10(target));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= target)!;
  if (whole) step = Math.max(1, Math.ceil(step));
  return { top: Math.max(step, Math.ceil(max / step - 1e-9) * step), step };
}

function yScale(chart: Chart): { top: number; step: number } {
  let max = 0;
  for (const s of chart.series) for (const [, v] of s.points) max = Math.max(max, v);
  if (chart.unit === 'ratio') return { top: 1, step: 0.25 };
  if (chart.unit === 'budget') return max <= 1 ? { top: 1, step: 0.25 } : { top: BUDGET_CAP, step: 0.5 };
  for (const o of chart.objectives) max = Math.max(max, o.value);
  return niceScale(max * 1.05, chart.unit === 'count' || chart.unit === 'devices');
}

/** The y-axis labels of a chart, for sizing the left margin. */
export function yLabels(chart: Chart): string[] {
  if (chart.noData) return [];
  const { top, step } = yScale(chart);
  const out: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(fmt(v, chart.unit));
  return out;
}

/** The label column's width: the longest label plus a gap, between 110 and 240 px. */
export function leftMargin(labels: readonly string[]): number {
  return Math.min(240, Math.max(110, Math.max(0, ...labels.map(textWidth)) + 16));
}

const plotW = (axis: TimeAxis) => W - axis.left - PAD.right;
const xOf = (axis: TimeAxis, s: number) =>
  axis.left + ((s - axis.fromS) / Math.max(1e-9, axis.toS - axis.fromS)) * plotW(axis);

function bands(axis: TimeAxis): string {
  const out: string[] = [];
  const bottom = PAD.top + PLOT_H;
  for (const f of axis.faults) {
    const x0 = xOf(axis, f.startS);
    const x1 = xOf(axis, Math.max(f.endS, f.startS));
    out.push(
      `<rect class="fault-band" x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${PLOT_H}"><title>fault ${escapeXml(f.name)}: ${escapeXml(formatOffset(f.startS * 1000))} to ${escapeXml(formatOffset(f.endS * 1000))}</title></rect>`,
    );
    if (f.plannedEndS !== null && Math.abs(xOf(axis, f.plannedEndS) - x1) >= 2) {
      const xp = xOf(axis, f.plannedEndS).toFixed(1);
      out.push(
        `<line class="planned-end" x1="${xp}" x2="${xp}" y1="${PAD.top}" y2="${bottom}"><title>fault ${escapeXml(f.name)} was planned to end at ${escapeXml(formatOffset(f.plannedEndS * 1000))}</title></line>`,
      );
    }
  }
  let lastLabelEnd = Number.NEGATIVE_INFINITY;
  for (const p of axis.phases) {
    const x = xOf(axis, p.startS);
    out.push(
      `<line class="phase-line" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${PAD.top}" y2="${bottom}"/>`,
    );
    // A short phase (a 30 s preflight before a 30 min run) would print its label over the next.
    const room = W - PAD.right - (x + 3);
    if (x + 3 < lastLabelEnd + 8 || room < textWidth(p.phase)) continue;
    lastLabelEnd = x + 3 + textWidth(p.phase);
    out.push(label(x + 3, PAD.top + 10, p.phase, 'phase-label'));
  }
  for (const g of axis.guardTrips) {
    const x = xOf(axis, g.atS).toFixed(1);
    out.push(
      `<line class="guard-line" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${bottom}"><title>guard ${escapeXml(g.guard)} tripped</title></line>`,
    );
  }
  return out.join('');
}

/** Round steps for a time axis, in seconds: labels read 30 s, 1 min, 5 min rather than 500 s. */
const TIME_STEPS_S = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

function timeTicks(axis: TimeAxis, axisY: number, labelY: number): string {
  const span = axis.toS - axis.fromS;
  const step = TIME_STEPS_S.find((s) => span / s <= 10) ?? niceScale(span / 2.5, false).step;
  const out: string[] = [];
  for (let s = Math.ceil(axis.fromS / step) * step; s <= axis.toS + 1e-9; s += step) {
    const x = xOf(axis, s);
    // Seconds below a minute (`0 s`, `0.5 s`, `45 s`), then `1 min 30 s`: never `0 ms`.
    const text =
      Math.abs(s) < 60 ? `${formatNumber(Number(s.toPrecision(12)))} s` : formatMs(Math.round(s * 1000));
    const half = textWidth(text) / 2;
    const anchor = x + half > W ? 'end' : x - half < 0 ? 'start' : 'middle';
    out.push(
      `<line class="tick" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${axisY}" y2="${axisY + 4}"/>`,
    );
    out.push(label(x, labelY, text, 'axis-label', anchor));
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

/** Objective lines with their labels at the right, nudged apart when two sit close. */
function objectiveLines(chart: Chart, axis: TimeAxis, top: number, yOf: (v: number) => number): string {
  const used: number[] = [];
  return chart.objectives
    .filter((o) => o.value <= top)
    .map((o) => {
      const y = yOf(o.value);
      // Above the line, or below it near the top; never over the phase labels (top row).
      let ly = y - 4 < PAD.top + 24 ? Math.max(y + 13, PAD.top + 26) : y - 4;
      while (used.some((u) => Math.abs(u - ly) < 13)) ly += 13;
      used.push(ly);
      return `<line class="objective-line" x1="${axis.left}" x2="${W - PAD.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"><title>${escapeXml(o.label)}</title></line>${label(W - PAD.right - 4, ly, o.label, 'objective-label', 'end', plotW(axis) - 8)}`;
    })
    .join('');
}

/** Where a series leaves the top of the scale, a label with the highest value it reached. */
function overflowLabels(chart: Chart, axis: TimeAxis, top: number): string {
  return chart.series
    .map((s, i) => {
      const above = s.points.find(([, v]) => v > top);
      if (!above) return '';
      const peak = Math.max(...s.points.map(([, v]) => v));
      const text = `↑ ${s.name} ${fmt(peak, chart.unit)}`;
      const x = xOf(axis, above[0]);
      const right = x + 4 + textWidth(text) <= W - PAD.right;
      return label(
        right ? x + 4 : x - 4,
        PAD.top + 24 + 13 * i,
        text,
        `overflow-label s${i % 6}`,
        right ? 'start' : 'end',
      );
    })
    .join('');
}

function legend(chart: Chart): string {
  return chart.series
    .map((s, i) => {
      const last = s.points[s.points.length - 1];
      const total = s.points.reduce((a, [, v]) => a + v, 0);
      const value =
        chart.unit === 'count'
          ? ` (total ${escapeXml(fmt(total, chart.unit))})`
          : last
            ? ` (last ${escapeXml(fmt(last[1], chart.unit))})`
            : ' (no points)';
      return `<li><span class="swatch s${i % 6}"></span>${escapeXml(s.name)}${value}</li>`;
    })
    .join('');
}

export function renderChart(chart: Chart, axis: TimeAxis): string {
  const head = `<figure class="chart${chart.noData ? ' no-data' : ''}" data-chart="${escapeXml(chart.id)}" id="chart-${escapeXml(chart.id)}"><figcaption>${escapeXml(chart.title)}</figcaption>`;
  if (chart.noData)
    return `${head}<div class="no-data-panel" role="note">${escapeXml(chart.noData)}</div></figure>`;
  const { top, step } = yScale(chart);
  const yOf = (v: number) => PAD.top + PLOT_H - (Math.min(v, top) / top) * PLOT_H;
  const grid: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = yOf(v);
    grid.push(
      `<line class="grid" x1="${axis.left}" x2="${W - PAD.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`,
    );
    grid.push(label(axis.left - 6, y + 4, fmt(v, chart.unit), 'axis-label', 'end', axis.left - 8));
  }
  if (chart.unit === 'budget') {
    const y = yOf(1).toFixed(1);
    grid.push(
      `<line class="budget-line" x1="${axis.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"><title>the whole error budget</title></line>`,
    );
  }
  const lines = chart.series.map(
    (s, i) =>
      `<path class="series s${i % 6}" d="${pathOf(s.points, axis, yOf)}"><title>${escapeXml(s.name)}</title></path>`,
  );
  const name = `${chart.title}: ${chart.series.map((s) => s.name).join(', ')}`;
  const axisY = PAD.top + PLOT_H;
  return `${head}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(name)}" preserveAspectRatio="xMidYMid meet"><title>${escapeXml(name)}</title>${bands(axis)}${grid.join('')}<line class="axis" x1="${axis.left}" x2="${W - PAD.right}" y1="${axisY}" y2="${axisY}"/>${timeTicks(axis, axisY, H - 8)}${objectiveLines(chart, axis, top, yOf)}${lines.join('')}${overflowLabels(chart, axis, top)}</svg><ul class="legend">${legend(chart)}</ul></figure>`;
}

/** The timeline's row labels, for sizing the left margin. */
export function timelineLabels(axis: Pick<TimeAxis, 'phases' | 'faults'>): string[] {
  return [...axis.phases.map((p) => p.phase), ...axis.faults.map((f) => `fault ${f.name}`)];
}

/** The run's timeline: one row per phase and per fault (as run, and as planned), guard trips. */
export function renderTimeline(axis: TimeAxis): string {
  const rows = [
    ...axis.phases.map((p) => ({ label: p.phase, cls: `phase-bar phase-${p.phase}`, ...p, planned: null })),
    ...axis.faults.map((f) => ({
      label: `fault ${f.name}`,
      cls: 'fault-bar',
      startS: f.startS,
      endS: f.endS,
      planned: f.plannedEndS,
    })),
  ];
  const rowH = 22;
  const height = PAD.top + rows.length * rowH + PAD.bottom + 4;
  const bars = rows.map((r, i) => {
    const y = PAD.top + i * rowH;
    const x0 = xOf(axis, r.startS);
    const x1 = xOf(axis, r.endS);
    const span = `${formatOffset(r.startS * 1000)} to ${formatOffset(r.endS * 1000)}`;
    const plan =
      r.planned === null
        ? ''
        : `<rect class="fault-planned" x="${x0.toFixed(1)}" y="${y + 2}" width="${Math.max(2, xOf(axis, r.planned) - x0).toFixed(1)}" height="${rowH - 4}" rx="3"><title>${escapeXml(`${r.label} as planned: ${formatOffset(r.startS * 1000)} to ${formatOffset(r.planned * 1000)}`)}</title></rect>`;
    return `${label(axis.left - 6, y + 15, r.label, 'axis-label', 'end', axis.left - 8)}<rect class="${r.cls}" x="${x0.toFixed(1)}" y="${y + 3}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${rowH - 6}" rx="3"><title>${escapeXml(`${r.label}: ${span}`)}</title></rect>${plan}`;
  });
  const guards = axis.guardTrips.map((g) => {
    const x = xOf(axis, g.atS).toFixed(1);
    return `<line class="guard-line" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + rows.length * rowH}"><title>guard ${escapeXml(g.guard)} tripped</title></line>`;
  });
  const marks = (axis.operator ?? []).map((o) => {
    const x = xOf(axis, o.atS).toFixed(1);
    return `<line class="operator-line" data-operator-mark x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + rows.length * rowH}"><title>${escapeXml(o.text)}</title></line>`;
  });
  const ticks = timeTicks(axis, height - PAD.bottom, height - 8);
  return `<figure class="chart timeline" data-chart="timeline" id="chart-timeline"><figcaption>Timeline</figcaption><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="Run timeline with phases and fault windows"><title>Run timeline with phases and fault windows</title>${bars.join('')}${guards.join('')}${marks.join('')}${ticks}</svg></figure>`;
}
