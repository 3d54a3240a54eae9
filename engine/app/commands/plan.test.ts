import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/command.js';
import { planCommand } from './plan.js';

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

const herd = 'engine/spec/fixtures/valid/broker-crash-herd.yaml';

describe('squall plan', () => {
  it('prints the timeline and blast radius', async () => {
    const t = io();
    expect(await planCommand.run([herd], t)).toBe(0);
    expect(t.out()).toContain('Plan for broker-crash-herd');
    expect(t.out()).toMatch(/\+1m\s+kill-broker\s+process\.kill\s+process cloud-broker @ cloud-1\s+10s/);
    expect(t.out()).toContain('devices    100,000');
  });

  it('--var and --json: the plan as data, with the vars in effect', async () => {
    const t = io();
    expect(await planCommand.run([herd, '--var', 'devices=2000', '--var', 'downtime=30s', '--json'], t)).toBe(
      0,
    );
    const { file, vars, plan } = JSON.parse(t.out());
    expect(file).toBe(herd);
    expect(vars).toEqual({ devices: 2000, downtime: '30s' });
    expect(plan.blastRadius.devices).toBe(2000);
    expect(plan.faults[0]).toMatchObject({ name: 'kill-broker', startMs: 60_000, durationMs: 30_000 });
  });

  it('an invalid file prints its issues on stderr and exits 2', async () => {
    const t = io();
    const file = 'engine/spec/fixtures/invalid/negative-duration.yaml';
    expect(await planCommand.run([file], t)).toBe(2);
    expect(t.err()).toBe(
      `${file}:7:36 phases.recovery: duration must not be negative, got '-5s'\n${file}:12:15 faults[0].duration: duration must not be negative, got '-30s'\n`,
    );
    expect(t.out()).toBe('');
  });

  it('usage errors throw SQUALL_USAGE; an undeclared --var is a positioned issue, exit 2', async () => {
    await expect(planCommand.run([], io())).rejects.toMatchObject({ code: 'SQUALL_USAGE' });
    await expect(planCommand.run([herd, '--dry'], io())).rejects.toMatchObject({ code: 'SQUALL_USAGE' });
    await expect(planCommand.run([herd, '--max-file-size', '0'], io())).rejects.toMatchObject({
      code: 'SQUALL_USAGE',
    });
    // As `validate` prints it: about the command line, so at the file's 1:1 under vars.
    const t = io();
    expect(await planCommand.run([herd, '--var', 'nope=1'], t)).toBe(2);
    expect(t.err()).toMatch(new RegExp(`^${herd}:1:1 vars: --var nope=1: .* declares no variable 'nope'`));
  });

  it('--max-file-size: a file over the cap is a positioned issue, exit 2; raising it loads the file', async () => {
    const t = io();
    expect(await planCommand.run([herd, '--max-file-size', '1KiB'], t)).toBe(2);
    expect(t.err()).toBe(
      `${herd}:1:1 the experiment file is larger than 1 KiB; spec files are a few KB (raise the limit with --max-file-size if this one is meant)\n`,
    );
    expect(await planCommand.run([herd, '--max-file-size', '64KiB'], io())).toBe(0);
  });

  it('has help with usage, options and an example', () => {
    expect(planCommand.help).toMatch(/^Usage: squall plan/);
    expect(planCommand.help).toContain('--var name=value');
    expect(planCommand.help).toContain('Examples:');
  });
});
