/**
 * report.html's stylesheet, inlined. Light by default, dark under `prefers-color-scheme`,
 * and a print sheet (white, no shadows, charts kept whole on a page) for PDF export.
 * Sizes are generous: the report is shown on projectors in game days.
 */
export const STYLES = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --info: #0969da;
  --band: rgba(207, 34, 46, 0.12); --grid: #e6e9ed;
  --s0: #0969da; --s1: #cf222e; --s2: #1a7f37; --s3: #8250df; --s4: #bc4c00; --s5: #1b7c83;
  --phase-preflight: #afb8c1; --phase-baseline: #54aeff; --phase-fault: #ff8182; --phase-recovery: #4ac26b;
}
@media screen and (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --panel: #161b22;
    --pass: #3fb950; --fail: #f85149; --warn: #d29922; --info: #58a6ff;
    --band: rgba(248, 81, 73, 0.18); --grid: #21262d;
    --s0: #58a6ff; --s1: #ff7b72; --s2: #3fb950; --s3: #bc8cff; --s4: #ffa657; --s5: #39c5cf;
  }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; background: var(--bg); color: var(--fg);
  font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 1.6rem; margin: 0; } h2 { font-size: 1.3rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.banner { display: flex; flex-wrap: wrap; align-items: center; gap: 24px; padding: 20px 24px; border-radius: 10px;
  border: 3px solid var(--muted); background: var(--panel); }
.banner.passed { border-color: var(--pass); } .banner.failed { border-color: var(--fail); }
.banner.other { border-color: var(--warn); }
.verdict { font-size: 2.6rem; font-weight: 800; letter-spacing: 0.04em; }
.passed .verdict { color: var(--pass); } .failed .verdict { color: var(--fail); } .other .verdict { color: var(--warn); }
.score { font-size: 2.2rem; font-weight: 700; } .score small { display: block; font-size: 0.9rem; font-weight: 400; color: var(--muted); }
.incomplete { margin-top: 12px; padding: 12px 16px; border-left: 6px solid var(--warn); background: var(--panel); }
.infra-error { margin-top: 12px; padding: 12px 16px; border-left: 6px solid var(--fail); background: var(--panel); overflow-wrap: anywhere; }
.infra-error pre { white-space: pre-wrap; font-size: 0.85rem; margin: 8px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
.met { color: var(--pass); font-weight: 600; } .breached { color: var(--fail); font-weight: 700; }
.nodata { color: var(--warn); } .unscored { color: var(--muted); }
.lede { margin: 0.3rem 0 0; } header p { margin: 0.2rem 0; }
td.name strong { white-space: nowrap; } header { margin-bottom: 14px; }
.charts { display: grid; grid-template-columns: 1fr; gap: 18px; }
figure.chart { margin: 0; padding: 12px 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg);
  break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.no-data-panel { padding: 28px; text-align: center; color: var(--muted); border: 2px dashed var(--line); border-radius: 6px; }
.not-charted { margin-top: 12px; font-size: 0.95rem; } .not-charted ul { margin: 4px 0 0; }
.legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap; gap: 16px; font-size: 0.9rem; }
.swatch { display: inline-block; width: 14px; height: 4px; margin-right: 6px; vertical-align: middle; }
svg text { fill: var(--muted); font-size: 12px; font-family: inherit; }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg .axis, svg .tick { stroke: var(--muted); stroke-width: 1; }
svg .fault-band { fill: var(--band); }
svg .phase-line { stroke: var(--muted); stroke-dasharray: 3 4; stroke-width: 1; }
svg .operator-line { stroke: var(--info); stroke-width: 2; stroke-dasharray: 2 3; }
svg .guard-line { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 3; }
svg .budget-line { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 8 4; }
svg .objective-line { stroke: var(--fg); stroke-opacity: 0.7; stroke-width: 1.5; stroke-dasharray: 10 4; }
svg text.objective-label, svg text.overflow-label { font-weight: 600; paint-order: stroke; stroke: var(--bg); stroke-width: 4px; stroke-linejoin: round; }
svg text.objective-label { fill: var(--fg); }
svg text.overflow-label.s0 { fill: var(--s0); } svg text.overflow-label.s1 { fill: var(--s1); }
svg text.overflow-label.s2 { fill: var(--s2); } svg text.overflow-label.s3 { fill: var(--s3); }
svg text.overflow-label.s4 { fill: var(--s4); } svg text.overflow-label.s5 { fill: var(--s5); }
svg .planned-end { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 2 3; }
svg .fault-planned { fill: none; stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .series { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
/* Later series thinner, so two that coincide (CONNECT attempts and CONNACKs) both show. */
svg .series.s0 { stroke-width: 4; } svg .series.s1 { stroke-width: 2.2; } svg .series.s2 { stroke-width: 1.6; }
.s0 { stroke: var(--s0); background: var(--s0); } .s1 { stroke: var(--s1); background: var(--s1); }
.s2 { stroke: var(--s2); background: var(--s2); } .s3 { stroke: var(--s3); background: var(--s3); }
.s4 { stroke: var(--s4); background: var(--s4); } .s5 { stroke: var(--s5); background: var(--s5); }
svg .phase-bar { opacity: 0.85; } svg .fault-bar { fill: var(--fail); }
svg .phase-preflight { fill: var(--phase-preflight); } svg .phase-baseline { fill: var(--phase-baseline); }
svg .phase-fault { fill: var(--phase-fault); } svg .phase-recovery { fill: var(--phase-recovery); }
footer { margin-top: 2rem; font-size: 0.85rem; color: var(--muted); }
@media print {
  :root { color-scheme: light; --bg: #fff; --fg: #000; --panel: #f6f8fa; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, .banner { break-inside: avoid; }
  a { color: inherit; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 0.85em; }
}
`;
