// Issue 12: stock and orders stay exact under operator actions (catalogue pause / restore, stale
// or poisoned cache values, a lock held longer than the client's patience) and the smaller doors
// (unreleased products, session changes, price overflow, a deleted catalogue file).
// Real MariaDB + memcached; every test here failed on the code before the fix.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire, createPool, q } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { createTestDatabase, eventually, http, loadDocs, newSession, order, product, serverEnv, sleep, startApp } from './helpers.js';

const TZ = 'Europe/Madrid';
const DAY1 = '2034-03-10';
const DAY2 = '2034-03-11';
const docWith = (over = {}) => ({
  event: { id: 'exact-ev', name: 'Exactness', timeZone: TZ },
  drops: [
    {
      id: 'x-d1', date: DAY1, products: [
        product('pause-10', { stock: over.pause ?? 10, limitPerCustomer: 10 }),
        product('priced', { stock: 100, limitPerCustomer: 2, priceCents: 4200, currency: 'EUR' }),
        product('locked', { stock: 100, limitPerCustomer: 5 }),
        product('dear', { stock: 100, limitPerCustomer: 100, priceCents: 100_000_000 }),
        product('last-one', { stock: 1, limitPerCustomer: 1 }),
      ],
    },
    { id: 'x-d2', date: DAY2, products: [product('secret-tomorrow', { name: 'Unreleased Secret Sneaker', stock: 10 })] },
  ],
});

