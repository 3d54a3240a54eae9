/**
 * The process part of the agent's policy (kept apart from `policy.ts` so process rules read in
 * one place):
 *
 * ```yaml
 * targets:
 *   pids: false                 # default: targets only by name (the agent config's processes)
 *   # pids: true                # also bare pids and pid files anywhere
 *   # pids: { pidFiles: ['/run/*.pid', '/run/nginx/*.pid'] }   # only these pid files; no bare pids
 * protectedProcesses:           # never signalled (comm or exe basename; systemd units)
 *   names: [sshd, squall-agent] # the default; a list given here replaces it
 *   units: []                   # the agent's own unit is always protected
 * ```
 *
 * A bare pid or a pid file reaches any process on the host; a name reaches only what the
 * operator listed in the agent config, so names are the default. Whatever is allowed here, the
 * agent itself, its ancestors, pid ≤ 1 and kernel threads are never signalled
 * (`agents/faults/process-guard.ts`).
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { FaultTarget } from '../../engine/core/faults.js';
import { DEFAULT_PROCESS_PROTECTION } from '../faults/process-guard.js';

const AbsoluteGlob = z
  .string()
  .refine((p) => isAbsolute(p), 'expected an absolute path or glob, e.g. /run/*.pid');

export const PidTargetsSchema = z
  .union([z.boolean(), z.strictObject({ pidFiles: z.array(AbsoluteGlob).min(1) })])
  .default(false);
export type PidTargets = z.infer<typeof PidTargetsSchema>;

export const ProtectedProcessesSchema = z
  .strictObject({
    names: z.array(z.string().min(1)).default([...DEFAULT_PROCESS_PROTECTION.names]),
    units: z.array(z.string().min(1)).default([...DEFAULT_PROCESS_PROTECTION.units]),
  })
  .prefault({});

const deny = (message: string) => new SquallError('SQUALL_AGENT_POLICY_DENIED', message);

/** Throws SQUALL_AGENT_POLICY_DENIED unless the policy lets this target name a pid or pid file. */
export function checkPidTarget(pids: PidTargets, target: FaultTarget): void {
  if (target.pid === undefined && target.pidFile === undefined) return;
  if (pids === true) return;
  if (pids === false) {
    throw deny("targeting by pid or pid file is not allowed by the agent's policy (targets.pids: false)");
  }
  if (target.pid !== undefined) {
    throw deny(
      `targeting a bare pid is not allowed by the agent's policy (targets.pids allows only pidFiles: ${pids.pidFiles.join(', ')})`,
    );
  }
  const file = target.pidFile!;
  const refuse = (why: string) =>
    deny(`pid file ${file} ${why} (targets.pids.pidFiles: ${pids.pidFiles.join(', ')})`);
  if (!isAbsolute(file)) throw refuse('is not an absolute path');
  const allowed = (path: string) => pids.pidFiles.some((glob) => globToRegExp(glob).test(path));
  if (!allowed(normalize(file))) throw refuse("is not in the agent's policy");
  // A symlink inside an allowed directory must not lead outside it.
  let real: string | undefined;
  try {
    real = realpathSync(file);
  } catch {
    real = undefined; // missing: the resolver reports it
  }
  if (real !== undefined && !allowed(real))
    throw refuse(`leads to ${real}, which is not in the agent's policy`);
}

/**
 * `*` and `?` within one path segment, `**` across segments; everything else literal. Written
 * here because Node 20's `path.matchesGlob` is experimental, and a pid-file allow-list needs no more.
 */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
