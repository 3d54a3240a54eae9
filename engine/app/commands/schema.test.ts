import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CliIO } from '../cli/command.js';
import { experimentJsonSchemaText } from '../json-schema.js';
import { schemaCommand } from './schema.js';

function io(cwd: string): CliIO & { out: () => string } {
  let out = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    cwd,
    env: {},
    out: () => out,
  };
}

describe('squall schema', () => {
  it('prints the schema', async () => {
    const t = io(tmpdir());
    expect(await schemaCommand.run([], t)).toBe(0);
    expect(t.out()).toBe(experimentJsonSchemaText());
  });

  it('--write PATH writes it relative to the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-schema-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const t = io(dir);
    expect(await schemaCommand.run(['--write', 'out.json'], t)).toBe(0);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(experimentJsonSchemaText());
    expect(t.out()).toBe('wrote out.json\n');
  });

  it('rejects unknown flags and arguments', async () => {
    await expect(schemaCommand.run(['--out', 'x'], io(tmpdir()))).rejects.toMatchObject({
      code: 'SQUALL_USAGE',
    });
    await expect(schemaCommand.run(['x'], io(tmpdir()))).rejects.toMatchObject({ code: 'SQUALL_USAGE' });
  });
});
