// npm run catalog:validate [dir]: validate backend/catalog/*.json; exit 1 naming file, item and field.
import path from 'node:path';
import { formatError, validateCatalogDir } from '../catalog/validate.js';

const dir = path.resolve(process.argv[2] || process.env.CATALOG_DIR || './catalog');
const r = validateCatalogDir(dir);
if (r.errors.length) {
  for (const e of r.errors) process.stderr.write(`error: ${formatError(e)}\n`);
  process.stderr.write(`catalogue invalid: ${r.errors.length} error(s) in ${dir}\n`);
  process.exitCode = 1;
} else {
  for (const ev of r.events) {
    const products = ev.drops.reduce((n, d) => n + d.products.length, 0);
    process.stdout.write(`ok: ${ev.file}: event "${ev.id}" (${ev.timeZone}), ${ev.drops.length} drops ${ev.drops[0].date}..${ev.drops.at(-1).date}, ${products} products\n`);
  }
  process.stdout.write(`catalogue valid: ${r.files.length} file(s)\n`);
}
