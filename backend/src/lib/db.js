// MySQL pool (mysql2). Works against Aurora MySQL 8.0 and MariaDB 10.11.
import mysql from 'mysql2/promise';

/** Server-side bound on a row lock wait (seconds), set on every pooled connection. */
export const LOCK_WAIT_TIMEOUT_S = 2;
/** Client-side bound on one round trip (ms): always longer than a lock wait. */
const QUERY_TIMEOUT_MS = 5000;
/** How long a request waits for a free pooled connection before it is answered 503 (ms). */
const ACQUIRE_TIMEOUT_MS = 5000;

const SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * mysql2's ssl option for db.tls ({ca: [PEM...]} from the config's DB_TLS=verify), or undefined
 * (plaintext). TLS 1.2 at least, the server certificate verified against the CA and its name.
 */
export function sslOptions(tls) {
  return tls ? { ca: tls.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' } : undefined;
}

export function createPool(db, { connectionLimit = 20 } = {}) {
  const pool = mysql.createPool({
    ssl: sslOptions(db.tls),
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
  // innodb_lock_wait_timeout is bounded far below the client's query timeout: a lock wait comes
  // back as ER_LOCK_WAIT_TIMEOUT (retried) instead of the client giving up on a batch that could
  // still COMMIT later.
  pool.on('connection', (conn) => {
    conn.query(`SET SESSION sql_mode = '${SQL_MODE}'; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_TIMEOUT_S}`);
  });
  return pool;
}

/** Plain connection with multi-statement support, used by the migrator only. */
export async function createAdminConnection(db, { noDatabase = false, multipleStatements = false } = {}) {
  return mysql.createConnection({
    ssl: sslOptions(db.tls),
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

function corePoolOf(x) {
  if (x && x.connection === undefined && x.pool && typeof x.pool.getConnection === 'function') return x.pool; // promise pool
  if (x && typeof x.getConnection === 'function' && typeof x.releaseConnection === 'function') return x; // core pool
  return null;
}

/**
 * A free pooled connection within `ms`, or an error classified as "unavailable" (503). mysql2's
 * pool has no acquire deadline of its own: a connection that arrives after the deadline is
 * released straight back.
 */
export function acquire(poolOrCore, ms = ACQUIRE_TIMEOUT_MS) {
  const core = corePoolOf(poolOrCore) ?? poolOrCore;
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      const e = new Error(`no free database connection within ${ms} ms`);
      e.code = 'POOL_ACQUIRE_TIMEOUT';
      reject(e);
    }, ms);
    core.getConnection((err, conn) => {
      if (err) core.eventmallOnConnectError?.(err); // an auth failure re-reads the credentials (dbauth.js)
      if (settled) {
        if (!err) conn.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(conn);
    });
  });
}

/**
 * A connection whose round trip timed out still has that batch running on the server (it may
 * even COMMIT later): it is never reused. The socket is destroyed (which removes it from the
 * pool) and, best effort, its server thread is killed so a queued batch does not run on.
 */
export function discardConnection(conn, pool) {
  const core = conn.connection ?? conn;
  const threadId = core.threadId;
  try {
    core.destroy();
  } catch { /* already gone */ }
  const p = pool ? corePoolOf(pool) : null;
  if (p && threadId) {
    p.query({ sql: 'KILL ?', timeout: 1000, values: [threadId] }, () => {});
  }
}

export const isTimeout = (err) => err?.code === 'PROTOCOL_SEQUENCE_TIMEOUT';

/** A query with a timeout (ms), so a black-holed database cannot hang a request forever. */
export function q(poolOrConn, sql, params = [], timeout = QUERY_TIMEOUT_MS) {
  const pool = corePoolOf(poolOrConn);
  if (pool) {
    // Not pool.query(): that releases a timed-out connection back into the pool, work in flight.
    return acquire(pool).then((conn) => runOn(conn, sql, params, timeout).then(
      (r) => {
        conn.release();
        return r;
      },
      (err) => {
        if (isTimeout(err) || err.fatal) discardConnection(conn, pool);
        else conn.release();
        throw err;
      },
    ));
  }
  return runOn(poolOrConn.connection ?? poolOrConn, sql, params, timeout);
}

// The callback core of mysql2: its promise wrapper captures a stack trace for every query, a
// measurable cost on the hot path.
function runOn(core, sql, params, timeout) {
  return new Promise((resolve, reject) => {
    core.query({ sql, timeout, values: params }, (err, rows, fields) => (err ? reject(err) : resolve([rows, fields])));
  });
}
