/** `summary.md`: the verdict and SLO table as GitHub-flavoured Markdown (a PR comment, a CI step summary). */
import { defineReportFormat } from '../format.js';
import { renderMarkdown } from '../markdown.js';
import { renderSuiteMarkdown } from '../suite-render.js';

export const markdownFormat = defineReportFormat({
  name: 'md',
  fileName: 'summary.md',
  render: (summary, _events, options) => renderMarkdown(summary, options),
  renderSuite: (suite) => renderSuiteMarkdown(suite),
});
