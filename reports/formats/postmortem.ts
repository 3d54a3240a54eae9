/** `postmortem.md`: a draft for the team's postmortem (no suite view: each experiment has its own). */
import { defineReportFormat } from '../format.js';
import { renderPostmortem } from '../postmortem.js';

export const postmortemFormat = defineReportFormat({
  name: 'postmortem',
  fileName: 'postmortem.md',
  render: (summary, _events, options) => renderPostmortem(summary, options),
});
