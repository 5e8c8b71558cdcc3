// node src/cli/catalog-load.js (npm run catalog:load): make the database match CATALOG_DIR, the
// deploy stage's catalogue step. Runs under the migrations' named lock; needs DB_* (the
// migrator's or the app's credentials: it writes events, drops and products only) and
// optionally MEMCACHED_SERVERS (stale entries are deleted). Rules: src/catalog/load.js.
// Exit codes: 0 loaded or unchanged (skipped), 1 invalid catalogue / configuration / database
// error, 3 refused: a document is older than the catalogue revision already loaded.
// The last stdout line on success is a JSON summary ("msg":"catalogue loaded").
import { systemClock } from '../lib/clock.js';
import { migrateAndLoad } from '../startup.js';
import { runCatalogCli } from './catalog-cli.js';

await runCatalogCli('catalogue load', async ({ config, pool, cache, log }) => {
  const { summary } = await migrateAndLoad({ config, pool, cache, logger: log, clock: systemClock, migrations: false });
  log.info({ ...summary, touchedDrops: undefined, touchedProducts: undefined }, 'catalogue loaded');
});
