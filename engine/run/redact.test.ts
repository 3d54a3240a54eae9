// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is the syntax under test.
/**
 * What the journal keeps of secrets: the spec with references as written and literal secrets
 * redacted, and every event scrubbed of the secrets themselves. The last test is a real run
 * whose managed process cannot start: the error quotes its argv, which holds a resolved
 * `${env:...}`; the journal and the run's result must not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultEnvironment } from '../app/environment.js';
import { loadExperimentText } from '../app/load.js';
import { SpecError, SquallError } from '../core/errors.js';
import { isSecretField, literalSecrets, REDACTED, redactSpec, Scrubber } from './redact.js';
import { createRunner } from './runner.js';

const load = (body: string) =>
  loadExperimentText(
    `apiVersion: squall/v1\nkind: Experiment\nmetadata: { name: t }\nphases: { baseline: 1s, recovery: 1s }\n${body}`,
    't.yaml',
  ).experiment;

describe('redactSpec', () => {
  it('redacts literal secrets in secret fields, keeps references and everything else', () => {
    const experiment = load(`system:
  brokers: { cloud: "mqtt://meter:s3cr3t-pw@broker:1883" }
  processes:
    api: { command: [node, api.js], env: { TOKEN: "\${env:API_TOKEN}", DB_PASSWORD: literal-pw, MODE: prod } }
fleet:
  devices: 1
  broker: cloud
  username: meter
  password: fleet-literal-pw
probes:
  - name: p
    kind: http
    params: { url: "http://127.0.0.1:1/", headers: { Authorization: "Bearer \${env:T}", X-Trace: abc, Cookie: sid=1 } }
`);
    const spec = redactSpec(experiment) as typeof experiment;
    expect(spec.system.processes!.api!.env).toEqual({
      TOKEN: '${env:API_TOKEN}',
      DB_PASSWORD: REDACTED,
      MODE: REDACTED,
    });
    expect(spec.system.brokers!.cloud).toBe(`mqtt://meter:${REDACTED}@broker:1883`);
    expect(spec.fleet).toMatchObject({ username: 'meter', password: REDACTED });
    expect(spec.probes[0]!.params.headers).toEqual({
      Authorization: 'Bearer ${env:T}',
      'X-Trace': 'abc',
      Cookie: REDACTED,
    });
    expect(spec.metadata.name).toBe('t');
    expect(literalSecrets(experiment).sort()).toEqual(
      ['fleet-literal-pw', 'literal-pw', 'prod', 's3cr3t-pw', 'sid=1'].sort(),
    );
  });

  it('knows secret fields by what they are', () => {
    expect(isSecretField(['system', 'processes', 'api', 'env', 'HOME'])).toBe(true);
    expect(isSecretField(['probes', 0, 'params', 'headers', 'Proxy-Authorization'])).toBe(true);
    expect(isSecretField(['probes', 0, 'params', 'headers', 'Accept'])).toBe(false);
    expect(isSecretField(['faults', 0, 'params', 'apiKey'])).toBe(true);
    expect(isSecretField(['fleet', 'groups', 1, 'password'])).toBe(true);
    expect(isSecretField(['fleet', 'username'])).toBe(false);
  });
});

describe('Scrubber', () => {
  it('cuts known secrets from every string, longest first; short values are left alone', () => {
    const scrub = new Scrubber();
    expect(scrub.value({ a: 'tok-123456' })).toEqual({ a: 'tok-123456' });
    scrub.add(['tok-123456', 'tok-123456-extended', 'abc']);
    expect(scrub.value({ a: ['x tok-123456-extended y', 'tok-123456'], n: 3, s: 'abc' })).toEqual({
      a: [`x ${REDACTED} y`, REDACTED],
      n: 3,
      s: 'abc',
    });
  });

  it('scrubs an error and keeps its class, code and issues', () => {
    const scrub = new Scrubber();
    scrub.add(['sekrit-value']);
    const err = new SpecError([{ file: 'f', line: 1, col: 1, path: 'x', message: 'got sekrit-value' }]);
    const out = scrub.error(err);
    expect(out).toBeInstanceOf(SpecError);
    expect(out.code).toBe('SQUALL_SPEC_INVALID');
    expect(out.message).toBe(`f:1:1 x: got ${REDACTED}`);
    expect(out.issues[0]!.message).toBe(`got ${REDACTED}`);
    const plain = new SquallError('SQUALL_INTERNAL', 'nothing here');
    expect(scrub.error(plain)).toBe(plain);
  });
});

describe('a run whose error quotes a resolved secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-redact-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('journals and returns the error with the secret cut out', async () => {
    const token = 'resolved-T0KEN-from-env-31337';
    const file = join(dir, 't.yaml');
    const { experiment, source } = loadExperimentText(
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: t }
system:
  processes:
    api: { command: [/no/such/binary, "--token=\${env:SQUALL_TEST_TOKEN}"] }
phases: { preflight: 0s, baseline: 200ms, recovery: 200ms }
`,
      file,
    );
    const runner = createRunner({
      experiment,
      file,
      source,
      env: { SQUALL_TEST_TOKEN: token },
      outDir: join(dir, 'run'),
      environment: createDefaultEnvironment(),
    });
    const result = await runner.run();
    expect(result.exitCode).toBe(4);
    expect(result.error?.message).toContain(`--token=${REDACTED}`);
    expect(result.error?.message).not.toContain(token);
    const journal = readFileSync(result.journalPath, 'utf8');
    expect(journal).toContain(`--token=${REDACTED}`);
    expect(journal).toContain('--token=${env:SQUALL_TEST_TOKEN}');
    expect(journal).not.toContain(token);
  });
});
