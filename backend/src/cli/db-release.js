// npm run db:release: the deploy stage that prepares the database for a new image, run ONCE per
// deploy from that image before the service is updated (on AWS an ECS one-off task of the new
// task definition; in the rehearsal the same command in the same container configuration).
// Validates the image's catalogue, applies pending migrations and loads the catalogue, under the
// migrate named lock. Retries while the database is unreachable (first deploy, failover).
// Exit 0 with a JSON summary line (also when the catalogue is unchanged and skipped); exit 3 when
// the catalogue is older than the one loaded (refused, nothing changed: src/catalog/load.js); exit
// 1 naming what failed otherwise. Tasks never do this at start.
import { clockFor } from '../lib/clock.js';
import { isDbUnavailable } from '../lib/errors.js';
import { CatalogInvalidError, migrateAndLoad } from '../startup.js';
import { CatalogRevisionError } from '../catalog/load.js';
import { runCatalogCli } from './catalog-cli.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const attempts = Number(process.env.DB_RELEASE_ATTEMPTS || 30);
await runCatalogCli('db release', async ({ config, pool, cache, log }) => {
  for (let attempt = 1; ; attempt++) {
    try {
      const { applied, summary } = await migrateAndLoad({ config, pool, cache, logger: log, clock: clockFor(config) });
      log.info({ migrationsApplied: applied, catalogue: summary && { ...summary, touchedDrops: undefined, touchedProducts: undefined } },
        'db release done: migrations applied and catalogue loaded');
      return;
    } catch (err) {
      if (err instanceof CatalogInvalidError || err instanceof CatalogRevisionError || !isDbUnavailable(err) || attempt >= attempts) throw err;
      log.warn({ err: err.message, attempt }, 'database not reachable yet; retrying');
      await sleep(2000);
    }
  }
});
