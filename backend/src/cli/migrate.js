// npm run migrate: apply pending migrations (needs DB_* env only).
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { migrate } from '../migrate.js';
import { loggerOptions } from '../app.js';

const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
try {
  const config = loadConfig(process.env, { requireCache: false });
  const applied = await migrate(config.db, log);
  log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) log.fatal(`configuration error: ${p}`);
  else log.fatal({ err }, 'migration failed');
  process.exitCode = 1;
}
