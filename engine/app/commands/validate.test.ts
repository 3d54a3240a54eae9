import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { faultDrivers } from '../../../agents/faults/catalog.js';
import { SquallError } from '../../core/errors.js';
import type { CliIO } from '../cli/command.js';
import { validateCommand } from './validate.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function io(): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd: repo,
    env: {},
    out: () => out,
    err: () => err,
  };
}

const valid = 'engine/spec/fixtures/valid/minimal.yaml';
const invalid = 'engine/spec/fixtures/invalid/unknown-fault-kind.yaml';

describe('squall validate', () => {
  it('prints OK per valid file and exits 0', async () => {
    const t = io();
    expect(await validateCommand.run([valid], t)).toBe(0);
    expect(t.out()).toBe(`${valid}: OK (minimal)\n`);
  });

  it('prints every issue of every invalid file, with the path as given, and exits 2', async () => {
    const t = io();
    expect(await validateCommand.run([valid, invalid, 'nope.yaml'], t)).toBe(2);
    expect(t.out().split('\n')).toEqual([
      `${valid}: OK (minimal)`,
      `${invalid}:10:11 faults[0].kind: unknown fault kind 'process.kil' (did you mean 'process.kill'?); known: ${faultDrivers.names().join(', ')}`,
      `${invalid}:13:11 faults[1].kind: unknown fault kind 'quantum.entangle'; known: ${faultDrivers.names().join(', ')}`,
      `${invalid}: 2 issues`,
      'nope.yaml:1:1 cannot read the experiment file: no such file',
      'nope.yaml: 1 issue',
      '3 files: 1 valid, 2 invalid',
      '',
    ]);
  });

  it('--json gives the same result as data', async () => {
    const t = io();
    expect(await validateCommand.run([valid, invalid, '--json'], t)).toBe(2);
    const result = JSON.parse(t.out());
    expect(result.valid).toBe(false);
    expect(result.files[0]).toEqual({ file: valid, valid: true, experiment: 'minimal', issues: [] });
    expect(result.files[1].issues[0]).toMatchObject({
      file: invalid,
      line: 10,
      col: 11,
      path: 'faults[0].kind',
    });
  });

  it('a --var the file does not declare makes that file invalid', async () => {
    const t = io();
    expect(await validateCommand.run([valid, '--var', 'devices=5'], t)).toBe(2);
    expect(t.out()).toContain(
      `${valid}:1:1 vars: --var devices=5: ${valid} declares no variable 'devices'; it declares no vars`,
    );
  });

  it('unknown flags and no files are usage errors', async () => {
    await expect(validateCommand.run(['--nope', valid], io())).rejects.toMatchObject({
      code: 'SQUALL_USAGE',
    });
    await expect(validateCommand.run([], io())).rejects.toBeInstanceOf(SquallError);
  });

  it('has help with usage, options and an example', () => {
    expect(validateCommand.help).toMatch(/^Usage: squall validate/);
    expect(validateCommand.help).toContain('Options:');
    expect(validateCommand.help).toContain('Examples:');
  });
});
