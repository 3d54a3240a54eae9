/**
 * Inline SVG charts in report.html's look (the classes of reports/html/styles.ts, served as
 * /ui/report-styles.css): a time series chart with fault bands, phase lines and objective lines,
 * the live run's timeline (planned against actual), and a small chart over runs for the trend.
 * Labels stay inside the drawing: the left margin fits the longest one.
 */
import { esc, formatValue } from './format.js';

const PAD = { right: 16, top: 12, bottom: 26 };
const CHAR_PX = 7;

const niceMax = (v) => {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? v;
};

function ticksOf(fromS, toS) {
  const span = Math.max(1, toS - fromS);
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => span / s <= 8) ?? 7200;
  const out = [];
  for (let t = Math.ceil(fromS / step) * step; t <= toS; t += step) out.push(t);
  return out;
}

const tickLabel = (s) =>
  Math.abs(s) >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${Math.abs(s % 60)}s` : ''}` : `${s}s`;

/**
 * A time series chart. `axis`: { fromS, toS, faults: [{name, startS, endS}], phases: [{phase, startS}] };
 * `series`: [{ name, points: [[s, v]] }]; `objective`: { value, text } or null.
 */
export function timeChart({ id, title, unit, series, objective, axis, width = 560, height = 210 }) {
  const W = width;
  const top = PAD.top;
  const plotH = height - PAD.top - PAD.bottom;
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  if (objective) values.push(objective.value);
  const yMax = unit === 'ratio' ? 1 : niceMax(Math.max(0, ...values) * 1.1);
  const yMin = unit === 'ratio' ? Math.min(0.9, niceFloor(Math.min(1, ...values))) : 0;
  const yLabels = [0, 0.5, 1].map((f) => formatValue(yMin + (yMax - yMin) * f, unit));
  const left = Math.max(48, ...yLabels.map((l) => l.length * CHAR_PX + 14));
  const xOf = (s) =>
    left + ((s - axis.fromS) / Math.max(1e-9, axis.toS - axis.fromS)) * (W - left - PAD.right);
  const yOf = (v) => top + plotH - ((Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin || 1)) * plotH;
  const grid = [0, 0.5, 1].map((f, i) => {
    const y = top + plotH - f * plotH;
    return `<line class="grid" x1="${left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(yLabels[i])}</text>`;
  });
  const bands = axis.faults.map(
    (f) =>
      `<rect class="fault-band" x="${xOf(f.startS).toFixed(1)}" y="${top}" width="${Math.max(2, xOf(f.endS) - xOf(f.startS)).toFixed(1)}" height="${plotH}"><title>fault ${esc(f.name)}</title></rect>`,
  );
  const phases = axis.phases.map((p) => {
    const x = xOf(p.startS).toFixed(1);
    return `<line class="phase-line" x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}"><title>${esc(p.phase)} begins</title></line>`;
  });
  const ticks = ticksOf(axis.fromS, axis.toS).map((t) => {
    const x = xOf(t);
    const anchor = x < left + 20 ? 'start' : x > W - PAD.right - 20 ? 'end' : 'middle';
    return `<line class="tick" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top + plotH}" y2="${top + plotH + 4}"/><text x="${x.toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${tickLabel(t)}</text>`;
  });
  const goal = objective
    ? `<line class="objective-line" x1="${left}" x2="${W - PAD.right}" y1="${yOf(objective.value).toFixed(1)}" y2="${yOf(objective.value).toFixed(1)}"/><text class="objective-label" x="${W - PAD.right - 4}" y="${(yOf(objective.value) - 4).toFixed(1)}" text-anchor="end">${esc(objective.text)}</text>`
    : '';
  const lines = series.map((s, i) => {
    const d = s.points
      .map((p, j) => `${j ? 'L' : 'M'}${xOf(p[0]).toFixed(1)},${yOf(p[1]).toFixed(1)}`)
      .join('');
    const last = s.points.at(-1);
    // The newest point as a dot: a series of one point still shows, and the eye finds "now".
    const dot = last
      ? `<circle class="last-point s${i % 6}" cx="${xOf(last[0]).toFixed(1)}" cy="${yOf(last[1]).toFixed(1)}" r="3"/>`
      : '';
    return `<path class="series s${i % 6}" d="${d}" data-series="${esc(s.name)}" data-points="${s.points.length}"><title>${esc(s.name)}</title></path>${dot}`;
  });
  const last = series.map((s) => s.points.at(-1)?.[1]);
  const legend = series
    .map(
      (s, i) =>
        `<li><span class="swatch s${i % 6}"></span>${esc(s.name)} <strong>${esc(formatValue(last[i], unit))}</strong></li>`,
    )
    .join('');
  const empty =
    values.length === 0
      ? `<text x="${W / 2}" y="${top + plotH / 2}" text-anchor="middle">waiting for the first slice</text>`
      : '';
  return `<figure class="chart" data-chart="${esc(id)}"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}">${bands.join('')}${grid.join('')}<line class="axis" x1="${left}" x2="${W - PAD.right}" y1="${top + plotH}" y2="${top + plotH}"/>${phases.join('')}${ticks.join('')}${goal}${lines.join('')}${empty}</svg><ul class="legend">${legend}</ul></figure>`;
}

