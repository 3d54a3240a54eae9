/**
 * Every error the control room answers with: `{ code, message }` (and `issues` for a spec that
 * does not load), with the HTTP status its code means. Anything that is not a SquallError is a
 * bug: logged on the server, answered as SQUALL_INTERNAL without its stack.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, formatSpecIssue, isSquallError, SpecError, SquallError } from '../../core/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  SQUALL_SERVE_BAD_REQUEST: 400,
  SQUALL_SPEC_INVALID: 400,
  SQUALL_SPEC_UNREADABLE: 400,
  SQUALL_SECRET_UNRESOLVED: 400,
  SQUALL_VAR_INVALID: 400,
  SQUALL_USAGE: 400,
  SQUALL_SERVE_UNAUTHORIZED: 401,
  SQUALL_SERVE_FORBIDDEN: 403,
  SQUALL_SERVE_NOT_FOUND: 404,
  SQUALL_HISTORY_RUN_NOT_FOUND: 404,
  SQUALL_SERVE_CONFLICT: 409,
  SQUALL_HISTORY_UNAVAILABLE: 503,
  SQUALL_HISTORY_TOO_NEW: 503,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  code: string;
  message: string;
  /** A spec that does not load: every issue, positioned (`file:line:col field: message`). */
  issues?: string[];
}

function errorBody(err: SquallError): ErrorBody {
  const body: ErrorBody = { code: err.code, message: err.message };
  if (err instanceof SpecError) body.issues = err.issues.map(formatSpecIssue);
  return body;
}

export const badRequest = (message: string) => new SquallError('SQUALL_SERVE_BAD_REQUEST', message);

/** Fastify's error handler: Squall errors as they are, fastify's own (bad JSON, 415) as 4xx with its message. */
export function handleError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (isSquallError(err)) return reply.status(statusOf(err.code)).send(errorBody(err));
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.status(status).send({ code: 'SQUALL_SERVE_BAD_REQUEST', message: requestProblem(err) });
  }
  request.log.error({ err }, 'internal error');
  return reply.status(500).send({
    code: 'SQUALL_INTERNAL',
    message: 'internal error in squall serve; the server log has the details',
  });
}

function requestProblem(err: Error): string {
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return 'send the body as JSON with Content-Type: application/json';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'the request body is too large (at most 1 MiB)';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return 'Content-Type is application/json but the body is empty; send {} or drop the header';
  return err.message;
}
