// Orders against real MariaDB + memcached: no overselling under 500 concurrent buyers,
// idempotency (sequential and concurrent), per-customer limits, error codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { createTestDatabase, customerOf, http, loadDocs, newSession, order, orderAsClient, product, serverEnv, startApp } from './helpers.js';

const TZ = 'Asia/Tokyo';
const DAY1 = '2030-01-10';
const DAY2 = '2030-01-11';
const doc = {
  event: { id: 'orders-ev', name: 'Orders test event', timeZone: TZ },
  drops: [
    {
      id: 'o-d1', date: DAY1, products: [
        product('rare-10', { stock: 10, limitPerCustomer: 1, priceCents: 2500 }),
        product('common', { stock: 1000, limitPerCustomer: 3, priceCents: 700 }),
        product('limit-2', { stock: 1000, limitPerCustomer: 2 }),
        product('five', { stock: 5, limitPerCustomer: 5 }),
        product('idem', { stock: 1000, limitPerCustomer: 100 }),
      ],
    },
    { id: 'o-d2', date: DAY2, products: [product('tomorrow', { stock: 10 })] },
  ],
};

describe('orders', () => {
  let tdb; let pool; let srv; let clock;
  before(async () => {
    tdb = await createTestDatabase('orders');
    pool = createPool(tdb.db);
    clock = manualClock(startOfLocalDay(DAY1, TZ) + 12 * 3600e3);
    await loadDocs(pool, { 'ev.json': doc }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock, poolSize: 20 });
    serverEnv();
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('500 concurrent buyers on 10 units: exactly 10 sold, 490 get 409 sold_out, stock 0', async () => {
    const sessions = [];
    for (let i = 0; i < 500; i += 50) {
      sessions.push(...await Promise.all(Array.from({ length: 50 }, () => newSession(srv.url))));
    }
    // Buyers behave as the shop's client does: a 503 (busy, outcome unknown) is retried with the
    // same key, so under load the answer is still exactly 10 orders and 490 sold out.
    const results = await Promise.all(sessions.map((s, i) => orderAsClient(srv.url, s, `buyer-${i}-key`, 'rare-10', 1)));
    // A retried order whose first attempt had committed comes back as its replay (200).
    for (const r of results) if (r.status === 200 && r.headers.get('idempotent-replayed') === 'true') r.status = 201;
    const by = {};
    for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
    assert.deepEqual(by, { 201: 10, 409: 490 }, JSON.stringify(by));
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'sold_out');
    const [[row]] = await pool.query('SELECT stock_total, stock_remaining FROM products WHERE id = ?', ['rare-10']);
    assert.equal(row.stock_remaining, 0);
    const [[cnt]] = await pool.query('SELECT COUNT(*) AS n, SUM(quantity) AS q FROM orders WHERE product_id = ?', ['rare-10']);
    assert.equal(Number(cnt.n), 10);
    assert.equal(Number(cnt.q), 10);
    const ids = new Set(results.filter((x) => x.status === 201).map((x) => x.body.order.id));
    assert.equal(ids.size, 10);
    // the winners' orders are readable by their owner
    const winner = results.findIndex((x) => x.status === 201);
    const mine = await http(`${srv.url}/api/orders/${results[winner].body.order.id}`, { headers: { 'x-session-id': sessions[winner] } });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.order.totalCents, 2500);
  });

  test('same idempotency key + same body: 201 then 200 with the same order and Idempotent-Replayed', async () => {
    const s = await newSession(srv.url);
    const first = await order(srv.url, s, 'key-replay-0001', 'common', 2);
    assert.equal(first.status, 201);
    assert.equal(first.body.order.status, 'confirmed');
    assert.equal(first.body.order.totalCents, 1400);
    assert.equal(first.body.order.quantity, 2);
    assert.match(first.body.order.createdAt, /^\d{4}-\d{2}-\d{2}T/);
    for (let i = 0; i < 3; i++) {
      const again = await order(srv.url, s, 'key-replay-0001', 'common', 2);
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, first.body);
    }
    const [[row]] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE session_id = ?', [customerOf(s)]);
    assert.equal(Number(row.n), 1);
  });

  test('same key + different body: 422 idempotency_key_reused, in this session or any other', async () => {
    const s = await newSession(srv.url);
    assert.equal((await order(srv.url, s, 'key-reuse-0001', 'common', 1)).status, 201);
    const r = await order(srv.url, s, 'key-reuse-0001', 'common', 2);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'idempotency_key_reused');
    assert.equal(r.body.error.field, 'Idempotency-Key');
    const r2 = await order(srv.url, s, 'key-reuse-0001', 'limit-2', 1);
    assert.equal(r2.status, 422);
    // keys are unique across sessions (they survive a session change): another session's
    // different body is refused too, and nothing is placed
    const other = await newSession(srv.url);
    assert.equal((await order(srv.url, other, 'key-reuse-0001', 'common', 2)).status, 422);
    const [[n]] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?', ['key-reuse-0001']);
    assert.equal(Number(n.n), 1);
  });

  test('50 concurrent requests with one key: one order, one 201, the rest 200 with the same order', async () => {
    const s = await newSession(srv.url);
    const [[before]] = await pool.query('SELECT stock_remaining FROM products WHERE id = ?', ['idem']);
    const rs = await Promise.all(Array.from({ length: 50 }, () => order(srv.url, s, 'concurrent-key-1', 'idem', 3)));
    const statuses = rs.map((r) => r.status).sort();
    assert.equal(statuses.filter((x) => x === 201).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((x) => x === 200).length, 49, JSON.stringify(statuses));
    const ids = new Set(rs.map((r) => r.body.order.id));
    assert.equal(ids.size, 1);
    const [[afterRow]] = await pool.query('SELECT stock_remaining FROM products WHERE id = ?', ['idem']);
    assert.equal(before.stock_remaining - afterRow.stock_remaining, 3);
    const [[c]] = await pool.query('SELECT COUNT(*) AS n FROM orders WHERE session_id = ?', [customerOf(s)]);
    assert.equal(Number(c.n), 1);
  });

  test('concurrent same key with different bodies: exactly one order, others 422 or 200 replays of it', async () => {
    const s = await newSession(srv.url);
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => order(srv.url, s, 'mixed-body-key', 'idem', (i % 2) + 1)));
    const created = rs.filter((r) => r.status === 201);
    assert.equal(created.length, 1);
    const q = created[0].body.order.quantity;
    for (const r of rs) {
      if (r.status === 200) assert.equal(r.body.order.id, created[0].body.order.id);
      else if (r.status === 422) assert.equal(r.body.error.code, 'idempotency_key_reused');
      else assert.equal(r.status, 201);
    }
    assert.equal(rs.filter((r) => r.status === 200).length + 1, 10 + (q === 1 ? 0 : 0));
  });

  test('per-customer limit: over the limit is 429 limit_exceeded, also under concurrency', async () => {
    const s = await newSession(srv.url);
    const big = await order(srv.url, s, 'limit-big-01', 'limit-2', 3);
    assert.equal(big.status, 429);
    assert.equal(big.body.error.code, 'limit_exceeded');
    assert.equal(big.body.error.field, 'quantity');
    // 10 concurrent single-unit orders with different keys, limit 2: exactly 2 succeed.
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => order(srv.url, s, `limit-par-${i}-x`, 'limit-2', 1)));
    assert.equal(rs.filter((r) => r.status === 201).length, 2);
    assert.equal(rs.filter((r) => r.status === 429).length, 8);
    for (const r of rs.filter((x) => x.status === 429)) assert.equal(r.body.error.code, 'limit_exceeded');
    const [[c]] = await pool.query('SELECT SUM(quantity) AS q FROM orders WHERE session_id = ? AND product_id = ?', [customerOf(s), 'limit-2']);
    assert.equal(Number(c.q), 2);
  });

  test('not enough stock: 409 sold_out saying how many are left; then sold out', async () => {
    const s1 = await newSession(srv.url);
    const s2 = await newSession(srv.url);
    assert.equal((await order(srv.url, s1, 'five-first-1', 'five', 3)).status, 201);
    const tooMany = await order(srv.url, s2, 'five-second-1', 'five', 3);
    assert.equal(tooMany.status, 409);
    assert.equal(tooMany.body.error.code, 'sold_out');
    assert.match(tooMany.body.error.message, /Only 2/);
    assert.equal((await order(srv.url, s2, 'five-second-2', 'five', 2)).status, 201);
    const none = await order(srv.url, s2, 'five-second-3', 'five', 1);
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'sold_out');
    // a retry of an earlier successful order is still answered with that order after sell-out
    await srv.cache.del('product:five');
    await http(`${srv.url}/api/products/five`); // cache now says 0 left: the fast path refuses
    const replay = await order(srv.url, s1, 'five-first-1', 'five', 3);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const p = await http(`${srv.url}/api/products/five`);
    // cached stock may lag by up to a second; the database is the truth
    const [[row]] = await pool.query('SELECT stock_remaining FROM products WHERE id = ?', ['five']);
    assert.equal(row.stock_remaining, 0);
    assert.equal(p.status, 200);
  });

  test('product of a future drop: 404 like GET (not revealed); unknown product: 404', async () => {
    const s = await newSession(srv.url);
    const r = await order(srv.url, s, 'future-key-1', 'tomorrow', 1);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'product_not_found');
    const u = await order(srv.url, s, 'unknown-key-1', 'no-such-product', 1);
    assert.equal(u.status, 404);
    assert.equal(u.body.error.field, 'productId');
  });

  test('no or unknown session: 401 session_required', async () => {
    const r = await http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'idempotency-key': 'nosession-1' }, json: { productId: 'common', quantity: 1 } });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'session_required');
    const r2 = await order(srv.url, 'A'.repeat(43), 'nosession-2', 'common', 1);
    assert.equal(r2.status, 401);
    const r3 = await http(`${srv.url}/api/orders/00000000-0000-4000-8000-000000000000`);
    assert.equal(r3.status, 401);
  });

  test('missing / malformed Idempotency-Key: 400 naming the header', async () => {
    const s = await newSession(srv.url);
    const r = await http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'x-session-id': s }, json: { productId: 'common', quantity: 1 } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'idempotency_key_required');
    assert.equal(r.body.error.field, 'Idempotency-Key');
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'ünïcödé-key']) {
      const b = await http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'x-session-id': s, 'idempotency-key': encodeURIComponent(bad) === bad ? bad : 'bad key!!' }, json: { productId: 'common', quantity: 1 } });
      assert.equal(b.status, 400, bad);
      assert.equal(b.body.error.code, 'invalid_idempotency_key');
    }
  });

  test('invalid bodies name the field', async () => {
    const s = await newSession(srv.url);
    const cases = [
      [{ productId: 'common', quantity: 0 }, 'quantity'],
      [{ productId: 'common', quantity: 1.5 }, 'quantity'],
      [{ productId: 'common', quantity: '1' }, 'quantity'],
      [{ productId: 'common', quantity: 101 }, 'quantity'],
      [{ quantity: 1 }, 'productId'],
      [{ productId: 12, quantity: 1 }, 'productId'],
      [{ productId: 'common', quantity: 1, coupon: 'x' }, 'coupon'],
    ];
    for (const [body, field] of cases) {
      const r = await http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'x-session-id': s, 'idempotency-key': 'bodycheck-1' }, json: body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(body));
    }
  });

  test('pooled connections run strict sql_mode and READ COMMITTED (the stock guard depends on it)', async () => {
    const [[row]] = await srv.pool.query('SELECT @@SESSION.sql_mode AS m, @@SESSION.tx_isolation AS i');
    assert.match(row.m, /STRICT_TRANS_TABLES/);
    assert.doesNotMatch(row.m, /NO_UNSIGNED_SUBTRACTION/);
    assert.equal(row.i, 'READ-COMMITTED');
  });

  test('an order is visible only to its own session', async () => {
    const a = await newSession(srv.url);
    const b = await newSession(srv.url);
    const o = await order(srv.url, a, 'owner-key-01', 'common', 1);
    assert.equal(o.status, 201);
    assert.equal((await http(`${srv.url}/api/orders/${o.body.order.id}`, { headers: { cookie: `em_session=${a}` } })).status, 200);
    const other = await http(`${srv.url}/api/orders/${o.body.order.id}`, { headers: { 'x-session-id': b } });
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'order_not_found');
  });
});
