/**
 * The one place where gRPC status codes and Squall error codes meet. The agent
 * turns a `SquallError` into a gRPC error carrying the code in `squall-code` metadata; the
 * controller turns any gRPC error back into a `SquallError` with a stable code.
 */
import * as grpc from '@grpc/grpc-js';
import { ERROR_CODES, type ErrorCode, SquallError } from '../../engine/core/errors.js';

const CODE_METADATA = 'squall-code';

/** How each Squall code travels as a gRPC status (for generic gRPC tooling); the metadata is exact. */
const STATUS_OF: Partial<Record<ErrorCode, grpc.status>> = {
  SQUALL_AGENT_POLICY_DENIED: grpc.status.PERMISSION_DENIED,
  SQUALL_AGENT_AUTH_FAILED: grpc.status.UNAUTHENTICATED,
  SQUALL_SPEC_INVALID: grpc.status.INVALID_ARGUMENT,
  SQUALL_USAGE: grpc.status.INVALID_ARGUMENT,
  SQUALL_FAULT_UNKNOWN: grpc.status.NOT_FOUND,
  SQUALL_TARGET_NOT_FOUND: grpc.status.NOT_FOUND,
  SQUALL_FAULT_INJECT_FAILED: grpc.status.FAILED_PRECONDITION,
  SQUALL_NETEM_UNAVAILABLE: grpc.status.FAILED_PRECONDITION,
  SQUALL_ROLLBACK_FAILED: grpc.status.ABORTED,
  SQUALL_LEASE_EXPIRED: grpc.status.DEADLINE_EXCEEDED,
  SQUALL_AGENT_UNREACHABLE: grpc.status.UNAVAILABLE,
};

/** A Squall code for a code name received over the wire; unknown names become SQUALL_INTERNAL. */
export function squallCode(name: string): ErrorCode {
  return name in ERROR_CODES ? (name as ErrorCode) : 'SQUALL_INTERNAL';
}

/** Agent side: any thrown value as a gRPC error for a unary call's callback. */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  const squall =
    err instanceof SquallError
      ? err
      : new SquallError('SQUALL_INTERNAL', (err as Error)?.message ?? String(err));
  const metadata = new grpc.Metadata();
  metadata.set(CODE_METADATA, squall.code);
  return { code: STATUS_OF[squall.code] ?? grpc.status.UNKNOWN, details: squall.message, metadata };
}

/** TLS handshake failures as grpc-js reports them (client or server rejected the other's certificate). */
const TLS_FAILURE =
  /certificate|self[- ]signed|unable to (get|verify)|handshake|ssl|tls|alert|ERR_SSL|wrong version number|Hostname\/IP does not match/i;

/** Controller side: a gRPC error (or a stream error) as a SquallError naming the agent. */
export function fromGrpcError(err: unknown, agent: string): SquallError {
  if (err instanceof SquallError) return err;
  const e = err as Partial<grpc.ServiceError> & Error;
  const metaCode = e.metadata?.get(CODE_METADATA)[0];
  if (typeof metaCode === 'string')
    return new SquallError(squallCode(metaCode), e.details ?? e.message, { cause: err });
  const details = e.details ?? e.message ?? String(err);
  switch (e.code) {
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new SquallError('SQUALL_AGENT_AUTH_FAILED', `agent '${agent}': ${details}`, { cause: err });
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.CANCELLED:
      if (TLS_FAILURE.test(details)) {
        return new SquallError(
          'SQUALL_AGENT_AUTH_FAILED',
          `agent '${agent}' and this controller did not accept each other's TLS certificates: ${details}`,
          { cause: err },
        );
      }
      return new SquallError('SQUALL_AGENT_UNREACHABLE', `agent '${agent}' is unreachable: ${details}`, {
        cause: err,
      });
    default:
      return new SquallError('SQUALL_INTERNAL', `agent '${agent}': ${details}`, { cause: err });
  }
}
