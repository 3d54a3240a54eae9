/** `report.html`: one self-contained page with the timeline and SVG charts. */
import { defineReportFormat } from '../format.js';
import { renderHtml } from '../html/page.js';
import { renderSuiteHtml } from '../suite-render.js';

export const htmlFormat = defineReportFormat({
  name: 'html',
  fileName: 'report.html',
  render: renderHtml,
  renderSuite: (suite) => renderSuiteHtml(suite),
});
