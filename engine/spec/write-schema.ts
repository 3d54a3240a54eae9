/**
 * `npm run schema`: regenerates `experiments/schema.json` from the zod schema and the
 * registries. A test fails when the checked-in file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchemaText } from './json-schema.js';

const target = fileURLToPath(new URL('../../experiments/schema.json', import.meta.url));
writeFileSync(target, experimentJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
