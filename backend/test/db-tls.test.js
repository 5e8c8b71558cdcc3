// TLS to the database (issue 12): with DB_TLS=verify every connection (pool and migrator) is
// encrypted and the server's certificate is checked against DB_TLS_CA (the RDS CA bundle by
// default, as for Aurora); a server that cannot speak TLS is refused, never used in plaintext.
// Real MariaDB: scripts/test-servers.sh gives it a throwaway CA (TEST_DB_TLS_CA); a MariaDB without
// TLS (the Dagger test service) proves the refusal instead.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config.js';
import { createAdminConnection, createPool } from '../src/lib/db.js';
import { serverEnv } from './helpers.js';

const okEnv = { DB_HOST: 'db', DB_USER: 'u', DB_PASSWORD: 'p', DB_NAME: 'shop', MEMCACHED_SERVERS: 'cache:11211' };

describe('TLS to the database', () => {
  test('config: off by default; verify uses the RDS CA bundle unless DB_TLS_CA names a PEM file; bad values named', () => {
    assert.equal(loadConfig(okEnv).db.tls, null);
    const rds = loadConfig({ ...okEnv, DB_TLS: 'verify' }).db.tls;
    assert.ok(Array.isArray(rds.ca) && rds.ca.length > 1 && rds.ca.every((c) => c.includes('BEGIN CERTIFICATE')), 'the RDS CA bundle');
    const problems = (env) => { try { loadConfig(env); return []; } catch (err) { assert.ok(err instanceof ConfigError); return err.problems; } };
    assert.ok(problems({ ...okEnv, DB_TLS: 'maybe' }).some((p) => p.startsWith('DB_TLS must be off or verify')));
    assert.ok(problems({ ...okEnv, DB_TLS: 'verify', DB_TLS_CA: '/nonexistent/ca.pem' }).some((p) => p.startsWith('DB_TLS_CA')));
  });

  let env; let admin; let have; const user = `emtls_${crypto.randomBytes(3).toString('hex')}`;
  before(async () => {
    env = serverEnv();
    admin = await createAdminConnection(env.db, { noDatabase: true });
    [[{ have }]] = await admin.query('SELECT @@have_ssl AS have');
  });
  after(async () => {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
    await admin.end();
  });

  const dbEnv = (extra) => ({ ...okEnv, DB_HOST: env.db.host, DB_PORT: String(env.db.port), DB_USER: env.db.user, DB_PASSWORD: env.db.password, DB_NAME: 'mysql', ...extra });
  async function sslVersion(db) {
    const pool = createPool(db, { connectionLimit: 1 });
    try {
      const [[row]] = await pool.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      return row.Value;
    } finally {
      await pool.end();
    }
  }

  test('verify: encrypted sessions, the certificate checked; plaintext refused where TLS is required; no fallback', async () => {
    if (have !== 'YES') {
      // A server without TLS: verify refuses to connect rather than fall back to plaintext.
      const { db } = loadConfig(dbEnv({ DB_TLS: 'verify' }));
      await assert.rejects(sslVersion(db), /secure connection|SSL|TLS/i);
      await assert.rejects(createAdminConnection(db, { noDatabase: true }), /secure connection|SSL|TLS/i);
      return;
    }
    const ca = process.env.TEST_DB_TLS_CA;
    assert.ok(ca, 'the server speaks TLS: set TEST_DB_TLS_CA to its CA (eval "$(scripts/test-servers.sh env)")');
    const { db } = loadConfig(dbEnv({ DB_TLS: 'verify', DB_TLS_CA: ca }));
    assert.match(await sslVersion(db), /^TLSv1\.[23]$/, 'the pool connection is encrypted');
    const mig = await createAdminConnection(db, { noDatabase: true });
    const [[row]] = await mig.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
    await mig.end();
    assert.match(row.Value, /^TLSv1\.[23]$/, 'the migrator connection is encrypted');
    assert.equal(await sslVersion(loadConfig(dbEnv({})).db), '', 'DB_TLS=off: plaintext (what the verify runs are compared with)');

    // A server certificate that does not chain to the configured CA (here: the RDS bundle) is refused.
    const { db: wrongCa } = loadConfig(dbEnv({ DB_TLS: 'verify' }));
    await assert.rejects(sslVersion(wrongCa), /certificate/i);

    // A user that must use TLS (as every user of Aurora with require_secure_transport = ON).
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'tls-only-password' REQUIRE SSL`);
    const tlsUser = { user, password: 'tls-only-password', database: undefined };
    await assert.rejects(sslVersion({ ...loadConfig(dbEnv({})).db, ...tlsUser }), (err) => err.code === 'ER_ACCESS_DENIED_ERROR' || err.errno === 1045);
    assert.match(await sslVersion({ ...db, ...tlsUser }), /^TLSv1\.[23]$/);
  });
});
