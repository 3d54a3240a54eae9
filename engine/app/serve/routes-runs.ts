/**
 * The runs routes: list, detail, report files, the live event stream, start, and the
 * operator's controls. Who may do what is settled before these run (serve-app.ts's hook);
 * each action is journaled with `request.identity.user`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SquallError } from '../../core/errors.js';
import { readJournal } from '../../run/journal.js';
import { badRequest } from './http-errors.js';
import { RunChannel } from './run-channel.js';
import { historyRow, listRunRows, REPORT_FILES, type RunFiles, runDetail, servedRow } from './run-views.js';
import type { ServeContext } from './serve-context.js';

const MAX_NOTE_CHARS = 2000;

const FILE_TYPES: Record<(typeof REPORT_FILES)[number], string> = {
  'report.html': 'text/html; charset=utf-8',
  'summary.md': 'text/markdown; charset=utf-8',
  'postmortem.md': 'text/markdown; charset=utf-8',
  'journal.jsonl': 'application/jsonl; charset=utf-8',
  'summary.json': 'application/json; charset=utf-8',
};

// report.html carries its own inline script and styles: served sandboxed (an origin of its own),
// so nothing in a report can call this API with the viewer's session.
const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; sandbox allow-scripts";

type IdParams = { Params: { id: string } };

export function registerRunRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { runs, history, library } = ctx;

  /** The run's files and what the room knows of it; the history's row when this server did not run it. */
  const find = (id: string) => {
    const served = runs.get(id);
    // Queued, or cancelled before it started: only this server knows it (no history row).
    if (served && (served.state === 'queued' || served.startedAt === null))
      return { row: servedRow(served), files: { dir: null, journal: null } as RunFiles, detail: undefined };
    const detail = history.getRun(id);
    const live = runs.get(detail.runId);
    return {
      row: historyRow(detail, library, live),
      files: { dir: detail.reportDir, journal: detail.journalPath } as RunFiles,
      detail,
    };
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/runs', async (req) => {
    const q = req.query;
    return listRunRows(history, runs, library, {
      experiment: q.experiment || undefined,
      outcome: q.outcome || undefined,
      tag: q.tag || undefined,
      limit: intParam(q.limit, 'limit', 50, 1, 1000),
    });
  });

  app.get<IdParams>('/api/runs/:id', async (req) => {
    const served = runs.get(req.params.id);
    const { row, files, detail } = find(req.params.id);
    return runDetail(
      { ...row, vars: detail?.vars ?? served?.vars ?? {}, hypothesis: detail?.hypothesis ?? null },
      detail?.slos ?? [],
      detail?.leftovers ?? [],
      files,
    );
  });

  app.get<{ Params: { id: string; name: string } }>('/api/runs/:id/files/:name', async (req, reply) => {
    const name = req.params.name as (typeof REPORT_FILES)[number];
    if (!REPORT_FILES.includes(name))
      throw new SquallError(
        'SQUALL_SERVE_NOT_FOUND',
        `no report file '${name.slice(0, 60)}'; one of ${REPORT_FILES.join(', ')}`,
      );
    const { files } = find(req.params.id);
    const path = name === 'journal.jsonl' ? files.journal : files.dir && join(files.dir, name);
    const body = path ? await readFile(path).catch(() => undefined) : undefined;
    if (!body)
      throw new SquallError(
        'SQUALL_SERVE_NOT_FOUND',
        `${name} of run ${req.params.id} is not there (reports are written when the run ends)`,
      );
    if (name === 'report.html') reply.header('content-security-policy', REPORT_CSP);
    return reply.type(FILE_TYPES[name]).send(body);
  });

  app.get<IdParams>('/api/runs/:id/events', async (req, reply) => {
    const lastId = lastEventId(req);
    const served = runs.get(req.params.id);
    let channel = served?.channel;
    if (!channel) {
      // Not this server's run (or long finished): its journal replayed, then its recorded state.
      const detail = history.getRun(req.params.id);
      const state = detail.state === 'running' ? 'running' : detail.state;
      channel = new RunChannel({
        state,
        paused: false,
        ...(detail.exitCode !== null && { exitCode: detail.exitCode }),
        ...(detail.outcome !== null && { outcome: detail.outcome }),
      });
      for (const e of readJournalQuietly(detail.journalPath)) channel.journal(e);
    }
    reply.hijack();
    channel.subscribe(reply.raw, lastId);
  });

  app.post<{ Body: { file?: unknown; vars?: unknown } }>('/api/runs', async (req, reply) => {
    const body = objectBody(req.body);
    const { path, rel, spec } = await library.load(body.file, body.vars);
    if (spec.kind === 'Suite') {
      const parts = runs.enqueueSuite(spec.suite, rel, req.identity!.user);
      if (parts.length === 0) throw badRequest(`${rel} is a suite without experiments`);
      ctx.metrics.action('start');
      return reply
        .status(202)
        .send({ runId: parts[0]!.runId, runIds: parts.map((r) => r.runId), state: parts[0]!.state });
    }
    const vars = Object.fromEntries(Object.entries(spec.experiment.vars).map(([k, v]) => [k, String(v)]));
    const run = runs.enqueue(spec.experiment, rel, path, vars, req.identity!.user);
    ctx.metrics.action('start');
    return reply.status(202).send({ runId: run.runId, state: run.state });
  });

  for (const action of ['abort', 'pause', 'resume'] as const) {
    app.post<IdParams>(`/api/runs/:id/${action}`, async (req) => {
      runs[action](req.params.id, req.identity!.user);
      ctx.metrics.action(action);
      return { ok: true };
    });
  }

  app.post<IdParams & { Body: { text?: unknown } }>('/api/runs/:id/notes', async (req, reply) => {
    const text = objectBody(req.body).text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_NOTE_CHARS)
      throw badRequest(`expected {"text": "…"}: a note of 1 to ${MAX_NOTE_CHARS} characters`);
    runs.note(req.params.id, req.identity!.user, text);
    ctx.metrics.action('note');
    return reply.status(201).send({ ok: true });
  });
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest('expected a JSON object as the body, sent with Content-Type: application/json');
  return body as Record<string, unknown>;
}

export function intParam(
  text: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw badRequest(`${name}=${text.slice(0, 40)}: expected a whole number from ${min} to ${max}`);
  return n;
}

function lastEventId(req: FastifyRequest): number | undefined {
  const raw = req.headers['last-event-id'] ?? (req.query as Record<string, string | undefined>).lastEventId;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(`Last-Event-ID '${String(raw).slice(0, 40)}': expected a journal seq`);
  return n;
}

function readJournalQuietly(path: string) {
  try {
    return readJournal(path).events;
  } catch {
    return [];
  }
}
