// node src/cli/catalog-load.js (npm run catalog:load): make the database match CATALOG_DIR, the
// deploy stage's catalogue step. Runs under the migrations' named lock; needs DB_* (the
// migrator's or the app's credentials: it writes events, drops and products only) and
// optionally MEMCACHED_SERVERS (stale entries are deleted). Rules: src/catalog/load.js.
// With CATALOG_OBJECT=s3://<bucket>/<environment>/catalogue/<sha256>.json (a catalogue-only
// deploy's load-catalogue, in the running image) the catalogue is that published object instead:
// refused unless its bytes hash to its name, then validated again (src/catalog/object.js).
// Exit codes: 0 loaded or unchanged (skipped), 1 invalid catalogue / object / configuration /
// database error, 3 refused: a document is older than the catalogue revision already loaded.
// The last stdout line on success is a JSON summary ("msg":"catalogue loaded"), naming the object.
import { clockFor } from '../lib/clock.js';
import { migrateAndLoad } from '../startup.js';
import { catalogDirFromObject } from '../catalog/object.js';
import { runCatalogCli } from './catalog-cli.js';

await runCatalogCli('catalogue load', async ({ config, pool, cache, log }) => {
  const uri = process.env.CATALOG_OBJECT;
  let object;
  if (uri) {
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
    const { dir, digest } = await catalogDirFromObject(uri, { region: config.aws.region, endpoint });
    config.catalogDir = dir;
    object = { object: uri, objectSha256: digest };
    log.info(object, 'catalogue object read: its bytes match its name');
  }
  const { summary } = await migrateAndLoad({ config, pool, cache, logger: log, clock: clockFor(config), migrations: false });
  log.info({ ...summary, touchedDrops: undefined, touchedProducts: undefined, ...object }, 'catalogue loaded');
});
