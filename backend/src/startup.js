// Migrations + catalogue load, under one MySQL named lock (safe when several tasks start at once).
import { createAdminConnection } from './lib/db.js';
import { applyMigrations, ensureDatabase, lockName, withNamedLock } from './migrate.js';
import { formatError, validateCatalogDir } from './catalog/validate.js';
import { loadCatalog } from './catalog/load.js';
import { PRODUCT_INDEX_KEY } from './shop.js';

export class CatalogInvalidError extends Error {
  constructor(errors) {
    super(`catalogue is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map(formatError).join('\n')}`);
    this.errors = errors;
  }
}

function validatedCatalog(dir) {
  const r = validateCatalogDir(dir);
  if (r.errors.length) throw new CatalogInvalidError(r.errors);
  return r.events;
}

/** Delete cache entries a catalogue load made stale (best effort; they also expire on their own). */
export async function invalidateCatalogCache(cache, summary) {
  if (!cache) return;
  await cache.del('schedule:v1');
  await cache.del(PRODUCT_INDEX_KEY);
  await Promise.all([
    ...summary.touchedDrops.map((id) => cache.del(`drop:${id}`)),
    ...summary.touchedProducts.map((id) => cache.del(`product:${id}`)),
  ]);
}

/**
 * @param {{config: any, pool: any, cache?: any, logger: any, clock: {now(): number}, migrations?: boolean, catalog?: boolean}} o
 */
export async function migrateAndLoad({ config, pool, cache, logger, clock, migrations = true, catalog = true }) {
  const events = catalog ? validatedCatalog(config.catalogDir) : [];
  if (migrations) await ensureDatabase(config.db, logger);
  const conn = await createAdminConnection(config.db);
  try {
    return await withNamedLock(conn, lockName(config.db.database), 180, async () => {
      const applied = migrations ? await applyMigrations(conn, logger) : [];
      let summary = null;
      if (catalog) {
        summary = await loadCatalog(pool, events, { nowMs: clock.now(), shiftToToday: config.catalogShiftToToday, logger });
        await invalidateCatalogCache(cache, summary);
      }
      return { applied, summary };
    });
  } finally {
    await conn.end().catch(() => {});
  }
}
