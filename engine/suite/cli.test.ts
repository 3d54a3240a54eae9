/** `squall validate` and `squall run --dry-run` on suite files, in process (nothing runs). */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../app/cli/command.js';
import { main } from '../app/cli/main.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

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

describe('suites on the command line', () => {
  it('validate: a suite and an experiment side by side, each by its kind', async () => {
    const t = io();
    const code = await main(['validate', 'experiments/gameday.yaml', 'experiments/demo-latency.yaml'], t);
    expect(code, t.err()).toBe(0);
    expect(t.out()).toMatch(
      /^experiments\/gameday\.yaml: OK \(suite monthly-gameday: edge-cloud-partition, /,
    );
    expect(t.out()).toContain('experiments/demo-latency.yaml: OK (demo-latency)');
  });

  it('validate: suite issues with file:line:col, then the listed experiment’s own, exit 2', async () => {
    const t = io();
    const file = 'engine/suite/fixtures/invalid/invalid-experiment.yaml';
    expect(await main(['validate', file], t)).toBe(2);
    const lines = t.out().trim().split('\n');
    expect(lines[0]).toBe(
      `${file}:6:11 experiments[0].file: experiment '../experiments/broken.yaml' is invalid: 2 issues, listed below`,
    );
    expect(lines[1]).toMatch(/^engine\/suite\/fixtures\/experiments\/broken\.yaml:4:21 phases\.baseline: /);
    expect(lines.at(-1)).toBe(`${file}: 3 issues`);
  });

  it('validate --var reaches the suite’s vars; an undeclared one is an issue of the suite', async () => {
    const t = io();
    expect(await main(['validate', 'experiments/gameday.yaml', '--var', 'devicez=5'], t)).toBe(2);
    expect(t.out()).toContain("declares no variable 'devicez' (did you mean 'devices'?)");
  });

  it('run --dry-run prints every experiment’s plan in order and injects nothing', async () => {
    const t = io();
    expect(await main(['run', 'experiments/gameday.yaml', '--dry-run', '--var', 'pause=1s'], t)).toBe(0);
    const out = t.out();
    expect(out).toMatch(/^Suite: monthly-gameday/);
    expect(out).toMatch(
      /\[1\/\d\] edge-cloud-partition[\s\S]*--- pause 1s[\s\S]*\[2\/\d\] broker-crash-herd/,
    );
    expect(out).toContain('Blast radius:');
    expect(out).toContain('dry run: nothing was injected.');
  });

  it('plan --json lists the steps with each experiment’s plan', async () => {
    const t = io();
    expect(await main(['plan', 'experiments/gameday.yaml', '--json', '--var', 'pause=2s'], t)).toBe(0);
    const { suite } = JSON.parse(t.out()) as {
      suite: (
        | { kind: 'pause'; pauseMs: number }
        | { kind: 'experiment'; name: string; plan: { runMs: number } }
      )[];
    };
    expect(suite[0]).toMatchObject({ kind: 'experiment', name: 'edge-cloud-partition' });
    expect(suite[1]).toEqual({ kind: 'pause', pauseMs: 2000 });
    for (const s of suite) if (s.kind === 'experiment') expect(s.plan.runMs).toBeGreaterThan(0);
  });
});
