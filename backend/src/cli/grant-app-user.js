// node src/cli/grant-app-user.js: create or re-password the application's database user with
// row rights only (SELECT, INSERT, UPDATE on DB_NAME), as the migrator (DB_USER / DB_PASSWORD, or
// DB_SECRET_ID: the RDS-managed master secret; or a user with CREATE USER and GRANT OPTION).
// With APP_DB_SECRET_ID (the app user's secret, which Terraform creates without a value) the
// password is generated here and written only to that secret: every run is a rotation, and the
// running tasks re-read it (their DB_SECRET_ID) when refused. APP_DB_PASSWORD sets a given one.
// Env: DB_HOST DB_PORT DB_USER DB_PASSWORD|DB_SECRET_ID DB_NAME APP_DB_USER
//      APP_DB_SECRET_ID|APP_DB_PASSWORD [APP_DB_HOST, default %] [DB_TLS DB_TLS_CA] [AWS_REGION].
// Exit 0 done, 1 on any error (the password is never printed).
import pino from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createAdminConnection } from '../lib/db.js';
import { DbAuth, secretsManagerSource, secretsManagerWriter } from '../lib/dbauth.js';
import { provisionAppUser } from '../migrate.js';
import { loggerOptions } from '../app.js';

const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
let conn;
try {
  const config = loadConfig(process.env, { requireCache: false });
  const user = process.env.APP_DB_USER;
  const password = process.env.APP_DB_PASSWORD || null;
  const secretId = process.env.APP_DB_SECRET_ID || null;
  const problems = [];
  if (!user) problems.push('APP_DB_USER is required (the application user to create)');
  if (!password && !secretId) problems.push("APP_DB_SECRET_ID (the app user's secret, to write a generated password to) or APP_DB_PASSWORD is required");
  if (secretId && !config.aws.region) problems.push('APP_DB_SECRET_ID is set but AWS_REGION is not (the region of the secret)');
  if (problems.length) throw new ConfigError(problems);
  const aws = { region: config.aws.region, endpoint: config.aws.secretsEndpoint };
  const auth = new DbAuth({ db: config.db, source: config.db.secretId ? secretsManagerSource(config.db.secretId, aws) : null, logger: log });
  conn = await createAdminConnection(await auth.init());
  const r = await provisionAppUser(conn, {
    database: config.db.database, user, password, host: process.env.APP_DB_HOST || '%',
    store: secretId ? secretsManagerWriter(secretId, aws) : null,
  });
  log.info({ ...r, database: config.db.database, secret: secretId }, 'application user ready (SELECT, INSERT, UPDATE)');
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) log.fatal(`configuration error: ${p}`);
  else log.fatal({ err }, 'granting the application user failed (if its secret was not written, run this again)');
  process.exitCode = 1;
} finally {
  await conn?.end().catch(() => {});
}
