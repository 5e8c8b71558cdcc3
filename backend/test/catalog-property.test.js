// Property test (fast-check, real MariaDB + memcached): any sequence of catalogue loads (raise,
// lower, zero, restore, remove, re-add), interleaved with concurrent orders, never confirms an
// order that takes units sold above the catalogue stock in force at that moment; afterwards
// remaining = max(stock - sold, 0) and sold = the sum of confirmed order quantities.
//
// Each run uses a fresh product; each step starts 0-2 loads and 0-8 orders at the same time and
// waits for all of them. Orders go through Shop.placeOrder (the production order path and SQL,
// without HTTP, so that many runs fit in the suite). PROPERTY_RUNS scales the run count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { createPool } from '../src/lib/db.js';
import { Cache } from '../src/lib/cache.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { ShopError } from '../src/lib/errors.js';
import { Shop } from '../src/shop.js';
import { createTestDatabase, loadDocs, product, serverEnv, testLogger } from './helpers.js';

const TZ = 'America/Sao_Paulo';
const DAY = '2035-08-20';
const RUNS = Number(process.env.PROPERTY_RUNS || 40);

const loadArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('stock'), stock: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove') }) },
);
const stepArb = fc.record({
  loads: fc.array(loadArb, { maxLength: 2 }),
  orders: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 8 }),
});

describe('catalogue loads interleaved with orders (property, real database)', () => {
  let tdb; let pool; let cache; let shop; let clock;
  before(async () => {
    serverEnv();
    tdb = await createTestDatabase('prop');
    pool = createPool(tdb.db, { connectionLimit: 20 });
    cache = new Cache({ servers: [process.env.MEMCACHED_SERVERS.split(',')[0]], prefix: `${tdb.db.database}:`, logger: testLogger() });
    clock = manualClock(startOfLocalDay(DAY, TZ) + 15 * 3600e3);
    shop = new Shop({ pool, cache, clock, logger: testLogger() });
  });
  after(async () => {
    cache?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('no order takes units sold above the stock in force; remaining = max(stock - sold, 0); sold = sum of orders', async (t) => {
    let run = 0;
    const stats = { runs: 0, steps: 0, loads: 0, orders: 0, confirmed: 0, largestStep: 0, largestRun: 0, largestStepShape: null };
    const doc = (pid, stock) => ({
      event: { id: 'prop-ev', name: 'Property', timeZone: TZ },
      drops: [{ id: 'prop-d1', date: DAY, products: [product('prop-filler', { stock: 1 }), ...(stock === null ? [] : [product(pid, { stock, limitPerCustomer: 3 })])] }],
    });
    const state = async (pid) => {
      const [[p]] = await pool.query('SELECT stock_total, stock_remaining, units_sold, active FROM products WHERE id = ?', [pid]);
      const [[o]] = await pool.query('SELECT COALESCE(SUM(quantity), 0) AS q FROM orders WHERE product_id = ? AND status = \'confirmed\'', [pid]);
      return { total: Number(p.stock_total), remaining: Number(p.stock_remaining), sold: Number(p.units_sold), active: Number(p.active) === 1, inOrders: Number(o.q) };
    };

    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.array(stepArb, { minLength: 1, maxLength: 10 }), async (initial, steps) => {
      run++;
      stats.runs++;
      const pid = `prop-p${run}`;
      await loadDocs(pool, { 'p.json': doc(pid, initial) }, clock.now(), { cache });
      let inForce = initial; // stock in force (0 while the product is removed)
      let runOps = 0;
      for (const step of steps) {
        stats.steps++;
        const before = await state(pid);
        const ops = step.loads.length + step.orders.length;
        runOps += ops;
        if (ops > stats.largestStep) {
          stats.largestStep = ops;
          stats.largestStepShape = `${step.loads.length} loads + ${step.orders.length} orders`;
        }
        const loadPromises = step.loads.map((l) => loadDocs(pool, { 'p.json': doc(pid, l.kind === 'stock' ? l.stock : null) }, clock.now(), { cache }));
        const orderPromises = step.orders.map((qty) => shop.placeOrder({
          sessionId: crypto.randomBytes(32).toString('base64url'), key: `prop-${crypto.randomUUID()}`, productId: pid, quantity: qty,
        }).then((r) => ({ ok: true, qty, r }), (err) => ({ ok: false, qty, err })));
        const [loadResults, orderResults] = await Promise.all([Promise.all(loadPromises), Promise.all(orderPromises)]);
        stats.loads += loadResults.length;
        stats.orders += orderResults.length;
        for (const o of orderResults) {
          if (!o.ok) {
            assert.ok(o.err instanceof ShopError, `unexpected error ${o.err?.code} ${o.err?.message}`);
            assert.ok(['sold_out', 'not_on_sale', 'product_not_found'].includes(o.err.code), `refused with ${o.err.code}`);
          }
        }
        const confirmedUnits = orderResults.filter((o) => o.ok).reduce((n, o) => n + o.qty, 0);
        stats.confirmed += orderResults.filter((o) => o.ok).length;
        const after = await state(pid);
        // every stock that was in force at some moment of this step
        const candidates = [inForce, ...step.loads.map((l) => (l.kind === 'stock' ? l.stock : 0))];
        assert.equal(after.sold, after.inOrders, 'units_sold = sum of confirmed order quantities');
        assert.equal(after.sold - before.sold, confirmedUnits, 'the confirmed answers are exactly the units counted');
        assert.ok(after.sold <= Math.max(before.sold, ...candidates),
          `sold ${after.sold} exceeds every stock in force (${candidates}) and the ${before.sold} sold before`);
        assert.equal(after.remaining, Math.max(after.total - after.sold, 0), 'remaining = max(stock - sold, 0)');
        inForce = after.active ? after.total : 0;
      }
      stats.largestRun = Math.max(stats.largestRun, runOps);
    }), { numRuns: RUNS });
    // The numbers for the closing note, in the test output.
    t.diagnostic(`property stats: ${JSON.stringify(stats)}`);
    assert.ok(stats.confirmed > 0 && stats.loads > 0, 'the property exercised both loads and confirmed orders');
  });
});
