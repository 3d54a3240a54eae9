/**
 * Finding the k6 binary before a run starts anything: a run that needs k6 and has none fails
 * at once (SQUALL_K6_NOT_FOUND, exit 4), not after the fleet ramped up and the baseline ran.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SquallError } from '../core/errors.js';

const INSTALL_HINT =
  "install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/: Grafana's apt or rpm repository, `brew install k6`, `winget install k6`, or a release binary from https://github.com/grafana/k6/releases) and put `k6` on PATH, or set the probe's `k6:` param to its path";

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The k6 to run for probe `probe`: `explicit` (the `k6:` param: a path, relative to `baseDir`,
 * or a bare name looked up on PATH), else `k6` on PATH.
 */
export function findK6(
  probe: string,
  explicit: string | undefined,
  options: { baseDir: string; path?: string } = { baseDir: process.cwd() },
): string {
  const pathVar = options.path ?? process.env.PATH ?? '';
  const wanted = explicit ?? 'k6';
  if (wanted.includes('/')) {
    const at = isAbsolute(wanted) ? wanted : resolve(options.baseDir, wanted);
    if (isExecutableFile(at)) return at;
    throw new SquallError(
      'SQUALL_K6_NOT_FOUND',
      `probe '${probe}': k6 not found: '${at}' (its \`k6:\` param) is not an executable file; ${INSTALL_HINT}`,
    );
  }
  const dirs = pathVar.split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, wanted);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new SquallError(
    'SQUALL_K6_NOT_FOUND',
    `probe '${probe}': k6 not found: no executable '${wanted}' on PATH (${dirs.join(delimiter) || 'empty'}); ${INSTALL_HINT}`,
  );
}
