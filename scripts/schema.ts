/**
 * The JSON Schemas of the scenario and machine formats, written from their one definition
 * (packages/lab/src/scenario/format.ts, the zod schemas the parser checks files against):
 *
 *   pnpm schema          rewrite schema/scenario.schema.json and schema/machine.schema.json
 *
 * tests/scenario/formatSchema.spec.ts checks the committed files are what this script writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemas, SCHEMA_FILES } from '@vmlab/lab';

/** Each schema file's path (from the repository root) and text. */
export function schemaFiles(): [string, string][] {
  const s = jsonSchemas();
  return (Object.keys(SCHEMA_FILES) as (keyof typeof SCHEMA_FILES)[]).map((k) => [SCHEMA_FILES[k], `${JSON.stringify(s[k], null, 2)}\n`]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const [file, text] of schemaFiles()) {
    writeFileSync(join(root, file), text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
