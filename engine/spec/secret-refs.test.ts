// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} and ${file:...} are the syntax under test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperimentText } from '../app/load.js';
import { formatSpecIssue, SpecError } from '../core/errors.js';
import { hasSecretRef, resolveSecretRefs } from './secret-refs.js';

const HEAD =
  'apiVersion: squall/v1\nkind: Experiment\nmetadata: { name: t }\nphases: { baseline: 1s, recovery: 1s }\n';

function issueLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue);
    throw err;
  }
  return [];
}

describe('secret references at load time', () => {
  it('are kept as written (nothing is read) and checked for form', () => {
    const ok = loadExperimentText(
      'apiVersion: squall/v1\nkind: Experiment\nphases: { baseline: 1s, recovery: 1s }\n' +
        'metadata: { name: t, description: "${env:TOKEN} ${file:/run/secrets/x} $${env:LITERAL}" }\n',
      't.yaml',
    );
    expect(ok.experiment.metadata.description).toBe('${env:TOKEN} ${file:/run/secrets/x} $${env:LITERAL}');
    expect(hasSecretRef('a ${env:X} b')).toBe(true);
    expect(hasSecretRef('a $${env:X} b')).toBe(false);
    expect(
      issueLines(() =>
        loadExperimentText(
          `${HEAD}system:\n  processes:\n    api: { command: [x], env: { A: "\${env:}", B: "\${file:}", C: "\${vault:db/pw}", D: "\${env:NOT-A-NAME}" } }\n`,
          't.yaml',
        ),
      ),
    ).toEqual([
      "t.yaml:7:36 system.processes.api.env.A: '${env:}': expected an environment variable name (letters, digits, _)",
      "t.yaml:7:50 system.processes.api.env.B: '${file:}': expected a path, e.g. ${file:secrets/token}",
      "t.yaml:7:65 system.processes.api.env.C: unknown secret reference '${vault:…}'; expected ${env:NAME} or ${file:PATH} (write $${ for a literal ${)",
      "t.yaml:7:86 system.processes.api.env.D: '${env:NOT-A-NAME}': expected an environment variable name (letters, digits, _)",
    ]);
  });
});

describe('resolveSecretRefs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-secret-refs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads variables and files (one trailing newline dropped), unescapes $${', () => {
    writeFileSync(join(dir, 'pw'), 'file-pw\n');
    writeFileSync(join(dir, 'two-lines'), 'a\nb\r\n');
    const { value, secrets } = resolveSecretRefs(
      { a: 'Bearer ${env:TOKEN}', b: ['${file:pw}', '${file:two-lines}'], c: '$${env:TOKEN}', n: 1 },
      { env: { TOKEN: 'env-tok' }, baseDir: dir },
    );
    expect(value).toEqual({ a: 'Bearer env-tok', b: ['file-pw', 'a\nb'], c: '${env:TOKEN}', n: 1 });
    expect(secrets).toEqual(['env-tok', 'file-pw', 'a\nb']);
  });

  it('lists every reference it cannot resolve, positioned, as SQUALL_SECRET_UNRESOLVED', () => {
    writeFileSync(join(dir, 'big'), 'x'.repeat(64 * 1024 + 1));
    const err = (() => {
      try {
        resolveSecretRefs(
          { a: '${env:UNSET_X}', b: '${file:missing}', c: '${file:big}' },
          { env: {}, baseDir: dir },
        );
      } catch (e) {
        return e as SpecError;
      }
    })();
    expect(err?.code).toBe('SQUALL_SECRET_UNRESOLVED');
    expect(err?.exitCode).toBe(2);
    expect(err?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "a: ${env:UNSET_X} is not set in squall's environment",
      'b: cannot read ${file:missing}: no such file',
      'c: ${file:big} is larger than 64 KiB; a secret file holds one secret',
    ]);
  });
});
