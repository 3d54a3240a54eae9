/**
 * One run's live stream to every browser watching it (server-sent events). The channel keeps
 * the run's journal events so far, so a viewer who joins late is sent all of them first, then
 * each new one as it happens; a reconnect with `Last-Event-ID: <seq>` is sent only what came
 * after. `scoreboard` and `state` events carry no id: they are the latest of their kind, sent
 * again on every (re)connect.
 *
 * Fan-out never waits for a browser: each event is serialised once and handed to every
 * socket's buffer without awaiting the write. A client whose unsent buffer outgrows its bound
 * (a stalled tab, a slow link) is dropped; its EventSource reconnects with Last-Event-ID and
 * catches up from the replay. So the run's own loop is never slowed by who watches it.
 */
import type { ServerResponse } from 'node:http';
import type { JournalEvent } from '../../core/journal-events.js';
import type { LiveSlo } from '../../slo/live.js';

export type ServedRunState = 'queued' | 'running' | 'finished' | 'interrupted';

export interface StateData {
  state: ServedRunState;
  paused: boolean;
  exitCode?: number;
  outcome?: string;
}

export interface ScoreboardRow {
  slo: string;
  sli: string;
  window: string;
  objective: string;
  value: number | null;
  state: LiveSlo['state'];
  unit: string;
  pending?: number;
}

export interface ChannelOptions {
  /** Unsent bytes past the replay a client may hold before it is dropped. */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  onDrop?(): void;
  onClients?(delta: number): void;
}

interface Client {
  res: ServerResponse;
  /** Bytes of the replay: the bound applies on top of them. */
  allowanceBytes: number;
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

function sseFrame(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

export class RunChannel {
  readonly events: JournalEvent[] = [];
  #frames: string[] = [];
  #scoreboard: string | undefined;
  #state: StateData;
  readonly #clients = new Set<Client>();
  readonly #options: ChannelOptions;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(state: StateData, options: ChannelOptions = {}) {
    this.#state = state;
    this.#options = options;
  }

  get state(): StateData {
    return this.#state;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  journal(event: JournalEvent): void {
    const frame = sseFrame('journal', event, event.seq);
    this.events.push(event);
    this.#frames.push(frame);
    this.#broadcast(frame);
  }

  scoreboard(rows: ScoreboardRow[]): void {
    this.#scoreboard = sseFrame('scoreboard', { rows });
    this.#broadcast(this.#scoreboard);
  }

  setState(next: Partial<StateData>): void {
    this.#state = { ...this.#state, ...next };
    this.#broadcast(sseFrame('state', this.#state));
  }

  /** Sends the replay (events after `lastEventId`), then keeps the client for live events. */
  subscribe(res: ServerResponse, lastEventId?: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const from = lastEventId === undefined ? 0 : this.events.findIndex((e) => e.seq > lastEventId);
    const replay = [
      'retry: 2000\n\n',
      ...(from < 0 ? [] : this.#frames.slice(from)),
      this.#scoreboard ?? '',
      sseFrame('state', this.#state),
    ].join('');
    res.write(replay);
    const client: Client = { res, allowanceBytes: Buffer.byteLength(replay) };
    this.#clients.add(client);
    this.#options.onClients?.(1);
    res.on('close', () => {
      if (this.#clients.delete(client)) this.#options.onClients?.(-1);
    });
    this.#startHeartbeat();
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const c of this.#clients) c.res.end();
  }

  #broadcast(frame: string): void {
    const max = this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    for (const client of this.#clients) {
      const { res } = client;
      if (res.writableLength > max + client.allowanceBytes) {
        this.#clients.delete(client);
        this.#options.onClients?.(-1);
        this.#options.onDrop?.();
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    // A comment line keeps proxies from closing an idle stream; nothing for the browser to parse.
    this.#heartbeat = setInterval(() => {
      if (this.#clients.size === 0) return;
      this.#broadcast(': ping\n\n');
    }, this.#options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
  }
}

export function scoreboardRows(slos: readonly LiveSlo[]): ScoreboardRow[] {
  return slos.map((s) => ({
    slo: s.name,
    sli: s.sli,
    window: s.window,
    objective: s.objective,
    value: s.value,
    state: s.state,
    unit: s.unit,
    ...(s.pending !== undefined && { pending: s.pending }),
  }));
}
