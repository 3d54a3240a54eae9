/**
 * One proxied TCP connection: two links (client → upstream, upstream → client), each a chain of
 * toxic stages ending at the destination socket. Half-close travels through the chain like data
 * (a FIN is passed on once everything before it has gone out); the sockets are destroyed when
 * both directions have finished or either side errors.
 */
import type { Socket } from 'node:net';
import type {
  Chunk,
  ConnectionControl,
  StageOutput,
  StreamDirection,
  StreamToxicType,
  ToxicStage,
} from './toxic.js';

/** A stream toxic as the proxy holds it; each connection draws its own stage from it. */
export interface ActiveStreamToxic {
  readonly id: number;
  readonly name: string;
  readonly type: StreamToxicType<unknown>;
  readonly attributes: unknown;
  readonly stream: StreamDirection;
  /** Probability in [0, 1] that a connection gets this toxic (Toxiproxy `toxicity`). */
  readonly toxicity: number;
}

interface StageEntry {
  readonly toxicId: number;
  stage: ToxicStage;
  /** Index it had when removed, so late output still lands after its predecessors. */
  removedAt: number;
}

class Link {
  readonly #stages: StageEntry[] = [];
  #dead = false;
  #finished = false;
  #inputEnded = false;
  #awaitingDrain = false;

  constructor(
    readonly stream: StreamDirection,
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly connection: ConnectionControl,
    private readonly onFinished: () => void,
  ) {
    source.on('data', (data: Buffer) => this.#deliver(0, { data, arrivedAtMs: performance.now() }));
    source.on('end', () => this.inputEnd());
    sink.on('finish', () => this.finish());
  }

  get finished(): boolean {
    return this.#finished;
  }

  inputEnd(): void {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    this.#deliverEnd(0);
  }

  /** Nothing more can reach the sink (it ended or closed). */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.onFinished();
  }

  addStage(toxic: ActiveStreamToxic): void {
    // A stage added after the FIN went through would never see data; skip it.
    if (this.#finished || this.#dead) return;
    const entry: StageEntry = { toxicId: toxic.id, stage: undefined as unknown as ToxicStage, removedAt: -1 };
    // Where this stage's output goes: the stage after it, looked up on each call because toxics
    // come and go; once removed, whatever took its place.
    const next = () => {
      const i = this.#stages.indexOf(entry);
      return i === -1 ? entry.removedAt : i + 1;
    };
    const out: StageOutput = {
      push: (chunk) => this.#deliver(next(), chunk),
      end: () => this.#deliverEnd(next()),
    };
    entry.stage = toxic.type.createStage(toxic.attributes, {
      out,
      connection: this.connection,
      stream: this.stream,
    });
    this.#stages.push(entry);
  }

  removeStage(toxicId: number): void {
    const i = this.#stages.findIndex((s) => s.toxicId === toxicId);
    if (i === -1) return;
    const entry = this.#stages[i]!;
    // Release while still in the chain so held data goes to the successor, in order.
    entry.stage.release();
    this.#stages.splice(i, 1);
    entry.removedAt = i;
  }

  /** Teardown: stop delivering and cancel every stage's timers. */
  kill(): void {
    this.#dead = true;
    for (const { stage } of this.#stages.splice(0)) stage.release();
  }

  #deliver(index: number, chunk: Chunk): void {
    if (this.#dead) return;
    const next = this.#stages[index];
    if (next) {
      next.stage.write(chunk);
      return;
    }
    if (this.sink.destroyed || this.sink.writableEnded) return;
    if (!this.sink.write(chunk.data) && !this.#awaitingDrain) {
      // Backpressure: stop reading the source until the destination catches up.
      this.#awaitingDrain = true;
      this.source.pause();
      this.sink.once('drain', () => {
        this.#awaitingDrain = false;
        this.source.resume();
      });
    }
  }

  #deliverEnd(index: number): void {
    if (this.#dead) return;
    const next = this.#stages[index];
    if (next) next.stage.end();
    else if (this.sink.destroyed) this.finish();
    else if (!this.sink.writableEnded) this.sink.end();
  }
}

export class ProxyConnection {
  readonly #links: Record<StreamDirection, Link>;
  readonly closed: Promise<void>;
  #tornDown = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: readonly ActiveStreamToxic[],
  ) {
    const control: ConnectionControl = { close: () => this.close(), reset: () => this.reset() };
    const onFinished = () => {
      if (this.#links.upstream.finished && this.#links.downstream.finished) this.destroy();
    };
    this.#links = {
      upstream: new Link('upstream', client, upstream, control, onFinished),
      downstream: new Link('downstream', upstream, client, control, onFinished),
    };
    for (const toxic of toxics) this.addToxic(toxic);

    // Errors on either side end both: a proxy cannot repair a broken stream (Toxiproxy does the same).
    client.on('error', () => this.destroy());
    upstream.on('error', () => this.destroy());
    const closedOne = (socket: Socket) =>
      new Promise<void>((resolve) =>
        socket.once('close', () => {
          // Nothing more comes from this socket, and nothing more can be written to it.
          const [asSource, asSink] =
            socket === client
              ? [this.#links.upstream, this.#links.downstream]
              : [this.#links.downstream, this.#links.upstream];
          asSource.inputEnd();
          asSink.finish();
          resolve();
        }),
      );
    this.closed = Promise.all([closedOne(client), closedOne(upstream)]).then(() => {});
  }

  addToxic(toxic: ActiveStreamToxic): void {
    // Toxicity is drawn once per connection and toxic, as Toxiproxy does per link.
    if (Math.random() < toxic.toxicity) this.#links[toxic.stream].addStage(toxic);
  }

  removeToxic(toxicId: number): void {
    this.#links.upstream.removeStage(toxicId);
    this.#links.downstream.removeStage(toxicId);
  }

  /** Graceful close of both sockets (FIN), dropping what toxics still hold. */
  close(): void {
    this.#teardown();
    this.client.end();
    this.upstream.end();
    this.client.destroySoon();
    this.upstream.destroySoon();
  }

  /** Abortive close of both sockets (RST). */
  reset(): void {
    this.#teardown();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.upstream.destroyed) this.upstream.resetAndDestroy();
  }

  destroy(): void {
    this.#teardown();
    this.client.destroy();
    this.upstream.destroy();
  }

  #teardown(): void {
    if (this.#tornDown) return;
    this.#tornDown = true;
    this.#links.upstream.kill();
    this.#links.downstream.kill();
  }
}
