// MySQL pool (mysql2). Works against Aurora MySQL 8.0 and MariaDB 10.11.
import mysql from 'mysql2/promise';

export const SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

export function createPool(db, { connectionLimit = 20 } = {}) {
  const pool = mysql.createPool({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    connectionLimit,
    maxIdle: connectionLimit,
    idleTimeout: 60_000,
    waitForConnections: true,
    queueLimit: 5000,
    connectTimeout: 3000,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    // The order transaction sends its statements in one round trip. Safe because every value
    // goes through mysql2's escaping (no SQL is ever built by string concatenation of input).
    multipleStatements: true,
    // affectedRows = rows actually changed (not merely matched): the order transaction relies on
    // it to tell "limit reached" (row unchanged) from "counted" in one round trip.
    flags: ['-FOUND_ROWS'],
  });
  // READ COMMITTED for every pooled connection: no gap locks, and a blocked UPDATE re-reads the
  // latest committed row (the stock guard). Queued before any query of the new connection.
  // sql_mode is pinned too: the order transaction relies on an UNSIGNED subtraction below zero
  // being an error (it is unless NO_UNSIGNED_SUBTRACTION is set) and on strict mode.
  pool.on('connection', (conn) => {
    conn.query(`SET SESSION sql_mode = '${SQL_MODE}'; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED`);
  });
  return pool;
}

/** Plain connection with multi-statement support, used by the migrator only. */
export async function createAdminConnection(db, { noDatabase = false, multipleStatements = false } = {}) {
  return mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: noDatabase ? undefined : db.database,
    connectTimeout: 5000,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    multipleStatements,
  });
}

/** A query with a timeout (ms), so a black-holed database cannot hang a request forever. */
export function q(poolOrConn, sql, params = [], timeout = 5000) {
  // Use the callback core of mysql2 directly: its promise wrapper captures a stack trace for
  // every query, a measurable cost on the hot path.
  const core = poolOrConn.connection ?? poolOrConn.pool;
  if (!core || typeof core.query !== 'function') return poolOrConn.query({ sql, timeout }, params);
  return new Promise((resolve, reject) => {
    core.query({ sql, timeout, values: params }, (err, rows, fields) => (err ? reject(err) : resolve([rows, fields])));
  });
}
