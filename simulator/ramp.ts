/**
 * Connect admission: a token bucket for the initial ramp (`rampUp: 5000/s`) and a cap on
 * handshakes in flight while it admits; a device that has not connected yet retries through it
 * too. Reconnects after a drop skip both: a real device reconnects on its
 * own schedule, and a herd is what a reconnect strategy is judged on (a ramp cap would flatten
 * `immediate` into the same peak as `full-jitter`). They are held only by a high hard limit on
 * handshakes in flight per engine, a safety bound for sockets and memory, not a pacing.
 */
export class IndexQueue {
  #items: Int32Array;
  #head = 0;
  #length = 0;
  constructor(capacity: number) {
    this.#items = new Int32Array(Math.max(1, capacity));
  }
  get length(): number {
    return this.#length;
  }
  push(index: number): void {
    if (this.#length === this.#items.length) {
      const grown = new Int32Array(this.#items.length * 2);
      for (let i = 0; i < this.#length; i++) grown[i] = this.#items[(this.#head + i) % this.#items.length]!;
      this.#items = grown;
      this.#head = 0;
    }
    this.#items[(this.#head + this.#length) % this.#items.length] = index;
    this.#length++;
  }
  shift(): number {
    const v = this.#items[this.#head]!;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return v;
  }
  clear(): void {
    this.#head = 0;
    this.#length = 0;
  }
}

export class ConnectRamp {
  readonly initial: IndexQueue;
  readonly retries: IndexQueue;
  inflight = 0;
  #tokens = 1;
  #lastMs: number;
  readonly #ratePerS: number;
  readonly #burst: number;
  readonly #maxInflight: number;
  readonly #maxInflightRetries: number;

  constructor(
    capacity: number,
    ratePerS: number,
    maxInflight: number,
    tickMs: number,
    nowMs: number,
    maxInflightRetries = maxInflight,
  ) {
    this.initial = new IndexQueue(capacity);
    this.retries = new IndexQueue(Math.min(capacity, 1024));
    this.#ratePerS = ratePerS;
    this.#maxInflight = maxInflight;
    this.#maxInflightRetries = maxInflightRetries;
    // Two ticks' worth: arrivals stay smooth at the tick's granularity.
    this.#burst = Number.isFinite(ratePerS)
      ? Math.max(1, (ratePerS * tickMs * 2) / 1000)
      : Number.POSITIVE_INFINITY;
    this.#lastMs = nowMs;
  }

  /** Calls `start` for each device admitted now. */
  pump(nowMs: number, start: (index: number, nowMs: number) => void): void {
    while (this.retries.length > 0 && this.inflight < this.#maxInflightRetries)
      start(this.retries.shift(), nowMs);
    if (this.initial.length === 0) return;
    if (Number.isFinite(this.#ratePerS)) {
      this.#tokens = Math.min(
        this.#burst,
        this.#tokens + (Math.max(0, nowMs - this.#lastMs) * this.#ratePerS) / 1000,
      );
      this.#lastMs = nowMs;
    } else this.#tokens = Number.POSITIVE_INFINITY; // unlimited: only the in-flight cap applies
    while (this.initial.length > 0 && this.inflight < this.#maxInflight && this.#tokens >= 1) {
      this.#tokens -= 1;
      start(this.initial.shift(), nowMs);
    }
  }
}
