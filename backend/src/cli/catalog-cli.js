// What the database CLIs (catalog-load.js, db-release.js) share: the configuration, a small pool
// and the cache; the exit codes (0 done, 3 a catalogue older than the one loaded was refused,
// 1 anything else, each problem logged by name); the pool and cache closed whatever happened.
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createPool } from '../lib/db.js';
import { Cache } from '../lib/cache.js';
import { loggerOptions } from '../app.js';
import { CatalogInvalidError } from '../startup.js';
import { CatalogRevisionError } from '../catalog/load.js';
import { CatalogObjectError } from '../catalog/object.js';

/** Runs work({ config, pool, cache, log }); `what` names the command in its failure line. */
export async function runCatalogCli(what, work) {
  const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
  let pool;
  let cache;
  try {
    const config = loadConfig(process.env, { requireCache: false });
    pool = createPool(config.db, { connectionLimit: 2 });
    cache = new Cache({ servers: config.memcachedServers, prefix: `${config.db.database}:`, logger: log });
    await work({ config, pool, cache, log });
  } catch (err) {
    if (err instanceof ConfigError) for (const p of err.problems) log.fatal(`configuration error: ${p}`);
    else if (err instanceof CatalogInvalidError) for (const e of err.errors) log.fatal({ file: e.file, item: e.item, field: e.field }, `catalogue error: ${e.message}`);
    else if (err instanceof CatalogObjectError) log.fatal(`catalogue object error: ${err.message}`);
    else if (err instanceof CatalogRevisionError) {
      log.fatal({ refusals: err.refusals }, err.message);
      process.exitCode = 3;
    } else log.fatal({ err }, `${what} failed`);
    process.exitCode ||= 1;
  } finally {
    await pool?.end().catch(() => {});
    cache?.close();
  }
}
