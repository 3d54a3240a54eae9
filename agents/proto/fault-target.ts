/**
 * A fault's target on the wire (the proto's `Target`, snake_case) and back. Only the fields
 * that are set travel; on the way in, proto3's defaults (empty string, 0) mean "not given".
 */
import type { FaultTarget } from '../../engine/core/faults.js';
import type { Target, Target__Output } from './generated/squall/agent/v1/Target.js';

export function toWireTarget(target: FaultTarget): Target {
  const wire: Target = {};
  if (target.process !== undefined) wire.process = target.process;
  if (target.pidFile !== undefined) wire.pid_file = target.pidFile;
  if (target.pid !== undefined) wire.pid = target.pid;
  if (target.proxy !== undefined) wire.proxy = target.proxy;
  if (target.host !== undefined) wire.host = target.host;
  return wire;
}

export function fromWireTarget(wire: Target__Output | null | undefined): FaultTarget {
  const target: FaultTarget = {};
  if (!wire) return target;
  if (wire.process) target.process = wire.process;
  if (wire.pid_file) target.pidFile = wire.pid_file;
  if (wire.pid) target.pid = wire.pid;
  if (wire.proxy) target.proxy = wire.proxy;
  if (wire.host) target.host = wire.host;
  return target;
}
