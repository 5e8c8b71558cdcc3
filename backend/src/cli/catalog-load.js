// npm run catalog:load: migrate-safe, idempotent upsert of backend/catalog into the database
// (same named lock as migrations). Invalidates cached entries when MEMCACHED_SERVERS is set.
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createPool } from '../lib/db.js';
import { Cache } from '../lib/cache.js';
import { systemClock } from '../lib/clock.js';
import { loggerOptions } from '../app.js';
import { CatalogInvalidError, migrateAndLoad } from '../startup.js';

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
  else log.fatal({ code: err.code }, `catalogue load failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  await pool?.end().catch(() => {});
  cache?.close();
}
