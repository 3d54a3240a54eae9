/**
 * A child process for hostile.test.ts: runs the real CLI (`main`, what bin.ts calls) once per
 * job given as JSON on stdin, and prints one JSON line per job: exit code, stdout, stderr, the
 * wall time of that command, and the process's peak RSS so far. Peak RSS only grows, so a job's
 * reading bounds what that job used (with everything loaded before it, tsx included).
 * The clock starts after the modules are loaded: process start-up is the same for any input.
 *
 * With --expose-gc, garbage of the previous job is collected before each one starts.
 *
 *   node --expose-gc --import tsx measure-cli.ts < [{"argv":["validate","x.yaml"],"cwd":"/tmp/d"}]
 */
import { main } from '../../app/cli/main.js';

interface Job {
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job[];

for (const job of jobs) {
  let stdout = '';
  let stderr = '';
  (globalThis as { gc?: () => void }).gc?.();
  const startedMs = performance.now();
  const exitCode = await main(job.argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: job.cwd,
    env: { ...process.env, ...job.env },
  });
  const wallMs = performance.now() - startedMs;
  // resourceUsage().maxRSS is in KiB.
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const line = `${JSON.stringify({ argv: job.argv, exitCode, stdout, stderr, wallMs, maxRssMB })}\n`;
  // Written before the next job (and before exit): a pipe takes large writes asynchronously.
  await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
}
// Handles a command may leave (none should) must not keep the child alive.
process.exit(0);