describe('exactness under operator actions and faults', () => {
  let tdb; let pool; let srv; let clock;
  before(async () => {
    serverEnv();
    tdb = await createTestDatabase('exact');
    pool = createPool(tdb.db);
    clock = manualClock(startOfLocalDay(DAY1, TZ) + 10 * 3600e3);
    await loadDocs(pool, { 'x.json': docWith() }, clock.now());
    // A 10 s memcached deadline: the poisoning writes must land (at load 10 a 0.25 s set timed out in
    // the Dagger test container and the poison helper's set() returned false).
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock, cacheTimeoutSec: 10 });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  const soldInOrders = async (id) => Number((await pool.query(
    'SELECT COALESCE(SUM(quantity), 0) AS q FROM orders WHERE product_id = ? AND status = \'confirmed\'', [id]))[0][0].q);

  test('finding 1: pause (stock 0) and restore (stock 10) after selling 6 never sells more than 10', async () => {
    const s = await newSession(srv.url);
    assert.equal((await order(srv.url, s, 'pause-sell-6', 'pause-10', 6)).status, 201);
    await loadDocs(pool, { 'x.json': docWith({ pause: 0 }) }, clock.now(), { cache: srv.cache });
    const s2 = await newSession(srv.url);
    assert.equal((await order(srv.url, s2, 'pause-during-1', 'pause-10', 1)).status, 409, 'paused: nothing on sale');
    await loadDocs(pool, { 'x.json': docWith({ pause: 10 }) }, clock.now(), { cache: srv.cache });
    const buyers = await Promise.all(Array.from({ length: 10 }, () => newSession(srv.url)));
    const rs = await Promise.all(buyers.map((b, i) => order(srv.url, b, `pause-after-${i}`, 'pause-10', 1)));
    assert.equal(rs.filter((r) => r.status === 201).length, 4, 'only the 4 unsold units are for sale');
    assert.equal(await soldInOrders('pause-10'), 10, 'units in confirmed orders never exceed the stock of 10');
    const [[row]] = await pool.query('SELECT stock_remaining FROM products WHERE id = ?', ['pause-10']);
    assert.equal(Number(row.stock_remaining), 0);
  });

  test('finding 2: a poisoned product:<id> cache entry cannot change price, currency, limit, drop or window', async () => {
    // What an attacker on the cache network (or a stale entry) could write: everything wrong.
    const poisoned = {
      product: { id: 'priced', dropId: 'x-d2', name: 'priced', description: '', priceCents: 1, currency: 'XXX', imageUrl: '/x.jpg',
        stockTotal: 1e6, stockRemaining: 1e6, soldOut: false, limitPerCustomer: 100 },
      startsAt: 0, endsAt: 8.64e15,
    };
    const poison = async (id, entry) => {
      srv.cache.local.clear();
      assert.equal(await srv.cache.set(`product:${id}`, JSON.stringify({ v: entry, f: Date.now() + 3600e3 }), 3600), true);
    };
    await poison('priced', poisoned);
    const s = await newSession(srv.url);
    const r = await order(srv.url, s, 'poison-price-1', 'priced', 2);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.order.totalCents, 8400, 'price from the row (42.00 x 2)');
    assert.equal(r.body.order.currency, 'EUR');
    const [[o]] = await pool.query('SELECT unit_price_cents, total_cents, currency, drop_id FROM orders WHERE idempotency_key = ?', ['poison-price-1']);
    assert.deepEqual({ ...o }, { unit_price_cents: 4200, total_cents: 8400, currency: 'EUR', drop_id: 'x-d1' });
    // the limit of 2 is the row's, not the cache's 100
    const over = await order(srv.url, s, 'poison-limit-1', 'priced', 1);
    assert.equal(over.status, 429, JSON.stringify(over.body));
    // the window is the row's: a product of tomorrow's drop cannot be bought today
    await poison('secret-tomorrow', { ...poisoned, product: { ...poisoned.product, id: 'secret-tomorrow', dropId: 'x-d2' } });
    const early = await order(srv.url, s, 'poison-window-1', 'secret-tomorrow', 1);
    assert.ok(early.status === 404 || early.status === 409, `status ${early.status} ${JSON.stringify(early.body)}`);
    assert.equal(await soldInOrders('secret-tomorrow'), 0);
    await srv.cache.del('product:priced');
    await srv.cache.del('product:secret-tomorrow');
  });

  test('finding 3: a row lock held past the client timeout never turns a committed order into a 503', async () => {
    const holder = await pool.getConnection();
    const s = await newSession(srv.url);
    await holder.query('START TRANSACTION');
    await holder.query('SELECT * FROM products WHERE id = ? FOR UPDATE', ['locked']);
    const pending = order(srv.url, s, 'lock-held-0001', 'locked', 1);
    await sleep(6500); // longer than the 5 s client query timeout
    await holder.query('ROLLBACK');
    holder.release();
    const r = await pending;
    await sleep(1500); // anything the database still had queued has run by now
    const n = Number((await pool.query('SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?', ['lock-held-0001']))[0][0].n);
    if (r.status === 201) assert.equal(n, 1);
    else {
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(n, 0, 'answered 503 "not placed" but the order was committed');
    }
    // whatever it answered, the same key now tells the truth
    const again = await order(srv.url, s, 'lock-held-0001', 'locked', 1);
    assert.ok(again.status === 200 || again.status === 201, JSON.stringify(again.body));
    assert.equal(Number((await pool.query('SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?', ['lock-held-0001']))[0][0].n), 1);
  });

  test('finding 3: a connection whose round trip timed out is destroyed and its thread killed, never reused', async () => {
    const p = createPool(tdb.db, { connectionLimit: 1 });
    try {
      const [[{ id: first }]] = await q(p, 'SELECT CONNECTION_ID() AS id');
      const err = await q(p, 'SELECT SLEEP(4)', [], 300).then(() => null, (e) => e);
      assert.equal(err?.code, 'PROTOCOL_SEQUENCE_TIMEOUT');
      const [[{ id: second }]] = await q(p, 'SELECT CONNECTION_ID() AS id', [], 2000);
      assert.notEqual(Number(second), Number(first), 'the timed-out connection was handed out again');
      await eventually(async () => (await pool.query('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [first]))[0].length === 0,
        { timeoutMs: 3000 });
    } finally {
      await p.end();
    }
  });

  test('finding 3: getting a pooled connection has a deadline (503, nothing sent)', async () => {
    const p = createPool(tdb.db, { connectionLimit: 1 });
    const held = await p.getConnection();
    try {
      const err = await acquire(p, 300).then(() => null, (e) => e);
      assert.equal(err?.code, 'POOL_ACQUIRE_TIMEOUT');
    } finally {
      held.release();
      await p.end();
    }
  });

  test('door: an order for an unreleased product answers 404 like GET, without its name', async () => {
    const s = await newSession(srv.url);
    const g = await http(`${srv.url}/api/products/secret-tomorrow`);
    assert.equal(g.status, 404);
    const r = await order(srv.url, s, 'unreleased-0001', 'secret-tomorrow', 1);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'product_not_found');
    assert.doesNotMatch(JSON.stringify(r.body), /Unreleased Secret Sneaker/);
  });

  test('door: the same Idempotency-Key under a new session (after a 401) does not place a second order', async () => {
    const a = await newSession(srv.url);
    const first = await order(srv.url, a, 'survives-session-1', 'locked', 1);
    assert.equal(first.status, 201);
    const b = await newSession(srv.url); // what the shop does on a 401: a new session, the same key
    const again = await order(srv.url, b, 'survives-session-1', 'locked', 1);
    assert.ok([200, 409, 422].includes(again.status), `status ${again.status}`);
    if (again.status === 200) assert.equal(again.body.order.id, first.body.order.id);
    assert.equal(Number((await pool.query('SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?', ['survives-session-1']))[0][0].n), 1);
  });

  test('the retry of the order that took the last unit is its replay, even while the cache still shows stock', async () => {
    const s = await newSession(srv.url);
    assert.equal((await http(`${srv.url}/api/products/last-one`)).body.stockRemaining, 1); // cached: 1 left
    const first = await order(srv.url, s, 'last-one-key-1', 'last-one', 1);
    assert.equal(first.status, 201);
    const again = await order(srv.url, s, 'last-one-key-1', 'last-one', 1);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.order.id, first.body.order.id);
  });

  test('door: price x quantity above 2^32 cents is an order with the right total, not "sold out"', async () => {
    const s = await newSession(srv.url);
    const r = await order(srv.url, s, 'dear-overflow-1', 'dear', 50);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.order.totalCents, 5_000_000_000);
  });

  test('door: deleting an event\'s catalogue file takes its products off sale', async () => {
    const other = {
      event: { id: 'other-ev', name: 'Other', timeZone: TZ },
      drops: [{ id: 'o2-d1', date: DAY1, products: [product('other-p', { stock: 5 })] }],
    };
    await loadDocs(pool, { 'x.json': docWith(), 'o.json': other }, clock.now(), { cache: srv.cache });
    const s = await newSession(srv.url);
    assert.equal((await order(srv.url, s, 'other-before-1', 'other-p', 1)).status, 201);
    await loadDocs(pool, { 'x.json': docWith() }, clock.now(), { cache: srv.cache }); // o.json deleted
    const r = await order(srv.url, s, 'other-after-1', 'other-p', 1);
    assert.ok(r.status === 404 || r.status === 409, `status ${r.status}`);
    const [[p]] = await pool.query('SELECT active FROM products WHERE id = ?', ['other-p']);
    assert.equal(Number(p.active), 0);
  });

  test('a poisoned cache that invents a product (index and entry) places no order', async () => {
    srv.cache.local.clear();
    const [idxEntry] = [JSON.parse(await srv.cache.get('products:index:v1') ?? 'null')];
    const ids = [...(idxEntry?.v ?? []), 'ghost-item'];
    assert.equal(await srv.cache.set('products:index:v1', JSON.stringify({ v: ids, f: Date.now() + 3600e3 }), 3600), true);
    const ghost = {
      product: { id: 'ghost-item', dropId: 'x-d1', name: 'ghost', description: '', priceCents: 1, currency: 'EUR', imageUrl: '/x.jpg',
        stockTotal: 10, stockRemaining: 10, soldOut: false, limitPerCustomer: 5 },
      startsAt: 0, endsAt: 8.64e15,
    };
    assert.equal(await srv.cache.set('product:ghost-item', JSON.stringify({ v: ghost, f: Date.now() + 3600e3 }), 3600), true);
    const s = await newSession(srv.url);
    const r = await order(srv.url, s, 'ghost-order-1', 'ghost-item', 1);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(Number((await pool.query('SELECT COUNT(*) AS n FROM orders WHERE product_id = ?', ['ghost-item']))[0][0].n), 0);
    assert.equal(Number((await pool.query('SELECT COUNT(*) AS n FROM customer_purchases WHERE product_id = ?', ['ghost-item']))[0][0].n), 0);
    await srv.cache.del('product:ghost-item');
    await srv.cache.del('products:index:v1');
  });

  test('a load that moves a drop to another day is what the order statement sees, whatever the cache says', async () => {
    const movable = (date) => ({
      event: { id: 'move-ev', name: 'Move', timeZone: TZ },
      drops: [{ id: 'mv-d1', date, products: [product('mv-p', { stock: 10, limitPerCustomer: 5 })] }],
    });
    await loadDocs(pool, { 'x.json': docWith(), 'm.json': movable(DAY1) }, clock.now(), { cache: srv.cache });
    const s = await newSession(srv.url);
    assert.equal((await order(srv.url, s, 'move-before-1', 'mv-p', 1)).status, 201);
    // cache the entry as it is now (on sale today), then move the drop to tomorrow without telling the cache
    srv.cache.local.clear();
    const cached = await srv.cache.get('product:mv-p');
    assert.ok(cached, 'the product entry is cached');
    await loadDocs(pool, { 'x.json': docWith(), 'm.json': movable(DAY2) }, clock.now());
    const [[row]] = await pool.query('SELECT drop_starts_at, drop_active FROM products WHERE id = ?', ['mv-p']);
    assert.equal(Number(row.drop_starts_at), startOfLocalDay(DAY2, TZ), 'the load copied the new window onto the product row');
    srv.cache.local.clear();
    // the entry of before the move, kept fresh: only the order statement can tell
    assert.equal(await srv.cache.set('product:mv-p', JSON.stringify({ ...JSON.parse(cached), f: Date.now() + 3600e3 }), 3600), true);
    const r = await order(srv.url, s, 'move-after-1', 'mv-p', 1);
    assert.equal(r.status, 404, `a drop that has not started is not revealed: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(await soldInOrders('mv-p'), 1);
    await srv.cache.del('product:mv-p');
  });
});
