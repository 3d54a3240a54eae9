/**
 * The layering rule of docs/architecture.md, enforced: every source file belongs to a layer in
 * its table and imports only the layers its row allows. The rules are read from the page itself,
 * so the page and the test cannot disagree.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, layerOf, parseLayers, sourceFiles, violations } from './layers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const layers = parseLayers(readFileSync(`${ROOT}docs/architecture.md`, 'utf8'));

describe('layers (docs/architecture.md)', () => {
  it('the table names every layer a row may import', () => {
    const names = new Set(layers.map((l) => l.name));
    expect(layers.length).toBeGreaterThan(10);
    for (const layer of layers)
      for (const n of layer.mayImport) expect(names, `${layer.name} → ${n}`).toContain(n);
  });

  it('no source file imports upward, and every one is in a layer', () => {
    const files = sourceFiles(ROOT, ['engine', 'agents', 'simulator', 'testbed', 'reports']);
    expect(files.size).toBeGreaterThan(200);
    const found = violations(layers, files).map((v) => v.message);
    expect(found).toEqual([]);
  });

  it('an upward import is caught, whatever its form', () => {
    const files = new Map([
      ['engine/core/units.ts', "import { x } from '../run/runner.js';"],
      ['engine/spec/load.ts', "import type { FaultDriver } from '../../agents/faults/catalog.js';"],
      [
        'engine/run/runner.ts',
        "export { y } from '../../simulator/fleet.js';\nconst m = await import('../controller/agent-client.js');",
      ],
      ['agents/proxy/api.ts', "import '../server/plain-text.js';"],
      ['engine/stray.ts', ''],
      ['engine/run/ok.ts', "import { a } from '../core/errors.js';\nimport { b } from './plan.js';"],
      ['engine/run/ok.test.ts', "import { c } from '../../testbed/testbed.js';"],
    ]);
    const found = violations(layers, files).map((v) => `${v.file} -> ${v.imports}`);
    expect(found).toEqual([
      'engine/core/units.ts -> engine/run/runner.js',
      'engine/spec/load.ts -> agents/faults/catalog.js',
      'engine/run/runner.ts -> simulator/fleet.js',
      'engine/run/runner.ts -> engine/controller/agent-client.js',
      'agents/proxy/api.ts -> agents/server/plain-text.js',
      'engine/stray.ts -> ',
    ]);
  });

  it('reads import paths relative to the file', () => {
    expect(importsOf('engine/run/a.ts', "import { z } from '../../agents/faults/x.js';")).toEqual([
      'agents/faults/x.js',
    ]);
    expect(layerOf(layers, 'agents/proxy/toxics/latency.ts')?.name).toBe('proxy');
    expect(layerOf(layers, 'engine/core/faults.ts')?.name).toBe('core');
  });
});
