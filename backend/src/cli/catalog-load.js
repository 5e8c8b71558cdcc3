// node src/cli/catalog-load.js (npm run catalog:load): make the database match CATALOG_DIR, the
// deploy stage's catalogue step. Runs under the migrations' named lock; needs DB_* (the
// migrator's or the app's credentials: it writes events, drops and products only) and
// optionally MEMCACHED_SERVERS (stale entries are deleted). Rules: src/catalog/load.js.
// Exit codes: 0 loaded or unchanged (skipped), 1 invalid catalogue / configuration / database
// error, 3 refused: a document is older than the catalogue revision already loaded.
// The last stdout line on success is a JSON summary ("msg":"catalogue loaded").
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createPool } from '../lib/db.js';
import { Cache } from '../lib/cache.js';
import { systemClock } from '../lib/clock.js';
import { loggerOptions } from '../app.js';
import { CatalogInvalidError, migrateAndLoad } from '../startup.js';
import { CatalogRevisionError } from '../catalog/load.js';

const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
let pool;
let cache;
try {
  const config = loadConfig(process.env, { requireCache: false });
  pool = createPool(config.db, { connectionLimit: 2 });
  cache = new Cache({ servers: config.memcachedServers, prefix: `${config.db.database}:`, logger: log });
  const { summary } = await migrateAndLoad({ config, pool, cache, logger: log, clock: systemClock, migrations: false });
  log.info({ ...summary, touchedDrops: undefined, touchedProducts: undefined }, 'catalogue loaded');
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) log.fatal(`configuration error: ${p}`);
  else if (err instanceof CatalogInvalidError) for (const e of err.errors) log.fatal({ file: e.file, item: e.item, field: e.field }, `catalogue error: ${e.message}`);
  else if (err instanceof CatalogRevisionError) {
    log.fatal({ refusals: err.refusals }, err.message);
    process.exitCode = 3;
  } else log.fatal({ err }, 'catalogue load failed');
  process.exitCode ||= 1;
} finally {
  await pool?.end().catch(() => {});
  cache?.close();
}
