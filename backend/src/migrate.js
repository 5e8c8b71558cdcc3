// Versioned SQL migrations (migrations/NNN_name.sql), tracked in schema_migrations with a checksum.
// Runs under a MySQL named lock so several tasks starting together apply each migration once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdminConnection } from './lib/db.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');
export const lockName = (database) => `eventmall:migrate:${database}`.slice(0, 64);

export function listMigrations(dir = MIGRATIONS_DIR) {
  return fs.readdirSync(dir)
    .filter((f) => /^\d{3,}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      return {
        version: f.split('_')[0],
        name: f.replace(/\.sql$/, ''),
        sql,
        checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/** Split a migration into statements: ';' at end of line ends a statement; '--' comments dropped. */
export function splitStatements(sql) {
  const lines = sql.split('\n').filter((l) => !/^\s*--/.test(l));
  return lines.join('\n').split(/;\s*$/m).map((s) => s.trim()).filter(Boolean);
}

/** Acquire a named lock on `conn`, waiting up to timeoutSec. */
export async function withNamedLock(conn, name, timeoutSec, fn) {
  const [[row]] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, timeoutSec]);
  if (row.got !== 1) throw new Error(`could not acquire lock ${name} within ${timeoutSec}s`);
  try {
    return await fn();
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {});
  }
}

/** Create the database when the user may (local/dev/tests); on Aurora it already exists. */
export async function ensureDatabase(dbConfig, logger) {
  const conn = await createAdminConnection(dbConfig, { noDatabase: true });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${dbConfig.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } catch (err) {
    logger?.debug({ err: err.message }, 'CREATE DATABASE not permitted; assuming it exists');
  } finally {
    await conn.end();
  }
}

/**
 * Apply pending migrations on an open connection (which must hold the migrate lock).
 * @returns {Promise<string[]>} names applied
 */
export async function applyMigrations(conn, logger, dir = MIGRATIONS_DIR) {
  await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    VARCHAR(32)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name       VARCHAR(200) NOT NULL,
    checksum   CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    applied_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (version)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  const [rows] = await conn.query('SELECT version, name, checksum FROM schema_migrations');
  const applied = new Map(rows.map((r) => [r.version, r]));
  const done = [];
  for (const m of listMigrations(dir)) {
    const prev = applied.get(m.version);
    if (prev) {
      if (prev.checksum !== m.checksum) {
        throw new Error(`migration ${m.name} was changed after it was applied (checksum mismatch); add a new migration instead`);
      }
      continue;
    }
    logger?.info({ migration: m.name }, 'applying migration');
    // DDL commits implicitly in MySQL/MariaDB: a migration is not atomic, so keep each one small.
    for (const stmt of splitStatements(m.sql)) await conn.query(stmt);
    await conn.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
      [m.version, m.name, m.checksum, new Date()]);
    done.push(m.name);
  }
  return done;
}

/** Standalone: create DB if allowed, take the lock, migrate. */
export async function migrate(dbConfig, logger, { lockTimeoutSec = 120 } = {}) {
  await ensureDatabase(dbConfig, logger);
  const conn = await createAdminConnection(dbConfig);
  try {
    return await withNamedLock(conn, lockName(dbConfig.database), lockTimeoutSec, () => applyMigrations(conn, logger));
  } finally {
    await conn.end();
  }
}

/** What the application user may do: rows only. No DDL, no DELETE, no GRANT (the migrator owns those). */
export const APP_GRANTS = ['SELECT', 'INSERT', 'UPDATE'];

/**
 * Create (or re-password) the least-privilege application user, as the migrator. Idempotent:
 * run by the deploy stage after the migrations (node src/cli/grant-app-user.js).
 * @param {any} conn an admin connection (the migrator: needs CREATE USER and GRANT OPTION)
 * @param {{database: string, user: string, password: string, host?: string}} o
 */
export async function grantAppUser(conn, { database, user, password, host = '%' }) {
  if (!/^[A-Za-z0-9_]{1,32}$/.test(user)) throw new Error('the application user name must be 1-32 letters, digits or _');
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new Error('DB_NAME must be 1-64 letters, digits or _');
  if (typeof password !== 'string' || password.length < 12) throw new Error('the application user password must be at least 12 characters');
  await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, password]);
  await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
  await conn.query(`GRANT ${APP_GRANTS.join(', ')} ON \`${database}\`.* TO ?@?`, [user, host]);
}

/**
 * The application user with a password only the secret store knows: generated here (unless given),
 * granted, then written to the store (the app user's Secrets Manager secret, created by Terraform
 * with no value, so no password is ever in a Terraform state). Each run rotates the password:
 * running tasks are refused on their next new connection and re-read the secret (DB_SECRET_ID).
 * A failing store is an error: the user then has a password nobody holds, and the run must be
 * repeated.
 * @param {any} conn an admin connection (the migrator)
 * @param {{database: string, user: string, host?: string, password?: string|null,
 *   store?: ((v: {username: string, password: string}) => Promise<void>)|null}} o
 * @returns {Promise<{user: string, generated: boolean, stored: boolean}>} never the password
 */
export async function provisionAppUser(conn, { database, user, host = '%', password = null, store = null }) {
  const pw = password ?? crypto.randomBytes(32).toString('base64url');
  await grantAppUser(conn, { database, user, password: pw, host });
  if (store) await store({ username: user, password: pw });
  return { user, generated: password === null, stored: Boolean(store) };
}
