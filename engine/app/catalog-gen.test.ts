/**
 * The generated catalogs are what `npm run schema` would write now, and each lists every
 * `define…` export of its folder: a new driver, toxic, probe kind or report format is picked up
 * by regenerating, never by editing a list.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOG_FOLDERS, catalogText, generatedCatalogs, scanCatalog } from './catalog-gen.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('extension catalogs', () => {
  it.each([...generatedCatalogs(ROOT)])('%s is up to date (npm run schema)', (path, text) => {
    const fresh = readFileSync(join(ROOT, path), 'utf8') === text;
    expect(fresh, `${path} is stale: run npm run schema`).toBe(true);
  });

  it('each folder lists what it ships', () => {
    const names = (dir: string) =>
      scanCatalog(ROOT, CATALOG_FOLDERS.find((f) => f.dir === dir)!).map((e) => e.name);
    expect(names('agents/faults')).toEqual(
      expect.arrayContaining(['processPause', 'proxyResetPeer', 'tcBandwidth']),
    );
    expect(names('agents/faults').length).toBeGreaterThanOrEqual(23);
    expect(names('engine/probes')).toEqual(['commandProbe', 'httpProbe', 'k6Probe']);
    expect(names('reports/formats')).toEqual(expect.arrayContaining(['jsonFormat', 'postmortemFormat']));
  });

  it('a new file in a folder appears in its catalog, and nothing else does', () => {
    const root = mkdtempSync(join(tmpdir(), 'squall-catalog-'));
    const folder = CATALOG_FOLDERS[0]!;
    mkdirSync(join(root, folder.dir), { recursive: true });
    writeFileSync(
      join(root, folder.dir, 'process-restart.ts'),
      'export const processRestart = defineFaultDriver({\n});\n',
    );
    writeFileSync(join(root, folder.dir, 'helpers.ts'), 'export const notADriver = 1;\n');
    writeFileSync(join(root, folder.dir, 'x.test.ts'), 'export const inTest = defineFaultDriver({});\n');
    const text = catalogText(root, folder);
    expect(text).toContain("import { processRestart } from './process-restart.js';");
    expect(text).toContain('  processRestart as FaultDriver<unknown>,');
    expect(text).not.toMatch(/notADriver|inTest/);
    rmSync(root, { recursive: true });
  });
});
