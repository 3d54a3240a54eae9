/**
 * Where a child-process entry point lives and how to run it. Tests run the TypeScript sources
 * through vitest, while the built CLI runs `dist/**.js`; a fork must follow whichever form its
 * parent is running in, or a test would start a stale build (or none at all).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface EntryPoint {
  /** Absolute path of the script to fork. */
  file: string;
  /** `execArgv` for `fork`/`cluster.setupPrimary`: the tsx loader when running from source. */
  execArgv: string[];
}

/**
 * Resolves `relative` (written without extension, e.g. `./cloud/worker`) against `fromUrl`
 * (the caller's `import.meta.url`): `.ts` plus tsx's loader when the caller is a `.ts` file,
 * `.js` with no loader when it runs from `dist/`.
 */
export function entryPoint(fromUrl: string, relative: string): EntryPoint {
  const fromSource = fromUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`${relative}${fromSource ? '.ts' : '.js'}`, fromUrl));
  // An absolute loader URL, so the child finds tsx whatever its cwd is.
  const execArgv = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  return { file, execArgv };
}

export interface ForkOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * A command prefix the child runs under, e.g. `['ip', 'netns', 'exec', 'sq1a2b-edge-1']` to
   * start it inside a lab namespace. `exec` keeps the IPC descriptor, so IPC still works.
   */
  wrapper?: readonly string[];
}

/** Forks an entry point with an IPC channel (`advanced` serialization), stdout/stderr inherited. */
export function forkEntry(entry: EntryPoint, options: ForkOptions = {}): ChildProcess {
  const common = {
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
    serialization: 'advanced' as const,
  };
  const wrapper = options.wrapper ?? [];
  if (wrapper.length === 0) return fork(entry.file, [], { ...common, execArgv: entry.execArgv });
  // fork() runs `execPath ...execArgv file`: put the wrapper in front of node.
  return fork(entry.file, [], {
    ...common,
    execPath: wrapper[0]!,
    execArgv: [...wrapper.slice(1), process.execPath, ...entry.execArgv],
  });
}
