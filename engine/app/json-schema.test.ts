import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { probeKinds } from '../probes/catalog.js';
import { experimentJsonSchema, experimentJsonSchemaText } from './json-schema.js';

// biome-ignore lint/suspicious/noExplicitAny: walking generated JSON; the assertions are the types.
type Json = any;
const schemaFile = fileURLToPath(new URL('../../experiments/schema.json', import.meta.url));

describe('experiment JSON Schema', () => {
  const schema = experimentJsonSchema() as Json;
  const fault = schema.properties.faults.items;
  const probe = schema.properties.probes.items;

  it('experiments/schema.json is up to date', () => {
    const checkedIn = readFileSync(schemaFile, 'utf8');
    // A plain boolean so the failure says what to do, not a 27 kB diff.
    const fresh = checkedIn === experimentJsonSchemaText();
    expect(fresh, 'experiments/schema.json is stale: run npm run schema').toBe(true);
  });

  it('is draft-07 with an id and the top-level fields', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toMatch(/^https:\/\//);
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'phases']));
    expect(schema.additionalProperties).toBe(false);
  });

  it('lists the registered fault kinds and probe kinds, each with its params schema', () => {
    expect(fault.properties.kind.enum).toEqual(faultDrivers.names());
    expect(probe.properties.kind.enum).toEqual(probeKinds.names());
    const latency = fault.allOf.find((c: Json) => c.if.properties.kind.const === 'proxy.latency');
    expect(latency.then.properties.params.properties).toHaveProperty('latency');
    expect(latency.then.properties.params.required).toEqual(['latency']);
  });

  it('completes SLI names and accepts percentile families', () => {
    const sli = schema.properties.slos.items.properties.sli;
    expect(sli.anyOf[0].enum).toContain('delivery_ratio');
    const patterns = sli.anyOf.slice(1).map((p: Json) => new RegExp(p.pattern));
    expect(patterns.some((p: RegExp) => p.test('e2e_latency_p99.9'))).toBe(true);
    expect(patterns.some((p: RegExp) => p.test('e2e_latency_pfast'))).toBe(false);
    expect(sli.examples).toContain('e2e_latency_p99');
  });

  it('describes input forms (human units), not parsed numbers', () => {
    expect(schema.properties.phases.properties.baseline.type).toBe('string');
    expect(schema.properties.phases.properties.baseline.pattern).toBeDefined();
  });
});
