/**
 * Squall's one error table. Every error a user can see carries a stable `code`
 * (documented in README.md, checked by errors.test.ts) and maps to one process exit code.
 */
import { escapeControl, excerpt } from './escape.js';

/** Process exit codes (docs/architecture.md, "One run, end to end"). */
export const ExitCode = {
  ok: 0,
  sloBreached: 1,
  invalidInput: 2,
  aborted: 3,
  infrastructure: 4,
  rollbackFailed: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

interface ErrorCodeInfo {
  exit: ExitCode;
  summary: string;
}

/** Stable error codes. Add a row here, then document it in README.md's error table. */
export const ERROR_CODES = {
  SQUALL_SPEC_INVALID: { exit: ExitCode.invalidInput, summary: 'The experiment file does not validate.' },
  SQUALL_SPEC_UNREADABLE: { exit: ExitCode.invalidInput, summary: 'The experiment file cannot be read.' },
  SQUALL_USAGE: {
    exit: ExitCode.invalidInput,
    summary: 'The command line is wrong (unknown flag, missing argument).',
  },
  SQUALL_VAR_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'A --var override is malformed or names no variable.',
  },
  SQUALL_SECRET_UNRESOLVED: {
    exit: ExitCode.invalidInput,
    summary: `A secret reference (\${env:NAME}, \${file:PATH}) names an unset variable or an unreadable file.`,
  },
  SQUALL_FAULT_UNKNOWN: {
    exit: ExitCode.invalidInput,
    summary: 'No fault driver is registered for that kind.',
  },
  SQUALL_SLI_UNKNOWN: { exit: ExitCode.invalidInput, summary: 'No SLI of that name is in the catalogue.' },
  SQUALL_PREFLIGHT_FAILED: {
    exit: ExitCode.aborted,
    summary: 'Steady state did not hold before injection; nothing was injected.',
  },
  SQUALL_AGENT_UNREACHABLE: { exit: ExitCode.infrastructure, summary: 'An agent could not be reached.' },
  SQUALL_AGENT_DISCOVERY_EMPTY: {
    exit: ExitCode.infrastructure,
    summary: "agents.discover's DNS name has no A records (no ready agent behind the headless Service).",
  },
  SQUALL_AGENT_DISCOVERY_FAILED: {
    exit: ExitCode.infrastructure,
    summary: "agents.discover's DNS server could not be asked (unreachable, refused, timed out).",
  },
  SQUALL_TARGET_NOT_FOUND: {
    exit: ExitCode.infrastructure,
    summary: 'A fault target (process, proxy) does not exist.',
  },
  SQUALL_FAULT_INJECT_FAILED: {
    exit: ExitCode.infrastructure,
    summary: 'A fault driver could not inject its fault.',
  },
  SQUALL_PROCESS_FAILED: {
    exit: ExitCode.infrastructure,
    summary: 'A managed process failed to start or died.',
  },
  SQUALL_PROBE_FAILED: { exit: ExitCode.infrastructure, summary: 'A probe is misconfigured and cannot run.' },
  SQUALL_K6_NOT_FOUND: {
    exit: ExitCode.infrastructure,
    summary: "A k6 probe's binary is not on PATH (or not at its `k6:` path); install k6.",
  },
  SQUALL_K6_SUMMARY_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'The file given to `squall report --import-k6` is not a k6 end-of-test summary.',
  },
  SQUALL_NETEM_UNAVAILABLE: {
    exit: ExitCode.infrastructure,
    summary: 'The kernel has no sch_netem; use proxy.latency / proxy.loss instead.',
  },
  SQUALL_FLEET_CONFIG_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'The fleet configuration is invalid (reconnect, payload, template, group).',
  },
  SQUALL_FLEET_BROKER_UNREACHABLE: {
    exit: ExitCode.infrastructure,
    summary: 'Fleet devices could not reach the broker (refused, timed out, DNS).',
  },
  SQUALL_FLEET_CONNECT_REFUSED: {
    exit: ExitCode.infrastructure,
    summary: 'The broker refused fleet devices in CONNACK (bad credentials, not authorized).',
  },
  SQUALL_FLEET_SUBSCRIBE_FAILED: {
    exit: ExitCode.infrastructure,
    summary: "The broker refused the sink's subscription in SUBACK (ACL, not authorized, bad filter).",
  },
  SQUALL_FLEET_TLS_FAILED: {
    exit: ExitCode.infrastructure,
    summary: 'The TLS handshake with the broker failed for fleet devices.',
  },
  SQUALL_FLEET_PORTS_EXHAUSTED: {
    exit: ExitCode.infrastructure,
    summary: 'The fleet ran out of ephemeral ports or file descriptors; add source addresses or shards.',
  },
  SQUALL_FLEET_SHARD_CRASHED: {
    exit: ExitCode.infrastructure,
    summary: 'A fleet shard process died; its devices are counted as lost.',
  },
  SQUALL_AGENT_AUTH_FAILED: {
    exit: ExitCode.infrastructure,
    summary:
      'The agent and controller did not accept each other (mTLS: no certificate, another CA, wrong name).',
  },
  SQUALL_AGENT_POLICY_DENIED: {
    exit: ExitCode.infrastructure,
    summary:
      "The agent's policy refused the request (driver, target, duration, concurrency, protected address).",
  },
  SQUALL_AGENT_INSECURE: {
    exit: ExitCode.invalidInput,
    summary:
      'Plain text was asked for where it is unsafe (not loopback or a 0700 unix: socket; TCP as root or with capabilities), or TLS files are missing without --insecure.',
  },
  SQUALL_TLS_CONFIG_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'A TLS certificate, key or CA file is missing, unreadable or malformed.',
  },
  SQUALL_TARGET_PROTECTED: {
    exit: ExitCode.infrastructure,
    summary:
      'The agent never signals that process: itself, an ancestor, pid ≤ 1, a kernel thread or a protected process.',
  },
  SQUALL_AGENT_SESSION_LOST: {
    exit: ExitCode.infrastructure,
    summary:
      "The session to an agent ended mid-run (agent stopped or killed, no reply within the lease's ttl); the run was aborted.",
  },
  SQUALL_LEASE_EXPIRED: {
    exit: ExitCode.infrastructure,
    summary: "The agent heard no heartbeat for the lease's ttl and reverted the session's faults.",
  },
  SQUALL_HISTORY_UNAVAILABLE: {
    exit: ExitCode.infrastructure,
    summary: 'The run history database cannot be opened or written; a run goes on without it.',
  },
  SQUALL_HISTORY_TOO_NEW: {
    exit: ExitCode.infrastructure,
    summary: 'The run history database was written by a newer Squall (a schema version above this one).',
  },
  SQUALL_HISTORY_RUN_NOT_FOUND: {
    exit: ExitCode.invalidInput,
    summary: 'No run in the history has that id, or the prefix matches several.',
  },
  SQUALL_HISTORY_IMPORT_FAILED: {
    exit: ExitCode.invalidInput,
    summary: 'A directory given to `squall history import` holds no journal that can be imported.',
  },
  SQUALL_DEPLOY_INVALID: {
    exit: ExitCode.invalidInput,
    summary:
      'squall deploy render cannot render working manifests from these inputs (certificates, policy, suite).',
  },
  SQUALL_PROM_UNREACHABLE: {
    exit: ExitCode.infrastructure,
    summary: 'A Prometheus source under sources: could not be reached at run start.',
  },
  SQUALL_PROM_QUERY_INVALID: {
    exit: ExitCode.invalidInput,
    summary: "Prometheus rejected an SLO's PromQL (syntax, types, or more than one series).",
  },
  SQUALL_METRICS_LISTEN_FAILED: {
    exit: ExitCode.infrastructure,
    summary: 'squall run --metrics-listen could not listen on that address.',
  },
  SQUALL_SERVE_INSECURE_LISTEN: {
    exit: ExitCode.invalidInput,
    summary:
      'squall serve was asked to listen on a non-loopback address without --tokens (or TLS files are incomplete).',
  },
  SQUALL_SERVE_TOKENS_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'The --tokens file is unreadable or a line is not `name role sha256:<hex>`.',
  },
  SQUALL_SERVE_UNAUTHORIZED: {
    exit: ExitCode.invalidInput,
    summary: 'A control room request had no valid token or session (HTTP 401).',
  },
  SQUALL_SERVE_FORBIDDEN: {
    exit: ExitCode.invalidInput,
    summary:
      'The control room refused the request (HTTP 403): a viewer asked to act, a cross-site or CSRF-less mutation, or a path outside --library.',
  },
  SQUALL_SERVE_NOT_FOUND: {
    exit: ExitCode.invalidInput,
    summary: 'No such run, report file or route in the control room (HTTP 404).',
  },
  SQUALL_SERVE_CONFLICT: {
    exit: ExitCode.invalidInput,
    summary:
      'The run is not in a state that allows the action (HTTP 409): not running, not paused, already over.',
  },
  SQUALL_SERVE_BAD_REQUEST: {
    exit: ExitCode.invalidInput,
    summary:
      'A control room request is malformed (HTTP 400): a missing field, a wrong type, a bad query value.',
  },
  SQUALL_INTERNAL: {
    exit: ExitCode.infrastructure,
    summary: 'A bug in Squall; please report it with the journal.',
  },
  SQUALL_ROLLBACK_FAILED: {
    exit: ExitCode.rollbackFailed,
    summary: 'A fault could not be reverted and may still be active.',
  },
  SQUALL_NOTIFY_CONFIG_INVALID: {
    exit: ExitCode.invalidInput,
    summary: 'The notification config (--notify FILE) cannot be read or does not validate.',
  },
  // Logged, never raised: an alert that could not be delivered does not change a run's exit code.
  SQUALL_NOTIFY_UNDELIVERED: {
    exit: ExitCode.ok,
    summary: 'An alert was not delivered after its retries (or when squall exited); it is logged.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every error Squall raises on purpose. */
export class SquallError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SquallError';
    this.code = code;
  }
  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }
}

