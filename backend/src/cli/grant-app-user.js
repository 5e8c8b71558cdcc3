// node src/cli/grant-app-user.js: create or re-password the application's database user with
// row rights only (SELECT, INSERT, UPDATE on DB_NAME), as the migrator (DB_USER / DB_PASSWORD:
// the master or a user with CREATE USER and GRANT OPTION). The app then runs with
// DB_USER=APP_DB_USER and that password (or DB_SECRET_ID pointing at the app user's secret).
// Env: DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME APP_DB_USER APP_DB_PASSWORD [APP_DB_HOST, default %].
// Exit 0 done, 1 on any error (the password is never printed).
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createAdminConnection } from '../lib/db.js';
import { grantAppUser } from '../migrate.js';
import { loggerOptions } from '../app.js';

const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
let conn;
try {
  const config = loadConfig(process.env, { requireCache: false });
  const user = process.env.APP_DB_USER;
  const password = process.env.APP_DB_PASSWORD;
  if (!user || !password) throw new ConfigError(['APP_DB_USER and APP_DB_PASSWORD are required']);
  conn = await createAdminConnection(config.db);
  await grantAppUser(conn, { database: config.db.database, user, password, host: process.env.APP_DB_HOST || '%' });
  log.info({ user, database: config.db.database }, 'application user ready (SELECT, INSERT, UPDATE)');
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) log.fatal(`configuration error: ${p}`);
  else log.fatal({ err }, 'granting the application user failed');
  process.exitCode = 1;
} finally {
  await conn?.end().catch(() => {});
}
