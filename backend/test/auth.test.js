// Database credentials: a refused login is "unavailable" (503), the load balancer's /healthz fails
// on a persistent authentication failure but not on a passing outage, a rotated secret is re-read
// and used by new connections, and the application user holds no DDL or GRANT rights.
// Real MariaDB (its own users and passwords); the secret store is a function with the contract of
// secretsManagerSource() (returns {"username","password"}), here backed by a file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdminConnection, createPool } from '../src/lib/db.js';
import { Cache } from '../src/lib/cache.js';
import { manualClock } from '../src/lib/clock.js';
import { Shop } from '../src/shop.js';
import { buildApp } from '../src/app.js';
import { DbAuth } from '../src/lib/dbauth.js';
import { APP_GRANTS, grantAppUser } from '../src/migrate.js';
import { TcpProxy, createTestDatabase, eventually, http, serverEnv, sleep, testLogger } from './helpers.js';

describe('database credentials', () => {
  let env; let tdb; let admin; let user; const apps = [];
  before(async () => {
    env = serverEnv();
    tdb = await createTestDatabase('auth');
    admin = await createAdminConnection(tdb.db);
    user = `em_app_${crypto.randomBytes(3).toString('hex')}`;
    await grantAppUser(admin, { database: tdb.db.database, user, password: 'first-password-A', host: '%' });
  });
  after(async () => {
    for (const a of apps) await a.close();
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
    await admin.end();
    await tdb.drop();
  });

  async function start({ password, source = null, persistentMs = 30_000, host = env.db.host, port = env.db.port }) {
    const logger = testLogger();
    const db = { ...tdb.db, host, port, user, password };
    const auth = new DbAuth({ db, source, logger, persistentMs, refreshIntervalMs: 200 });
    await auth.init();
    const pool = auth.attach(createPool(auth.db, { connectionLimit: 4 }));
    const cache = new Cache({ servers: [], logger });
    const shop = new Shop({ pool, cache, clock: manualClock(Date.now()), logger });
    const app = await buildApp({ shop, cache, logger, auth });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = { url: `http://127.0.0.1:${app.server.address().port}`, auth, pool, close: async () => { await app.close(); await pool.end().catch(() => {}); } };
    apps.push(a);
    return a;
  }

  // A request that needs the database (a session is signed and costs none): reading an order.
  // 404 order_not_found means the database answered.
  async function dbRequest(a) {
    const s = await http(`${a.url}/api/session`, { method: 'POST' });
    return http(`${a.url}/api/orders/${crypto.randomUUID()}`, { headers: { 'x-session-id': s.body.sessionId } });
  }

  test('finding 4: refused credentials answer 503 service_unavailable, not 500', async () => {
    const a = await start({ password: 'not-the-password' });
    const s = await dbRequest(a);
    assert.equal(s.status, 503, JSON.stringify(s.body));
    assert.equal(s.body.error.code, 'service_unavailable');
    assert.equal((await http(`${a.url}/api/drops/current`)).status, 503);
  });

  test('/healthz fails on a persistent authentication failure, and only then', async () => {
    const a = await start({ password: 'not-the-password', persistentMs: 1000 });
    assert.equal((await dbRequest(a)).status, 503);
    assert.equal((await http(`${a.url}/healthz`)).status, 200, 'one refusal is not yet persistent');
    await sleep(1100);
    const h = await http(`${a.url}/healthz`);
    assert.equal(h.status, 503);
    assert.deepEqual(h.body, { status: 'unhealthy', database: 'auth_failed' });
  });

  test('/healthz stays 200 through a passing outage (database unreachable or black-holed)', async () => {
    const proxy = await new TcpProxy(env.db.host, env.db.port).start();
    try {
      const a = await start({ password: 'first-password-A', persistentMs: 500, host: '127.0.0.1', port: proxy.port });
      assert.equal((await dbRequest(a)).status, 404);
      await proxy.cut();
      assert.equal((await dbRequest(a)).status, 503);
      await sleep(600);
      assert.equal((await http(`${a.url}/healthz`)).status, 200);
      assert.equal((await http(`${a.url}/readyz`)).status, 503, '/readyz reports the outage');
      await proxy.restore();
      proxy.pause();
      const held = dbRequest(a);
      await sleep(600);
      assert.equal((await http(`${a.url}/healthz`)).status, 200);
      proxy.resume();
      await held;
    } finally {
      await proxy.stop();
    }
  });

  test('a rotated secret is re-read on the first refusal; new connections use it', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'em-secret-')), 'secret.json');
    const put = (password) => fs.writeFileSync(file, JSON.stringify({ username: user, password }));
    put('first-password-A');
    const source = async () => JSON.parse(fs.readFileSync(file, 'utf8'));
    const a = await start({ password: '', source, persistentMs: 60_000 });
    assert.equal((await dbRequest(a)).status, 404);
    // rotation: new password in the database and in the secret; open connections are dropped
    await admin.query(`ALTER USER '${user}'@'%' IDENTIFIED BY 'second-password-B'`);
    put('second-password-B');
    const [procs] = await admin.query('SELECT id FROM information_schema.PROCESSLIST WHERE user = ?', [user]);
    for (const p of procs) await admin.query('KILL ?', [p.id]).catch(() => {});
    await eventually(async () => (await dbRequest(a)).status === 404, { timeoutMs: 10_000 });
    assert.equal(a.auth.stats.changed, 1, 'the new secret was read once');
    assert.equal((await http(`${a.url}/healthz`)).status, 200);
  });

  test('the application user can run the shop but holds no DDL or GRANT rights', async () => {
    const conn = await createAdminConnection({ ...tdb.db, user, password: 'second-password-B' });
    try {
      const [grants] = await conn.query('SHOW GRANTS');
      const text = grants.map((g) => Object.values(g)[0]).join('\n');
      assert.doesNotMatch(text, /ALL PRIVILEGES|CREATE|DROP|ALTER|GRANT OPTION|SUPER/);
      assert.deepEqual(APP_GRANTS, ['SELECT', 'INSERT', 'UPDATE']);
      for (const ddl of ['CREATE TABLE t_x (a INT)', 'DROP TABLE orders', 'ALTER TABLE products ADD COLUMN z INT',
        `GRANT SELECT ON \`${tdb.db.database}\`.* TO '${user}'@'%'`]) {
        const err = await conn.query(ddl).then(() => null, (e) => e);
        assert.ok(err, `${ddl} must be refused`);
        assert.match(err.code, /DENIED/, `${ddl}: ${err.code}`);
      }
      const [[n]] = await conn.query('SELECT COUNT(*) AS n FROM products');
      assert.equal(Number(n.n), 0);
    } finally {
      await conn.end();
    }
  });
});
