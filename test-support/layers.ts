/**
 * The layer rules of docs/architecture.md, read from its table, and the imports that break them.
 * Imports are read with a regex over `import … from`, `export … from` and `import('…')`, type
 * imports included (a type pointing up is still a dependency pointing up).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface Layer {
  readonly name: string;
  readonly folders: readonly string[];
  readonly mayImport: ReadonlySet<string>;
}

/** The rows between `layers:begin` and `layers:end` in the architecture page. */
export function parseLayers(markdown: string): Layer[] {
  const block = /<!-- layers:begin[^>]*-->([\s\S]*?)<!-- layers:end -->/.exec(markdown)?.[1];
  if (!block) throw new Error('docs/architecture.md has no layers:begin … layers:end table');
  return block
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l) && !/^\|\s*layer\s*\|/.test(l))
    .map((l) => {
      const [name, folders, may] = l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
      return {
        name: name!,
        folders: [...folders!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
        mayImport: new Set(may === '—' ? [] : may!.split(',').map((s) => s.trim())),
      };
    });
}

/** Files that are consumers, not part of a layer: tests and their support, fixtures, tools. */
function isConsumer(path: string): boolean {
  return (
    path.endsWith('.test.ts') ||
    /(^|\/)(test-support|fixtures|tools)\//.test(path) ||
    /^(bench|experiments|test-support)\//.test(path)
  );
}

/** The layer a repository-relative path belongs to (longest folder match), or undefined. */
export function layerOf(layers: readonly Layer[], path: string): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers) {
    for (const folder of layer.folders) {
      if ((path === folder || path.startsWith(`${folder}/`)) && folder.length > (best?.length ?? -1)) {
        best = { layer, length: folder.length };
      }
    }
  }
  return best?.layer;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'";]*?\sfrom\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;

/** Relative imports of one source text, as repository-relative paths. */
export function importsOf(path: string, text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(path), m[1] ?? m[2] ?? m[3]!)));
}

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly message: string;
}

/** Every import from a layered file that its layer may not make, and every layered-area file outside any layer. */
export function violations(layers: readonly Layer[], files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    if (isConsumer(file)) continue;
    const from = layerOf(layers, file);
    if (!from) {
      out.push({ file, imports: '', message: `${file} is in no layer of docs/architecture.md` });
      continue;
    }
    for (const target of importsOf(file, text)) {
      const to = layerOf(layers, target.replace(/\.js$/, '.ts'));
      if (!to || to === from || from.mayImport.has(to.name)) continue;
      out.push({
        file,
        imports: target,
        message: `${file} (${from.name}) imports ${target} (${to.name}); ${from.name} may import: ${[...from.mayImport].join(', ') || 'nothing of Squall'}`,
      });
    }
  }
  return out;
}

/** The TypeScript sources under `dirs` (relative to `root`), by repository-relative path. */
export function sourceFiles(root: string, dirs: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.set(relative(root, path), readFileSync(path, 'utf8'));
      }
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return files;
}
