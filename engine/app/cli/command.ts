/**
 * The shape of a `squall` sub-command. Commands are pure of process globals: they get argv
 * and an IO object, return an exit code, and never call `process.exit`.
 */
export interface CliIO {
  stdout: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  cwd: string;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM by the entry point; long commands watch it. */
  signal?: AbortSignal;
  /**
   * Long commands register what may still be active, so a second Ctrl-C can print it
   * (and how to remove it) before the process stops.
   */
  setActiveFaultReporter?(report: () => string[]): void;
}

export interface Command {
  readonly name: string;
  /** One line for `squall --help`. */
  readonly summary: string;
  /** Full `--help` text: usage, options, at least one example. */
  readonly help: string;
  run(argv: string[], io: CliIO): Promise<number>;
}
