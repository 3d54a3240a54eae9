import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ExitCode, exitCodeOf, formatSpecIssue, RollbackError, SquallError } from './errors.js';

describe('error table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CODES))('%s is documented in README.md with its exit code', (code, info) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\``));
    expect(row, `README.md has no row for ${code}`).toBeDefined();
    expect(row!.split('|')[2]!.trim()).toBe(String(info.exit));
  });

  it('maps errors to exit codes', () => {
    expect(exitCodeOf(new SquallError('SQUALL_SPEC_INVALID', 'x'))).toBe(ExitCode.invalidInput);
    expect(exitCodeOf(new Error('plain'))).toBe(ExitCode.infrastructure);
    const rollback = new RollbackError([
      {
        faultId: 'f1',
        kind: 'process.pause',
        where: 'pid 42',
        removeCommand: 'kill -CONT 42',
        error: 'EPERM',
      },
    ]);
    expect(rollback.exitCode).toBe(ExitCode.rollbackFailed);
    expect(rollback.message).toContain('kill -CONT 42');
  });

  it('formats spec issues as file:line:col field.path: message', () => {
    expect(
      formatSpecIssue({ file: 'a.yaml', line: 3, col: 5, path: 'faults[0].duration', message: 'bad' }),
    ).toBe('a.yaml:3:5 faults[0].duration: bad');
  });
});
