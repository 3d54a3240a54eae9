/** `summary.json`: the run's summary (schema in reports/summary.ts), for machines. */
import { defineReportFormat } from '../format.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const jsonFormat = defineReportFormat({
  name: 'json',
  fileName: 'summary.json',
  render: (summary) => json(summary),
  renderSuite: (suite) => json(suite),
});
