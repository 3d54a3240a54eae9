/**
 * A batched, request/response-capable IPC link. Every message sent in one event-loop turn
 * goes out as one array: with thousands of publishes a second, per-message `process.send`
 * costs more than the routing itself (measured in testbed/README.md).
 */

/** Anything with node's IPC `send` (a child process, a cluster worker, `process`). */
export interface IpcPort {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  connected?: boolean;
}

export class IpcLink<Out extends object> {
  #queue: Out[] = [];
  #scheduled = false;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  /** Callbacks for the batch being gathered: run once it is written to the channel. */
  #onWritten: (() => void)[] = [];
  /** Batches handed to `port.send` whose callback has not run yet. */
  #unwritten = 0;
  /** `flushed()` callers waiting for those batches. */
  #onIdle: (() => void)[] = [];
  /** Messages sent, for metrics. */
  sentMessages = 0;

  constructor(
    private readonly port: IpcPort,
    /** Batch per turn (true) or send each message alone (false, for the measurement only). */
    private readonly batch = true,
  ) {}

  /** Requests awaiting a reply: a queue depth worth watching. */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  send(message: Out): void {
    this.sentMessages++;
    if (!this.batch) {
      this.#write([message]);
      return;
    }
    this.#queue.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Sends `build(id)` and resolves with the value the peer replies with for that id. */
  request<T>(build: (id: number) => Out): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send(build(id));
    });
  }

  /**
   * Resolves once everything sent so far is written to the IPC channel (or the peer is gone).
   * Written means handed to the kernel: the peer reads it even if this process dies next.
   */
  flushed(): Promise<void> {
    if (this.#queue.length > 0) return new Promise((resolve) => this.#onWritten.push(resolve));
    // Nothing queued, but an earlier batch may still sit in node's IPC buffer: wait for it.
    if (this.#unwritten === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle.push(resolve));
  }

  /** Settles the request `id` (called by the receiving side's dispatcher). */
  settle(id: number, value: unknown, error?: string): void {
    const waiter = this.#pending.get(id);
    if (!waiter) return;
    this.#pending.delete(id);
    if (error !== undefined) waiter.reject(new Error(error));
    else waiter.resolve(value);
  }

  /** Fails every outstanding request, e.g. when the peer died. */
  failAll(reason: string): void {
    for (const [id, waiter] of this.#pending) {
      this.#pending.delete(id);
      waiter.reject(new Error(reason));
    }
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const batch = this.#queue;
    const onWritten = this.#onWritten;
    this.#queue = [];
    this.#onWritten = [];
    if (batch.length > 0) this.#write(batch, onWritten);
  };

  #write(batch: Out[], onWritten: (() => void)[] = []): void {
    this.#unwritten++;
    const written = () => {
      for (const f of onWritten) f();
      if (--this.#unwritten === 0) for (const f of this.#onIdle.splice(0)) f();
    };
    if (this.port.connected === false || !this.port.send) {
      written();
      return;
    }
    try {
      this.port.send(batch, written);
    } catch {
      // The peer is gone; its exit handler does the cleanup.
      written();
    }
  }
}
