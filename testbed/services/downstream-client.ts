/**
 * The ingest's client for its downstream HTTP dependency, behind an opossum circuit breaker.
 * Every call is bounded by `timeoutMs` (the request is aborted, not left running); when failures
 * in the rolling window pass the threshold the breaker opens and calls fail at once with
 * `EOPENBREAKER`, until a trial call after `resetTimeoutMs` succeeds (half-open → closed).
 * Transitions are kept with their wall-clock time, so an experiment can line them up with the
 * fault that caused them.
 */
import http from 'node:http';
import CircuitBreaker from 'opossum';

export interface BreakerOptions {
  /** A call slower than this counts as a failure (and is aborted). */
  timeoutMs: number;
  /** Failures, in % of calls in the rolling window, above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Time open before a trial call (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling window the error rate is computed over. */
  rollingWindowMs: number;
  /** Fewer calls than this in the window never open the breaker. */
  volumeThreshold: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  timeoutMs: 250,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 1000,
  rollingWindowMs: 1000,
  volumeThreshold: 10,
};

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface Transition {
  state: BreakerState;
  /** Epoch ms. */
  atMs: number;
}

/** Why a call did not return a document. */
export type CallOutcome = 'ok' | 'rejected' | 'timeout' | 'failed';

export interface CallResult {
  outcome: CallOutcome;
  body?: unknown;
}

export interface DownstreamClient {
  call(device: string): Promise<CallResult>;
  state(): BreakerState;
  transitions(): readonly Transition[];
  counts(): Record<CallOutcome, number>;
  close(): void;
}

export function createDownstreamClient(
  baseUrl: string,
  options: BreakerOptions,
  onTransition: (t: Transition) => void = () => {},
): DownstreamClient {
  // Keep-alive: a call costs one request, not a handshake, so the breaker judges the dependency.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const get = (device: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        `${baseUrl}/enrich/${encodeURIComponent(device)}`,
        // Aborted when the breaker gives up on it, so a slow dependency does not pile up sockets.
        { agent, signal: AbortSignal.timeout(options.timeoutMs) },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            data += d;
          });
          res.on('end', () => {
            if (res.statusCode === 200) resolve(JSON.parse(data));
            else reject(new Error(`downstream answered ${res.statusCode}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });

  const breaker = new CircuitBreaker(get, {
    timeout: options.timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage,
    resetTimeout: options.resetTimeoutMs,
    rollingCountTimeout: options.rollingWindowMs,
    rollingCountBuckets: 10,
    volumeThreshold: options.volumeThreshold,
  });
  const transitions: Transition[] = [{ state: 'closed', atMs: Date.now() }];
  const record = (state: BreakerState) => () => {
    const t = { state, atMs: Date.now() };
    transitions.push(t);
    onTransition(t);
  };
  breaker.on('open', record('open'));
  breaker.on('halfOpen', record('halfOpen'));
  breaker.on('close', record('closed'));

  const counts: Record<CallOutcome, number> = { ok: 0, rejected: 0, timeout: 0, failed: 0 };
  return {
    async call(device) {
      try {
        const body = await breaker.fire(device);
        counts.ok++;
        return { outcome: 'ok', body };
      } catch (err) {
        const code = (err as { code?: string }).code;
        const outcome: CallOutcome =
          code === 'EOPENBREAKER' ? 'rejected' : code === 'ETIMEDOUT' ? 'timeout' : 'failed';
        counts[outcome]++;
        return { outcome };
      }
    },
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed'),
    transitions: () => transitions,
    counts: () => ({ ...counts }),
    close() {
      breaker.shutdown();
      agent.destroy();
    },
  };
}
