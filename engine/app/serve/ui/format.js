/**
 * Formatting for the control room, in the words and units the reports use (engine/core/format.ts
 * is TypeScript the browser cannot import without a build step; these few mirror it).
 */

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

/** An SLI value in its unit: ratios as percent, times in ms or s. */
export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (unit === 'ratio') return `${(value * 100).toFixed(value >= 0.999 && value < 1 ? 3 : 2)}%`;
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${round(value)} ms`;
  if (unit === 'score') return value.toFixed(1);
  return `${round(value)}${unit && unit !== 'count' ? ` ${unit}` : ''}`;
}

const round = (v) => (Math.abs(v) >= 100 ? Math.round(v).toString() : Number(v.toPrecision(3)).toString());

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `+MM:SS` from the run's start, as report.html and postmortem.md write it. */
export function sinceStart(ms) {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.floor(Math.abs(ms) / 1000);
  return `${sign}${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** `2026-12-04 19:58:01` in the browser's time zone (the room reads its own clock). */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const VERDICTS = {
  passed: ['PASSED', 'passed'],
  slo_breached: ['BREACHED', 'failed'],
  aborted: ['ABORTED', 'failed'],
  error: ['ERROR', 'failed'],
  rollback_failed: ['ROLLBACK FAILED', 'failed'],
  invalid: ['INVALID', 'failed'],
  interrupted: ['INTERRUPTED', 'other'],
};

/** The verdict word and its tone for a run row: a running or queued run has none yet. */
export function verdictOf(run) {
  if (run.state === 'queued') return ['QUEUED', 'pending'];
  if (run.state === 'running') return run.paused ? ['PAUSED', 'warn'] : ['RUNNING', 'pending'];
  return VERDICTS[run.outcome] ?? [String(run.outcome ?? run.state ?? '—').toUpperCase(), 'other'];
}

export const verdictBadge = (run) => {
  const [word, tone] = verdictOf(run);
  return `<span class="badge ${tone}" data-verdict="${esc(word)}">${esc(word)}</span>`;
};
