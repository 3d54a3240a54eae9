/**
 * Runs `squall run <suite>` the way CI does, the real CLI in a child process
 * (`node --import tsx engine/app/cli/bin.ts run <file> --out <tmp>`), and reads back the suite's
 * combined reports. `onOutput` sees the output as it comes, e.g. to send SIGINT mid-run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteSummary } from '../../../reports/suite-summary.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'engine/app/cli/bin.ts');

export interface SuiteRun {
  code: number;
  output: string;
  outDir: string;
  summary: SuiteSummary;
  junit: string;
}

/** Sees the output so far each time more arrives. */
export type OutputWatcher = (outputSoFar: string, child: ChildProcess) => void;

export async function runSuiteCli(
  file: string,
  opts: { vars?: Record<string, string | number>; onOutput?: OutputWatcher } = {},
): Promise<SuiteRun> {
  const outDir = mkdtempSync(join(tmpdir(), 'squall-suite-'));
  const args = ['--import', 'tsx', BIN, 'run', file, '--out', outDir];
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}=${v}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d: Buffer) => {
    output += d;
    opts.onOutput?.(output, child);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number>((resolve) =>
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : -1))),
  );
  const summaryPath = join(outDir, 'summary.json');
  if (!existsSync(summaryPath)) throw new Error(`no summary.json in ${outDir} (exit ${code}):\n${output}`);
  return {
    code,
    output,
    outDir,
    summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as SuiteSummary,
    junit: readFileSync(join(outDir, 'junit.xml'), 'utf8'),
  };
}
