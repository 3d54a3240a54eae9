/**
 * The fault contract, at the bottom so every layer can name it without importing a driver:
 * a driver is one small interface in one file (after Toxiproxy's toxics), looked up by `kind`
 * (`driver.action`) in the catalog the composition root builds (engine/app/catalogs.ts). The
 * runner never switches on kinds: it validates params when the file loads and asks an injector
 * (the local agent, or a gRPC agent through engine/controller) to inject, which returns the
 * fault's own revert. docs/architecture.md, "Extensions".
 */
import type { z } from 'zod';
import type { SquallError } from './errors.js';

/** A filesystem's size, as statfs(2) reports it to an unprivileged caller. */
export interface FilesystemSize {
  totalBytes: number;
  freeBytes: number;
}

export interface HostCapacity {
  /** How messages name the host: `this machine`, `agent 'edge-1'`. */
  readonly name: string;
  readonly cpus: number;
  readonly totalMemoryBytes: number;
  /** The filesystem holding `path`; undefined when the path does not exist or was not asked for. */
  filesystem(path: string): FilesystemSize | undefined;
}

/** A param a driver refuses, by its key under `params`. */
export interface CapacityProblem {
  param: string;
  message: string;
}

/** What a fault is aimed at, as written in the experiment's `target:` block. */
export interface FaultTarget {
  /** Agent that applies the fault; omitted or `local` for the in-process local agent. */
  agent?: string;
  /** A managed process from `system.processes` (or a testbed role such as `cloud-broker`). */
  process?: string;
  /** A process by PID file. */
  pidFile?: string;
  /** A process by PID (tests and ad-hoc use; prefer names). */
  pid?: number;
  /** A proxy from `system.proxies`. */
  proxy?: string;
  /** A host (network namespace / lab host) for network faults. */
  host?: string;
}

/** A running process the local agent can signal and restart. */
export interface ManagedProcess {
  readonly name: string;
  pid(): number | undefined;
  /** Start it again after a kill (no-op when running). */
  restart(): Promise<void>;
  /** The argv that starts it, for leftover hints. */
  readonly argv: readonly string[];
}

/** A TCP fault proxy the local agent can add toxics to. */
export interface ProxyHandle {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  /**
   * Adds a toxic; returns a function that removes exactly that toxic. Removal may be async
   * (re-opening a listener after `down`, or a remote Toxiproxy API): await it, a rejection
   * means the toxic may still be active.
   */
  addToxic(toxic: ToxicSpec): () => void | Promise<void>;
  /** Hint printed when a toxic could not be removed. */
  readonly controlHint: string;
}

/** A toxic, Toxiproxy-shaped (name, type, stream, toxicity, attributes). */
export interface ToxicSpec {
  /** A type the proxy implements (agents/proxy/toxics/catalog.ts); an unknown one is refused there. */
  type: string;
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes?: Record<string, number>;
}

/** Everything a driver may use while injecting. Targets are resolved by the host agent. */
export interface FaultContext {
  readonly faultId: string;
  readonly target: FaultTarget;
  /** The fault's planned duration; drivers that hold state (pause, stress) need not track it. */
  readonly durationMs: number;
  resolveProcess(target: FaultTarget): ManagedProcess;
  resolveProxy(target: FaultTarget): ProxyHandle;
  /**
   * Throws SQUALL_TARGET_PROTECTED when `pid` must never be signalled (the agent itself, its
   * ancestors, pid ≤ 1, kernel threads, protected processes). Call it right before signalling.
   */
  assertMaySignal(pid: number, label: string): void;
  /**
   * Keeps `state` with the fault's ledger entry (fsynced before it returns), for `recover`:
   * call it before the fault takes effect, with what a restarted agent needs to undo exactly
   * this fault (a pid and its start time, not a name that may mean another process by then).
   */
  record(state: Record<string, unknown>): void;
  /** In `recover`: what `inject` recorded, when it got that far. */
  readonly recorded?: Readonly<Record<string, unknown>>;
  log(message: string): void;
}

/** An injected fault: its revert and where it lives, for the leftover message if revert fails. */
export interface ActiveFault {
  revert(): Promise<void>;
  /** Where the fault lives, e.g. `pid 4242 (SIGSTOP)`. */
  readonly where: string;
  /** The command an operator runs to undo it by hand. */
  readonly removeCommand: string;
  /** Agent clock − controller clock (ms) when a remote agent applied it; for the journal. */
  readonly clockOffsetMs?: number;
}

