/**
 * The experiment library the control room starts runs from (`--library DIR`): what is in it,
 * a file's plan, and a file loaded with the vars a browser sent. Every path a request names is
 * resolved inside the library (symlinks followed) and refused when it lands outside; vars go
 * through the same loader as `--var`, so a bad one gets the same positioned issue.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SpecError, SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';
import { formatDurationMs } from '../../core/units.js';
import { buildPlan, type Plan, renderPlan } from '../../run/plan.js';
import { renderSuitePlan } from '../../suite/plan.js';
import { varErrorIssues } from '../commands/vars.js';
import { type LoadedSpec, loadSpecFile } from '../load.js';

export interface LibraryEntry {
  file: string;
  kind: 'Experiment' | 'Suite';
  name: string;
  description: string;
  vars: { name: string; default: string | number | boolean; type: 'string' | 'number' | 'boolean' }[];
  /** Set when the file does not even parse as YAML; the rest is then a best guess. */
  error?: string;
}

const MAX_ENTRIES = 1000;
const MAX_DEPTH = 4;

export class Library {
  readonly root: string;

  constructor(dir: string) {
    try {
      this.root = realpathSync(dir);
    } catch (err) {
      throw new SquallError(
        'SQUALL_USAGE',
        `--library '${dir}' cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give the directory of your experiment files`,
      );
    }
  }

  /** The absolute path of `file` (relative to the library), or 403 when it is outside. */
  resolve(file: unknown): string {
    if (typeof file !== 'string' || file === '')
      throw new SquallError(
        'SQUALL_SERVE_BAD_REQUEST',
        'expected "file": a path inside the library, e.g. "demo.yaml"',
      );
    const outside = () =>
      new SquallError(
        'SQUALL_SERVE_FORBIDDEN',
        `'${excerpt(file)}' is outside the library (${this.root}); name a file from GET /api/library`,
      );
    if (isAbsolute(file) || file.includes('\0')) throw outside();
    const joined = resolve(this.root, file);
    if (!inside(this.root, joined)) throw outside();
    let real: string;
    try {
      real = realpathSync(joined);
    } catch {
      throw new SquallError(
        'SQUALL_SERVE_NOT_FOUND',
        `'${excerpt(file)}' is not in the library; GET /api/library lists what is`,
      );
    }
    if (!inside(this.root, real)) throw outside();
    return real;
  }

  relative(path: string): string {
    const rel = relative(this.root, path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
  }

  list(): LibraryEntry[] {
    const entries: LibraryEntry[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > MAX_DEPTH) return;
      for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        if (entries.length >= MAX_ENTRIES || d.name.startsWith('.')) continue;
        const path = join(dir, d.name);
        if (d.isDirectory()) walk(path, depth + 1);
        else if (/\.ya?ml$/.test(d.name) && statSync(path).size <= 1024 * 1024) {
          const entry = describe(path, this.relative(path));
          if (entry) entries.push(entry);
        }
      }
    };
    walk(this.root, 0);
    return entries;
  }

  /** The file loaded with `vars` (as `--var` would give them); 400 with the positioned issues otherwise. */
  async load(file: unknown, vars: unknown): Promise<{ path: string; rel: string; spec: LoadedSpec }> {
    const path = this.resolve(file);
    const rel = this.relative(path);
    const overrides = varsFromBody(vars);
    try {
      return { path, rel, spec: await loadSpecFile(path, { vars: overrides, label: rel }) };
    } catch (err) {
      const issues = varErrorIssues(rel, err);
      if (issues) throw new SpecError(issues, 'SQUALL_SPEC_INVALID');
      throw err;
    }
  }

  async plan(file: unknown, vars: unknown): Promise<PlanAnswer> {
    const { spec } = await this.load(file, vars);
    if (spec.kind === 'Suite') {
      const plans = spec.suite.steps.flatMap((s) =>
        s.kind === 'experiment' ? [buildPlan(s.experiment)] : [],
      );
      return {
        text: renderSuitePlan(spec.suite),
        faults: plans.flatMap(faultsOf),
        blastRadius: plans.map(radiusText).join('\n'),
      };
    }
    const plan = buildPlan(spec.experiment.experiment);
    return { text: renderPlan(plan), faults: faultsOf(plan), blastRadius: radiusText(plan) };
  }
}

export interface PlanAnswer {
  text: string;
  faults: { name: string; kind: string; target: unknown; agent: string; at: string; duration: string }[];
  blastRadius: string;
}

function faultsOf(plan: Plan): PlanAnswer['faults'] {
  return plan.faults.map((f) => ({
    name: f.name,
    kind: f.kind,
    target: f.target,
    agent: f.agent,
    at: `+${formatDurationMs(f.startMs)}`,
    duration: f.durationMs === 0 ? 'instant' : formatDurationMs(f.durationMs),
  }));
}

function radiusText(plan: Plan): string {
  const r = plan.blastRadius;
  const parts = [
    ['agents', r.agents.join(', ')],
    ['hosts', r.hosts.join(', ')],
    ['processes', r.processes.join(', ')],
    ['proxies', r.proxies.join(', ')],
    ['devices', r.devices === undefined ? '' : String(r.devices)],
    ['tenants', r.tenants.join(', ')],
  ].filter(([, v]) => v);
  return parts.length
    ? `${plan.experiment}: ${parts.map(([k, v]) => `${k} ${v}`).join(' · ')}`
    : `${plan.experiment}: nothing (no faults)`;
}

/** `{"latency": "400ms", "devices": 2000}` → the `--var` texts; anything but scalars is refused. */
function varsFromBody(vars: unknown): Record<string, string> {
  if (vars === undefined || vars === null) return {};
  if (typeof vars !== 'object' || Array.isArray(vars))
    throw new SquallError(
      'SQUALL_SERVE_BAD_REQUEST',
      'expected "vars" to be an object of name: value, e.g. {"latency": "400ms"}',
    );
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new SquallError(
        'SQUALL_SERVE_BAD_REQUEST',
        `vars.${excerpt(name)}: expected a string, number or boolean, as --var ${excerpt(name)}=VALUE takes`,
      );
    out.push([name, String(value)]);
  }
  return Object.fromEntries(out);
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

function describe(path: string, rel: string): LibraryEntry | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: 100 });
  } catch (err) {
    return {
      file: rel,
      kind: 'Experiment',
      name: rel,
      description: '',
      vars: [],
      error: (err as Error).message.split('\n')[0]!,
    };
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as { kind?: unknown; metadata?: { name?: unknown; description?: unknown }; vars?: unknown };
  if (d.kind !== 'Experiment' && d.kind !== 'Suite') return undefined;
  const vars =
    typeof d.vars === 'object' && d.vars !== null ? Object.entries(d.vars as Record<string, unknown>) : [];
  return {
    file: rel,
    kind: d.kind,
    name: typeof d.metadata?.name === 'string' ? d.metadata.name : rel,
    description: typeof d.metadata?.description === 'string' ? d.metadata.description : '',
    vars: vars.flatMap(([name, value]) =>
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? [{ name, default: value, type: typeof value as 'string' | 'number' | 'boolean' }]
        : [],
    ),
  };
}
