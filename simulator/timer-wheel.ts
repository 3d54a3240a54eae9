/**
 * One hashed timing wheel per process (Varghese & Lauck, 1987) for every device timer:
 * connect timeout, publish slot, keepalive, backoff. A device holds at most one entry — the
 * engine re-arms it to the earliest of its deadlines — kept in intrusive doubly-linked lists
 * in typed arrays, so 100k devices cost 20 bytes each and no per-device timer object.
 */
const NONE = -1;

export class TimerWheel {
  readonly tickMs: number;
  readonly #mask: number;
  readonly #heads: Int32Array;
  #next: Int32Array;
  #prev: Int32Array;
  #slot: Int32Array;
  #due: Float64Array;
  /** Unlinked and about to fire in the current `advance`. */
  #pending: Uint8Array;
  #firing = new Int32Array(1024);
  #lastTick: number;
  #size = 0;
  readonly #fire: (index: number, nowMs: number) => void;

  /**
   * @param slots power of two; `slots · tickMs` is the horizon beyond which entries wait a
   *   lap (they are skipped, not fired, until due).
   */
  constructor(
    capacity: number,
    tickMs: number,
    fire: (index: number, nowMs: number) => void,
    nowMs: number,
    slots = 4096,
  ) {
    if ((slots & (slots - 1)) !== 0) throw new Error('slots must be a power of two');
    this.tickMs = tickMs;
    this.#mask = slots - 1;
    this.#heads = new Int32Array(slots).fill(NONE);
    this.#next = new Int32Array(capacity).fill(NONE);
    this.#prev = new Int32Array(capacity).fill(NONE);
    this.#slot = new Int32Array(capacity).fill(NONE);
    this.#due = new Float64Array(capacity);
    this.#pending = new Uint8Array(capacity);
    this.#fire = fire;
    this.#lastTick = Math.floor(nowMs / tickMs);
  }

  get size(): number {
    return this.#size;
  }

  dueMs(index: number): number {
    return this.#slot[index] === NONE ? Number.NaN : this.#due[index]!;
  }

  /** Arms (or re-arms) `index` to fire at `dueMs`; a due time in the past fires on the next advance. */
  schedule(index: number, dueMs: number): void {
    this.#pending[index] = 0;
    if (this.#slot[index] !== NONE) this.cancel(index);
    // Ceil: the entry sits in the first tick at or after its due time, so the visit that
    // reaches that tick (now ≥ tick · tickMs ≥ due) always finds it due.
    const tick = Math.max(Math.ceil(dueMs / this.tickMs), this.#lastTick + 1);
    const slot = tick & this.#mask;
    const head = this.#heads[slot]!;
    this.#next[index] = head;
    this.#prev[index] = NONE;
    if (head !== NONE) this.#prev[head] = index;
    this.#heads[slot] = index;
    this.#slot[index] = slot;
    this.#due[index] = dueMs;
    this.#size++;
  }

  cancel(index: number): void {
    this.#pending[index] = 0;
    const slot = this.#slot[index]!;
    if (slot === NONE) return;
    const next = this.#next[index]!;
    const prev = this.#prev[index]!;
    if (prev === NONE) this.#heads[slot] = next;
    else this.#next[prev] = next;
    if (next !== NONE) this.#prev[next] = prev;
    this.#slot[index] = NONE;
    this.#size--;
  }

  /** Fires every entry due at or before `nowMs`, in tick order. */
  advance(nowMs: number): void {
    const target = Math.floor(nowMs / this.tickMs);
    if (target <= this.#lastTick) return;
    const laps = target - this.#lastTick;
    const visits = Math.min(laps, this.#mask + 1);
    const from = laps > this.#mask + 1 ? target - this.#mask : this.#lastTick + 1;
    this.#lastTick = target;
    for (let t = from; t < from + visits; t++) {
      const slot = t & this.#mask;
      // Unlink everything due first, then fire: `fire` may re-arm any device (the connect
      // pump starts others), which would corrupt a list walked while firing.
      let n = 0;
      let i = this.#heads[slot]!;
      while (i !== NONE) {
        const next = this.#next[i]!;
        if (this.#due[i]! <= nowMs) {
          this.cancel(i);
          if (n === this.#firing.length) this.#firing = grownInt32(this.#firing);
          this.#firing[n++] = i;
          this.#pending[i] = 1;
        }
        i = next;
      }
      for (let k = 0; k < n; k++) {
        const index = this.#firing[k]!;
        // Skipped when an earlier `fire` in this batch cancelled or re-armed it.
        if (this.#pending[index] === 1) {
          this.#pending[index] = 0;
          this.#fire(index, nowMs);
        }
      }
    }
  }

  grow(capacity: number): void {
    if (capacity <= this.#next.length) return;
    const widen = <T extends Int32Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as { new (n: number): T })(capacity);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.#next = widen(this.#next, NONE);
    this.#prev = widen(this.#prev, NONE);
    this.#slot = widen(this.#slot, NONE);
    this.#due = widen(this.#due, 0);
    const pending = new Uint8Array(capacity);
    pending.set(this.#pending);
    this.#pending = pending;
  }
}

function grownInt32(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
