/**
 * JSON Schema for experiment files, generated from the zod schema so editors (VS Code's YAML
 * extension, JetBrains) complete and check them. Registry contents are folded in: fault kinds
 * and probe kinds as enums with each kind's params schema, SLI names as completions.
 * `experiments/schema.json` is this, written by `npm run schema`.
 */
import { z } from 'zod';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { probeKinds } from '../probes/catalog.js';
import { knownSliNames } from '../slo/catalog.js';
import { Experiment } from '../spec/schema.js';

type JsonObject = Record<string, unknown>;

const SCHEMA_ID = 'https://squall.dev/schemas/experiment-v1.json';

/** The experiment schema (draft-07, the dialect editors support best) with registry enums. */
export function experimentJsonSchema(): JsonObject {
  const schema = toJson(Experiment) as JsonObject;
  const props = schema.properties as Record<string, JsonObject>;

  const fault = items(props.faults);
  enrichKinds(fault, faultDrivers.values(), 'Fault driver (driver.action).');
  const probe = items(props.probes);
  enrichKinds(probe, probeKinds.values(), 'Probe kind.');

  const sliProp = {
    ...sliSchema(),
    description: 'An SLI from the catalogue; pNN is a percentile (p50, p99, p99.9).',
  };
  (items(props.slos).properties as Record<string, unknown>).sli = sliProp;
  const when = (items(props.guards).properties as Record<string, JsonObject>).when;
  if (when) when.examples = ['connected_ratio < 50%', 'delivery_ratio < 99%'];

  return {
    $schema: schema.$schema,
    $id: SCHEMA_ID,
    title: 'Squall experiment (squall/v1)',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The schema file's text, byte for byte what `experiments/schema.json` holds. */
export function experimentJsonSchemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
}

function toJson(schema: z.core.$ZodType): unknown {
  // Params schemas may hold transforms; their input side is what a file contains.
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
}

function items(prop: JsonObject | undefined): JsonObject {
  const found = prop?.items as JsonObject | undefined;
  if (!found?.properties) throw new Error('experiment JSON Schema: expected a list of objects');
  return found;
}

interface Kind {
  name: string;
  summary: string;
  params: z.core.$ZodType;
}

/** `kind` gets an enum; `params` gets the chosen kind's own schema through if/then. */
function enrichKinds(item: JsonObject, kinds: Kind[], description: string): void {
  const properties = item.properties as Record<string, JsonObject>;
  properties.kind = {
    ...properties.kind,
    description,
    enum: kinds.map((k) => k.name),
    // Editors show these next to each completion.
    markdownEnumDescriptions: kinds.map((k) => k.summary),
  };
  item.allOf = kinds.map((k) => {
    const { $schema: _drop, ...params } = toJson(k.params) as JsonObject;
    // JSON Schema's if/then keywords; `then` is a plain key here, built by name so it is not a thenable.
    return Object.fromEntries([
      ['if', { properties: { kind: { const: k.name } }, required: ['kind'] }],
      ['then', { properties: { params: { ...params, description: `Parameters of ${k.name}.` } } }],
    ]);
  });
}

/** Plain SLI names as an enum; `pNN` families as patterns, so `e2e_latency_p99` validates. */
function sliSchema(): JsonObject {
  const names = knownSliNames();
  const plain = names.filter((n) => !n.endsWith('_pNN'));
  const families = names.filter((n) => n.endsWith('_pNN')).map((n) => n.slice(0, -'_pNN'.length));
  return {
    type: 'string',
    anyOf: [{ enum: plain }, ...families.map((f) => ({ pattern: `^${f}_p\\d{1,2}(\\.\\d+)?$` }))],
    examples: [...plain, ...families.flatMap((f) => [`${f}_p50`, `${f}_p99`])].sort(),
  };
}
