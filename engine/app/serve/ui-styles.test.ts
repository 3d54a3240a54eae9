/**
 * The control room wears report.html's stylesheet: engine/app/serve/ui/report-styles.css is
 * reports/html/styles.ts's STYLES, written out because the UI is static files with no build
 * step. This fails when the two drift; `UPDATE_UI_STYLES=1 npx vitest run
 * engine/app/serve/ui-styles.test.ts` writes it again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STYLES } from '../../../reports/html/styles.js';

const FILE = join(import.meta.dirname, 'ui', 'report-styles.css');
const HEADER =
  '/* Generated from reports/html/styles.ts (STYLES) by engine/app/serve/ui-styles.test.ts: do not edit. */\n';

describe("the control room's copy of report.html's stylesheet", () => {
  it('is STYLES, byte for byte', () => {
    const want = HEADER + STYLES.trimStart();
    if (process.env.UPDATE_UI_STYLES === '1') writeFileSync(FILE, want);
    expect(readFileSync(FILE, 'utf8'), 'stale: run with UPDATE_UI_STYLES=1').toBe(want);
  });
});