/** What a fault would touch, so an agent policy can protect its control channel and allow-list the rest. */
export interface FaultReach {
  addresses?: string[];
  ports?: number[];
  /** Network devices it shapes (tc.*): checked against `tc.devices` and the control interface. */
  devices?: string[];
  /** URLs the agent would call on the fault's behalf (toxiproxy.*): checked against `toxiproxy.urls`. */
  urls?: string[];
}

/**
 * Linux capabilities a driver may need, by the names Kubernetes and systemd use without `CAP_`
 * (capabilities(7)). A union, so a typo in a driver file does not compile.
 */
export type LinuxCapability = 'NET_ADMIN' | 'KILL' | 'SYS_ADMIN' | 'SYS_PTRACE' | 'NET_BIND_SERVICE';

/**
 * What the agent's process needs from its host to run a driver (docs/security.md, "Running an
 * agent without root"). Each driver says it in its own file, so a new driver brings its
 * privilege with it: the agent's Kubernetes manifests (`squall deploy render`) and its systemd
 * unit grant the union over the drivers a policy allows, and nothing else. Omitted: nothing.
 */
export interface DriverPrivileges {
  readonly capabilities?: readonly LinuxCapability[];
  /**
   * Namespaces of the host the driver must share to reach what it faults: `network` for
   * nftables and qdiscs on the host's interfaces, `pid` to see and signal the host's processes.
   * A driver that works on what the agent hosts itself (its proxies, its own CPU) needs none.
   */
  readonly hostNamespaces?: readonly ('network' | 'pid')[];
}

export interface FaultDriver<P = unknown> {
  /** `driver.action`, e.g. `process.pause`. */
  readonly name: string;
  /** One line for `--help` and plan output. */
  readonly summary: string;
  /** Parameters, validated when the experiment file loads, so a typo fails `squall validate`. */
  readonly params: z.ZodType<P>;
  /** Which `target` keys the driver needs (at least one of them). */
  readonly targets: readonly (keyof FaultTarget)[];
  /** True when the fault needs no duration (a kill with no restart still is "instant"). */
  readonly instantaneous?: boolean;
  inject(ctx: FaultContext, params: P): Promise<ActiveFault>;
  /**
   * Undo whatever this fault may have left behind when the agent died before reverting it
   * (replayed from the agent's ledger at start-up). Must be safe when the fault was never
   * applied or was already undone. Drivers whose faults die with the agent process omit it.
   * May resolve with a string saying what it found or did, for the agent's log (else "reverted").
   */
  recover?(ctx: FaultContext, params: P): Promise<unknown>;
  /** What the fault would cut off (policy: protected addresses and ports). */
  reach?(params: P, target: FaultTarget): FaultReach;
  /** Capabilities and host namespaces the agent needs for this driver (none when omitted). */
  readonly privileges?: DriverPrivileges;
  /** Why this host cannot run the driver (missing tool or kernel module), or undefined. */
  unavailable?(): Promise<string | undefined>;
  /**
   * Params that ask for more than the host has (cores, memory, disk), checked before anything
   * runs: at validate time against this machine for the local agent, at run start against what
   * a remote agent reported in Hello (agents/faults/capacity.ts). Empty when the params fit.
   */
  checkCapacity?(params: P, host: HostCapacity): CapacityProblem[];
  /** Paths whose filesystem `checkCapacity` needs (stress.disk's `path`), asked of remote agents. */
  capacityPaths?(params: P): string[];
}

/** One fault to apply, as the runner hands it to an injector. */
export interface InjectRequest {
  faultId: string;
  kind: string;
  target: FaultTarget;
  /** As written in the experiment (human units); parsed by the injector with the driver's schema. */
  params: unknown;
  durationMs: number;
}

/** What applies a fault: the in-process local agent, or a remote agent over gRPC. */
export interface FaultInjector {
  inject(request: InjectRequest): Promise<ActiveFault>;
}

/** A session to a remote injector that ended without the controller asking. */
export interface SessionLoss {
  agent: string;
  address: string;
  /** SQUALL_AGENT_SESSION_LOST, saying why. */
  error: SquallError;
  /** Faults the agent said it reverted itself (deadline, lease, shutdown) before the end. */
  revertedByAgent: ReadonlySet<string>;
}

/** Types a driver's params for its file; the catalog (agents/faults/catalog.ts) lists it. */
export function defineFaultDriver<P>(driver: FaultDriver<P>): FaultDriver<P> {
  return driver;
}
