/**
 * The fault proxy's toxic contract, after Toxiproxy's `toxics/toxic.go`: one small interface,
 * one file per toxic type under `toxics/`, a registry keyed by type name.
 *
 * Each direction of each proxied connection (`upstream` = client → upstream server,
 * `downstream` = upstream server → client) is a chain of stages, one per toxic in the order the
 * toxics were added. A stage receives chunks and end-of-stream, and hands them on through its
 * `out`, now or later. Each of Toxiproxy's stream toxics is one stage (latency delays each
 * chunk), as here:
 *   bandwidth  – hold chunks until `size / rate` has elapsed (slice big ones);
 *   slicer     – split a chunk into several `out.push` calls with `delay` between;
 *   timeout    – hold everything, then `connection.close()` after `timeout` ms;
 *   reset_peer – `connection.reset()` after `timeout` ms;
 *   slow_close – delay `out.end()` by `delay` ms;
 *   limit_data – count bytes, `connection.close()` once `bytes` have passed.
 * Proxy-wide effects (`down`: Toxiproxy's `enabled: false`) use `scope: 'proxy'` instead.
 */
import type { z } from 'zod';
export type StreamDirection = 'upstream' | 'downstream';

/** A piece of the byte stream, stamped when the proxy read it (or when a previous toxic released it). */
export interface Chunk {
  readonly data: Buffer;
  /** `performance.now()` at arrival; a latency toxic delays relative to this, as Toxiproxy does. */
  readonly arrivedAtMs: number;
}

/** Where a stage sends what it lets through: the next stage, or the destination socket. */
export interface StageOutput {
  push(chunk: Chunk): void;
  /** End of stream in this direction (TCP half-close), after everything pushed so far. */
  end(): void;
}

/** The whole connection (both directions), for toxics that cut it short. */
export interface ConnectionControl {
  /** Close both sockets gracefully (FIN), dropping anything still held. */
  close(): void;
  /** Reset both sockets (RST). */
  reset(): void;
}

export interface StageContext {
  readonly out: StageOutput;
  readonly connection: ConnectionControl;
  readonly stream: StreamDirection;
}

/** One toxic acting on one direction of one connection. */
export interface ToxicStage {
  write(chunk: Chunk): void;
  /** The source ended; pass `out.end()` on once everything held has gone out. */
  end(): void;
  /**
   * The toxic is being removed or the connection torn down: hand everything held to `out` now,
   * in order, and cancel timers. Like Toxiproxy, removing a toxic never drops data.
   */
  release(): void;
}

interface ToxicTypeBase<A> {
  readonly name: string;
  readonly summary: string;
  /** Validates Toxiproxy-named attributes (e.g. latency: `latency`, `jitter` in ms). */
  readonly attributes: z.ZodType<A>;
}

/** A toxic that acts on the bytes of each connection it is drawn for (see `toxicity`). */
export interface StreamToxicType<A = unknown> extends ToxicTypeBase<A> {
  readonly scope: 'stream';
  createStage(attributes: A, ctx: StageContext): ToxicStage;
}

/** What a proxy-wide toxic may do to the proxy. */
export interface ProxyControl {
  /** Stop listening and close every connection; counted, so nested disables need as many enables. */
  disable(): void;
  /** Undo one `disable`; resolves once the proxy accepts connections again. */
  enable(): Promise<void>;
}

/** A toxic that acts on the proxy as a whole; toxicity and stream do not apply. */
export interface ProxyToxicType<A = unknown> extends ToxicTypeBase<A> {
  readonly scope: 'proxy';
  /** Applies the toxic; returns its removal. */
  apply(attributes: A, proxy: ProxyControl): () => Promise<void>;
}

export type ToxicType<A = unknown> = StreamToxicType<A> | ProxyToxicType<A>;

/** Types a toxic's attributes for its file; toxics/catalog.ts (generated) lists it. */
export function defineToxicType<A>(type: ToxicType<A>): ToxicType<A> {
  return type;
}
