/**
 * What the experiment checks look things up in, handed to them by the caller (the composition
 * root, engine/app/spec-catalogs.ts) so engine/spec knows no driver, probe or SLI module: the
 * fault kinds and probe kinds a file may name, the checks the layers above add (SLOs and guards:
 * engine/slo/validate-slos.ts), and this machine's capacity for faults on the local agent.
 */
import type { z } from 'zod';
import type { FaultDriver, HostCapacity } from '../core/faults.js';
import type { Registry } from '../core/registry.js';
import type { Ctx } from './validate-context.js';

/** The part of a registry a check reads. */
export type Lookup<T extends { readonly name: string }> = Pick<
  Registry<T>,
  'get' | 'names' | 'values' | 'unknownMessage'
>;

/** A kind whose params the file's schema checks (a probe kind, seen from the spec). */
export interface ParamsKind {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType<unknown>;
}

/** A check over the whole experiment that records issues in `ctx`. */
export type SpecCheck = (ctx: Ctx) => void;

export interface SpecCatalogs {
  readonly faults: Lookup<FaultDriver<unknown>>;
  readonly probes: Lookup<ParamsKind>;
  /** Run after the spec's own checks, in order. */
  readonly checks: readonly SpecCheck[];
  /** This machine, for faults on the local agent (a remote agent's capacity is checked at run start). */
  localCapacity(): HostCapacity;
}
