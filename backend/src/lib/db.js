// MySQL pool (mysql2). Works against Aurora MySQL 8.0 and MariaDB 10.11.
import mysql from 'mysql2/promise';

export function createPool(db, { connectionLimit = 20 } = {}) {
  return mysql.createPool({
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
    // Every statement we send is parameterised through mysql2's escaping.
    multipleStatements: false,
  });
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
  return poolOrConn.query({ sql, timeout }, params);
}
