import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { sourceFiles } from './layers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EXPORT = /^export (?:async )?(?:function|const|class|let|enum) (\w+)/gm;

it('every exported constant, function and class is used outside its file', () => {
  const files = sourceFiles(ROOT, [
    'engine',
    'agents',
    'simulator',
    'testbed',
    'reports',
    'test-support',
    'bench',
  ]);
  const filesNaming = new Map<string, number>();
  for (const text of files.values()) {
    for (const word of new Set(text.match(/\b\w+\b/g) ?? []))
      filesNaming.set(word, (filesNaming.get(word) ?? 0) + 1);
  }
  const dead: string[] = [];
  for (const [file, text] of files) {
    if (file.endsWith('.test.ts') || file.startsWith('bench/') || file.includes('/generated/')) continue;
    for (const m of text.matchAll(EXPORT)) {
      if ((filesNaming.get(m[1]!) ?? 0) < 2) dead.push(`${file}: ${m[1]}`);
    }
  }
  expect(dead).toEqual([]);
});
