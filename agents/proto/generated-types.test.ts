/**
 * The TypeScript types in agents/proto/generated/ are what `npm run proto` writes from
 * agent.proto, byte for byte: the test runs the same command (package.json's `proto` script,
 * its output folder swapped for a temp dir) and compares every file, so a changed .proto file
 * without regenerated types, a hand edit, or a stale file left by a removed message fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackageRoot, LOADER_OPTIONS } from './load.js';

const root = findPackageRoot();
const committedDir = join(root, 'agents', 'proto', 'generated');
const outDir = mkdtempSync(join(tmpdir(), 'squall-proto-gen-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** package.json's `proto` script as argv, writing into `dir` instead of agents/proto/generated. */
function protoCommand(dir: string): { bin: string; args: string[] } {
  const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.proto;
  const [bin, ...args] = script.split(/\s+/);
  const out = args.indexOf('-O');
  expect(bin).toBe('proto-loader-gen-types');
  expect(args[out + 1]).toBe('agents/proto/generated');
  args[out + 1] = dir;
  return { bin: join(root, 'node_modules', '.bin', bin!), args };
}

describe('generated protocol types', () => {
  it('are generated with the options the proto is loaded with', () => {
    // `longs: Number` is `--longs=Number`, `defaults: true` is `--defaults`.
    const flags = Object.entries(LOADER_OPTIONS).map(([option, value]) =>
      typeof value === 'function'
        ? `--${option}=${value.name}`
        : value === true
          ? `--${option}`
          : `?${option}`,
    );
    expect(flags).toHaveLength(5);
    expect(protoCommand(outDir).args).toEqual(expect.arrayContaining(flags));
  });

  it('regenerating from agent.proto gives the committed files, byte for byte', async () => {
    const { bin, args } = protoCommand(outDir);
    await promisify(execFile)(bin, args, { cwd: root });
    const generated = filesUnder(outDir);
    expect(generated).toContain('agent.ts');
    expect(generated).toContain(join('squall', 'agent', 'v1', 'ControlMessage.ts'));
    expect(filesUnder(committedDir)).toEqual(generated);
    for (const file of generated) {
      const fresh = readFileSync(join(outDir, file), 'utf8');
      expect(readFileSync(join(committedDir, file), 'utf8'), `${file} differs: run 'npm run proto'`).toBe(
        fresh,
      );
    }
  });
});
