/**
 * Writes schemas/verzamelbestand-<versie>.xsd for every format version from the
 * descriptions: `npm run build && node dist/batch/write-schemas.js`. A test checks that
 * the committed files are what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { FORMAAT_VERSIES, verzamelbestandXsd } from './format.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
for (const f of FORMAAT_VERSIES)
  writeFileSync(path.join(dir, `verzamelbestand-${f.versie}.xsd`), verzamelbestandXsd(f));