/** One problem in an experiment file, positioned for `file:line:col field.path: message`. */
export interface SpecIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted field path, e.g. `faults[0].duration`; empty for the document itself. */
  path: string;
  message: string;
}

/**
 * `file:line:col field.path: message`, on one line: control characters in any part are escaped,
 * and a path through a huge key is cut to an excerpt (the message already quotes it cut).
 */
export function formatSpecIssue(issue: SpecIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  const path = excerpt(issue.path, MAX_PATH_SHOWN);
  return escapeControl(path ? `${where} ${path}: ${issue.message}` : `${where} ${issue.message}`);
}

const MAX_PATH_SHOWN = 200;

/** Raised when an experiment file fails to load; carries every issue found, not just the first. */
export class SpecError extends SquallError {
  readonly issues: SpecIssue[];
  constructor(
    issues: SpecIssue[],
    code:
      | 'SQUALL_SPEC_INVALID'
      | 'SQUALL_SPEC_UNREADABLE'
      | 'SQUALL_SECRET_UNRESOLVED'
      | 'SQUALL_NOTIFY_CONFIG_INVALID' = 'SQUALL_SPEC_INVALID',
  ) {
    super(code, issues.map(formatSpecIssue).join('\n'));
    this.name = 'SpecError';
    this.issues = issues;
  }
}

/** A fault that may still be active after rollback gave up; says where it lives and how to remove it. */
export interface Leftover {
  faultId: string;
  kind: string;
  /** Where the fault lives, e.g. `local agent, pid 4242` or `agent edge-1, nft table squall_f12`. */
  where: string;
  /** The exact command an operator runs to remove it by hand. */
  removeCommand: string;
  error: string;
}

export class RollbackError extends SquallError {
  readonly leftovers: Leftover[];
  constructor(leftovers: Leftover[]) {
    super(
      'SQUALL_ROLLBACK_FAILED',
      `rollback failed; ${leftovers.length} fault(s) may still be active:\n${leftovers
        .map(
          (l) =>
            `  - ${l.kind} (${l.faultId}) on ${l.where}: ${l.error}\n    remove with: ${l.removeCommand}`,
        )
        .join('\n')}`,
    );
    this.name = 'RollbackError';
    this.leftovers = leftovers;
  }
}

export function isSquallError(err: unknown): err is SquallError {
  return err instanceof SquallError;
}

/** The exit code for any thrown value: Squall errors know theirs; anything else is an infrastructure error. */
export function exitCodeOf(err: unknown): ExitCode {
  return isSquallError(err) ? err.exitCode : ExitCode.infrastructure;
}
