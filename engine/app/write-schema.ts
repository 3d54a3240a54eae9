/**
 * `npm run schema`: regenerates the extension catalogs (each folder's `catalog.ts`, from the
 * files in it: catalog-gen.ts) and then `experiments/schema.json` from the zod schema and those
 * catalogs. Tests fail when a checked-in catalog or the schema is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedCatalogs } from './catalog-gen.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
for (const [path, text] of generatedCatalogs(root)) {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
// Imported after the catalogs are written, so the schema lists what they list now.
const { experimentJsonSchemaText } = await import('./json-schema.js');
const target = join(root, 'experiments/schema.json');
writeFileSync(target, experimentJsonSchemaText());
process.stdout.write(`wrote experiments/schema.json\n`);
