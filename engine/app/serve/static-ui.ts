/**
 * The control room's page: `GET /` is ui/index.html, `GET /ui/<file>` a file of that one
 * directory. A name is a plain file name (no slash, no leading dot), so nothing outside ui/
 * can be named; the files are read once per request (small, and edits show on reload).
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SquallError } from '../../core/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

const UI_DIR = new URL('./ui/', import.meta.url).pathname;

export function registerStaticUi(app: FastifyInstance, uiDir: string = UI_DIR): void {
  const send = async (name: string) => {
    const type = TYPES[extname(name)];
    if (!FILE_NAME.test(name) || name.includes('..') || !type)
      throw new SquallError('SQUALL_SERVE_NOT_FOUND', `no UI file '${name.slice(0, 100)}'`);
    try {
      return { body: await readFile(join(uiDir, name)), type };
    } catch {
      throw new SquallError(
        'SQUALL_SERVE_NOT_FOUND',
        name === 'index.html'
          ? 'the control room page is missing from this install (engine/app/serve/ui/index.html); the API under /api still works'
          : `no UI file '${name}'`,
      );
    }
  };
  app.get('/', async (_req, reply) => {
    const { body, type } = await send('index.html');
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => {
    const { body, type } = await send(req.params.file);
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
}
