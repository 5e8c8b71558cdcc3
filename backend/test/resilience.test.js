// Outages with real servers behind a TCP proxy the test can cut and restore (a real network
// failure: connections reset, then refused). memcached down -> everything still served from
// MySQL; MySQL down -> /readyz 503, reads served stale from the cache, writes 503, then the same
// process recovers by itself when the database is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { TcpProxy, createTestDatabase, eventually, http, loadDocs, newSession, order, product, serverEnv, startApp } from './helpers.js';

const TZ = 'Europe/Berlin';
const doc = {
  event: { id: 'res-ev', name: 'Resilience', timeZone: TZ },
  drops: [{ id: 'r-d1', date: '2033-07-01', products: [product('r-p1', { stock: 1000, limitPerCustomer: 10 }), product('r-p2')] }],
};

describe('outages', () => {
  let tdb; let pool; let srv; let dbProxy; let cacheProxy;
  before(async () => {
    const env = serverEnv();
    tdb = await createTestDatabase('resil');
    pool = createPool(tdb.db);
    const clock = manualClock(startOfLocalDay('2033-07-01', TZ) + 9 * 3600e3);
    await loadDocs(pool, { 'r.json': doc }, clock.now());
    dbProxy = await new TcpProxy(env.db.host, env.db.port).start();
    cacheProxy = await new TcpProxy(env.cache.host, env.cache.port).start();
    srv = await startApp({
      db: { ...tdb.db, host: '127.0.0.1', port: dbProxy.port },
      cacheServers: [cacheProxy.address],
      clock,
      cacheBreakerMs: 300,
    });
  });
  after(async () => {
    await srv?.close();
    await dbProxy?.stop();
    await cacheProxy?.stop();
    await pool?.end();
    await tdb?.drop();
  });

  test('memcached down: sessions, drops, products and orders are served from MySQL; /readyz says cache down', async () => {
    const before = await newSession(srv.url); // cached in memcached and written to MySQL
    assert.equal((await http(`${srv.url}/api/drops/current`)).status, 200);
    assert.equal((await http(`${srv.url}/readyz`)).body.cache, 'ok');

    await cacheProxy.cut();
    for (let i = 0; i < 5; i++) {
      const c = await http(`${srv.url}/api/drops/current`);
      assert.equal(c.status, 200);
      assert.equal(c.body.drop.id, 'r-d1');
      assert.equal(c.body.drop.products.length, 2);
      assert.equal((await http(`${srv.url}/api/products/r-p2`)).status, 200);
    }
    // a session created before the outage is found in MySQL
    const o1 = await order(srv.url, before, 'cache-down-1', 'r-p1');
    assert.equal(o1.status, 201, JSON.stringify(o1.body));
    // new sessions work too, and idempotent replays
    const s = await newSession(srv.url);
    const o2 = await order(srv.url, s, 'cache-down-2', 'r-p1', 2);
    assert.equal(o2.status, 201);
    const o2b = await order(srv.url, s, 'cache-down-2', 'r-p1', 2);
    assert.equal(o2b.status, 200);
    assert.equal(o2b.body.order.id, o2.body.order.id);
    const ready = await http(`${srv.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', database: 'ok', cache: 'down' });
    assert.ok(srv.cache.stats.errors > 0);

    await cacheProxy.restore();
    await eventually(async () => (await http(`${srv.url}/readyz`)).body.cache === 'ok');
    // sessions created during the outage work once the cache is back (filled from MySQL)
    assert.equal((await order(srv.url, s, 'cache-back-1', 'r-p1')).status, 201);
  });

  test('memcached black-holed (packets held, no reset): requests still complete from MySQL', async () => {
    cacheProxy.pause();
    try {
      const rs = await Promise.all([1, 2, 3].map(() => http(`${srv.url}/api/drops/current`)));
      for (const r of rs) assert.equal(r.status, 200);
      const s = await newSession(srv.url);
      assert.equal((await order(srv.url, s, 'blackhole-1', 'r-p1')).status, 201);
    } finally {
      cacheProxy.resume();
    }
    await eventually(async () => (await http(`${srv.url}/readyz`)).body.cache === 'ok');
  });

  test('MySQL down: /readyz 503, /healthz 200, reads served from cache, writes 503 with JSON; recovers by itself', async () => {
    const s = await newSession(srv.url);
    assert.equal((await http(`${srv.url}/api/drops/current`)).status, 200); // warm the cache
    await dbProxy.cut();

    const ready = await http(`${srv.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.database, 'down');
    assert.equal(ready.body.status, 'not_ready');
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);

    const drop = await http(`${srv.url}/api/drops/current`);
    assert.equal(drop.status, 200, 'stale-if-error from memcached');
    assert.equal(drop.body.drop.id, 'r-d1');

    const o = await order(srv.url, s, 'db-down-0001', 'r-p1');
    assert.equal(o.status, 503);
    assert.equal(o.body.error.code, 'service_unavailable');
    assert.equal(o.headers.get('retry-after'), '2');
    // a new session needs no database (signed token); its first order does
    const ns = await http(`${srv.url}/api/session`, { method: 'POST' });
    assert.equal(ns.status, 201);
    const no = await order(srv.url, ns.body.sessionId, 'db-down-0002', 'r-p1');
    assert.equal(no.status, 503);
    assert.equal(no.body.error.code, 'service_unavailable');

    await dbProxy.restore();
    await eventually(async () => (await http(`${srv.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    const again = await order(srv.url, s, 'db-down-0001', 'r-p1');
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal((await http(`${srv.url}/api/session`, { method: 'POST' })).status, 201);
  });

  test('MySQL restart while requests are in flight: no 5xx other than 503, then full recovery', async () => {
    const s = await newSession(srv.url);
    const burst = Array.from({ length: 40 }, (_, i) => order(srv.url, s, `restart-burst-${i}`, 'r-p2', 1));
    await dbProxy.cut();
    const rs = await Promise.all(burst);
    for (const r of rs) assert.ok([201, 409, 429, 503].includes(r.status), `status ${r.status}`);
    await dbProxy.restore();
    await eventually(async () => (await http(`${srv.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    const [[row]] = await pool.query('SELECT stock_total - stock_remaining AS sold FROM products WHERE id = ?', ['r-p2']);
    const [[cnt]] = await pool.query('SELECT COALESCE(SUM(quantity), 0) AS q FROM orders WHERE product_id = ?', ['r-p2']);
    assert.equal(Number(row.sold), Number(cnt.q), 'units sold always equal units in orders');
  });
});
