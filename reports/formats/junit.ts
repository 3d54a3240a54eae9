/** `junit.xml`: one testcase per SLO (and per infrastructure step), for CI test reporters. */
import { defineReportFormat } from '../format.js';
import { renderJunit } from '../junit.js';
import { renderSuiteJunit } from '../suite-render.js';

export const junitFormat = defineReportFormat({
  name: 'junit',
  fileName: 'junit.xml',
  render: (summary) => renderJunit(summary),
  renderSuite: renderSuiteJunit,
});
