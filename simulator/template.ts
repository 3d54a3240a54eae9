/**
 * `{index}`, `{tenant}`, `{group}` ... templates compiled once into literal parts and slots,
 * so rendering per device is string concatenation, not a regex replace.
 */
import { SquallError } from '../engine/core/errors.js';

export interface TemplateVars {
  index: number;
  tenant: string;
  group: string;
  seq?: number;
  ts?: number;
}
export type TemplateVar = keyof TemplateVars;

export interface CompiledTemplate {
  readonly source: string;
  readonly vars: readonly TemplateVar[];
  render(vars: TemplateVars): string;
}

const PLACEHOLDER = /\{([a-z]+)\}/g;

/** Compiles `source`, allowing only the named placeholders (a typo fails at load, not at run). */
export function compileTemplate(
  source: string,
  allowed: readonly TemplateVar[],
  what: string,
): CompiledTemplate {
  const literals: string[] = [];
  const slots: TemplateVar[] = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    const name = m[1] as TemplateVar;
    if (!allowed.includes(name)) {
      throw new SquallError(
        'SQUALL_FLEET_CONFIG_INVALID',
        `${what}: unknown placeholder {${m[1]}} in '${source}'; allowed: ${allowed.map((a) => `{${a}}`).join(', ')}`,
      );
    }
    literals.push(source.slice(last, m.index));
    slots.push(name);
    last = m.index + m[0].length;
  }
  literals.push(source.slice(last));
  if (slots.length === 0) return { source, vars: [], render: () => source };
  return {
    source,
    vars: slots,
    render(vars) {
      let out = literals[0]!;
      for (let i = 0; i < slots.length; i++) out += String(vars[slots[i]!]) + literals[i + 1]!;
      return out;
    },
  };
}
