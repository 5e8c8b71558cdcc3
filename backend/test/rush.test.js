// Issue 13, the midnight rush: edge micro-cache headers, signed sessions, negative caching,
// the sold-out fast path, per-client rate limits, memcached outage behaviour.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { createTestDatabase, http, loadDocs, newSession, order, product, startApp } from './helpers.js';

const doc = {
  event: { id: 'rush-ev', name: 'Rush test', timeZone: 'UTC' },
  drops: [
    { id: 'r-d1', date: '2031-05-01', products: [product('r-a1', { stock: 2, limitPerCustomer: 2 }), product('r-a2')] },
    { id: 'r-d2', date: '2031-05-02', products: [product('r-b1')] },
  ],
};
const DAY1 = Date.parse('2031-05-01T00:00:00Z');

describe('edge micro-cache: Cache-Control of the rush reads', () => {
  let tdb; let pool; let srv; let clock;
  before(async () => {
    tdb = await createTestDatabase('rushcc');
    pool = createPool(tdb.db);
    clock = manualClock(DAY1 + 3600e3);
    await loadDocs(pool, { 'r.json': doc }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('GET /api/drops/current and product reads: public, 1 s, stale-while-revalidate', async () => {
    for (const p of ['/api/drops/current', '/api/products/r-a1']) {
      const r = await http(`${srv.url}${p}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=1, stale-while-revalidate=2', p);
    }
  });

  test('an unknown or future product is a 404 cached as briefly (negative caching at the edge)', async () => {
    for (const p of ['/api/products/no-such-product', '/api/products/r-b1']) {
      const r = await http(`${srv.url}${p}`);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=1', p);
    }
  });

  test('sessions and orders are never cached', async () => {
    const s = await http(`${srv.url}/api/session`, { method: 'POST' });
    assert.equal(s.headers.get('cache-control'), 'no-store');
    const o = await order(srv.url, s.body.sessionId, 'cc-key-0001', 'r-a2');
    assert.equal(o.status, 201);
    assert.equal(o.headers.get('cache-control'), 'no-store');
    const bad = await order(srv.url, s.body.sessionId, 'cc-key-0002', 'no-such-product');
    assert.equal(bad.status, 404);
    assert.equal(bad.headers.get('cache-control'), 'no-store');
  });
});
