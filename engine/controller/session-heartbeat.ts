/**
 * The controller's half of a session's lease: a heartbeat every `periodMs` (each one renews
 * the lease on the agent), and a watchdog on the way back. When nothing at all has come from
 * the agent for the ttl, the agent is frozen, overloaded or cut off, and its lease is running
 * out as well: `onSilent` is called once and the heartbeats stop.
 */
export interface Heartbeat {
  /** Something arrived from the agent. */
  heard(): void;
  stop(): void;
}

export function startHeartbeat(options: {
  periodMs: number;
  ttlMs: number;
  beat: (seq: number) => void;
  onSilent: () => void;
}): Heartbeat {
  let lastHeardMs = Date.now();
  let seq = 0;
  let stopped = false;
  const silent = () => Date.now() - lastHeardMs > options.ttlMs;
  const timer = setInterval(() => {
    if (stopped) return;
    if (!silent()) {
      options.beat(++seq);
      return;
    }
    // Timers run before pending socket reads: after a stalled event loop the agent's replies may
    // be waiting unread. Look again once I/O has been polled before calling the agent silent.
    setImmediate(() => {
      if (stopped || !silent()) return;
      stop();
      options.onSilent();
    });
  }, options.periodMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    heard: () => {
      lastHeardMs = Date.now();
    },
    stop,
  };
}