function niceFloor(v) {
  for (const f of [0.99, 0.95, 0.9, 0.75, 0.5, 0]) if (v >= f) return f;
  return 0;
}

/**
 * The live run's timeline: planned rows (phases from run.start's plan, faults from the spec)
 * against actual rows (phase and fault events), with a line at now.
 * rows: [{ label, cls, startS, endS, planned: boolean, title }]
 */
export function timelineChart({ rows, axis, nowS, width = 720 }) {
  const W = width;
  const rowH = 22;
  const left = Math.max(90, ...rows.map((r) => r.label.length * CHAR_PX + 16));
  const height = PAD.top + rows.length * rowH + PAD.bottom;
  const xOf = (s) =>
    left + ((s - axis.fromS) / Math.max(1e-9, axis.toS - axis.fromS)) * (W - left - PAD.right);
  const bars = rows.map((r, i) => {
    const y = PAD.top + i * rowH;
    const x0 = xOf(r.startS);
    const width = Math.max(2, xOf(r.endS) - x0).toFixed(1);
    const shape = r.planned
      ? `<rect class="fault-planned" x="${x0.toFixed(1)}" y="${y + 3}" width="${width}" height="${rowH - 6}" rx="3"/>`
      : `<rect class="${esc(r.cls)}" x="${x0.toFixed(1)}" y="${y + 3}" width="${width}" height="${rowH - 6}" rx="3"/>`;
    return `<g data-row="${esc(r.label)}"><title>${esc(r.title)}</title><text x="${left - 6}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>${shape}</g>`;
  });
  const ticks = ticksOf(axis.fromS, axis.toS).map((t) => {
    const x = xOf(t);
    const anchor = x < left + 20 ? 'start' : x > W - PAD.right - 20 ? 'end' : 'middle';
    return `<text x="${x.toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${tickLabel(t)}</text>`;
  });
  const now =
    nowS === null
      ? ''
      : `<line class="guard-line" x1="${xOf(nowS).toFixed(1)}" x2="${xOf(nowS).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + rows.length * rowH}"><title>now</title></line>`;
  return `<figure class="chart timeline" data-chart="live-timeline"><figcaption class="muted">Outlined: as planned; filled: as it happened; dashed: now.</figcaption><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="Run timeline, planned and actual">${bars.join('')}${ticks.join('')}${now}</svg></figure>`;
}

/** A small chart over runs (oldest left): one point per run, breaches marked red. */
export function runsChart({ id, title, unit, points, objective }) {
  const w = 420;
  const h = 150;
  const pad = { top: 14, bottom: 22, right: 12 };
  const values = points.map((p) => p.value).filter(Number.isFinite);
  if (objective && Number.isFinite(objective.value)) values.push(objective.value);
  const yMax = unit === 'ratio' ? 1 : unit === 'score' ? 100 : niceMax(Math.max(0, ...values) * 1.1);
  const yMin = unit === 'ratio' ? niceFloor(Math.min(1, ...values)) : 0;
  const labels = [yMin, yMax].map((v) => formatValue(v, unit));
  const left = Math.max(40, ...labels.map((l) => l.length * CHAR_PX + 10));
  const plotH = h - pad.top - pad.bottom;
  const xOf = (i) => left + (points.length <= 1 ? 0.5 : i / (points.length - 1)) * (w - left - pad.right);
  const yOf = (v) =>
    pad.top + plotH - ((Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin || 1)) * plotH;
  const path = points
    .map((p, i) =>
      Number.isFinite(p.value) ? `${i ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(p.value).toFixed(1)}` : '',
    )
    .join('');
  const dots = points.map((p, i) =>
    Number.isFinite(p.value)
      ? `<circle class="${p.bad ? 'dot-bad' : 'dot-ok'}" data-breach="${p.bad ? 'true' : 'false'}" cx="${xOf(i).toFixed(1)}" cy="${yOf(p.value).toFixed(1)}" r="${p.bad ? 5 : 3.5}"><title>${esc(p.label)}: ${esc(formatValue(p.value, unit))}${p.bad ? ' (breached)' : ''}</title></circle>`
      : '',
  );
  const goal =
    objective && Number.isFinite(objective.value)
      ? `<line class="objective-line" x1="${left}" x2="${w - pad.right}" y1="${yOf(objective.value).toFixed(1)}" y2="${yOf(objective.value).toFixed(1)}"/>`
      : '';
  return `<figure class="chart small" data-chart="${esc(id)}" data-runs="${points.length}"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><line class="grid" x1="${left}" x2="${w - pad.right}" y1="${pad.top}" y2="${pad.top}"/><text x="${left - 5}" y="${pad.top + 4}" text-anchor="end">${esc(labels[1])}</text><line class="axis" x1="${left}" x2="${w - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}"/><text x="${left - 5}" y="${pad.top + plotH + 4}" text-anchor="end">${esc(labels[0])}</text>${goal}<path class="series s0" d="${path}"/>${dots.join('')}<text x="${left}" y="${h - 5}">oldest</text><text x="${w - pad.right}" y="${h - 5}" text-anchor="end">newest</text></svg></figure>`;
}
