// The warm-up a task runs before it listens (src/warmup.js): every route a customer uses is run,
// nothing is written, no access-log line is printed, the per-client limits are not reached, and
// an unreachable database ends it at the first server error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { loggerOptions } from '../src/app.js';
import { warmUp } from '../src/warmup.js';
import { createTestDatabase, http, loadDocs, newSession, order, product, startApp } from './helpers.js';

const doc = {
  event: { id: 'warm-ev', name: 'Warm-up test', timeZone: 'UTC' },
  drops: [{ id: 'w-d1', date: '2031-06-01', products: [product('w-a1', { stock: 3, limitPerCustomer: 1 }), product('w-a2', { limitPerCustomer: 2 })] }],
};
const DAY1 = Date.parse('2031-06-01T00:00:00Z');

function capturedLogger(level = 'info') {
  const lines = [];
  const sink = new Writable({ write(chunk, enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l))); cb(); } });
  return { logger: pino({ ...loggerOptions(level) }, sink), lines };
}

describe('warm-up before the first customer', () => {
  let tdb; let pool; let srv; let log;
  const cacheServers = () => [process.env.MEMCACHED_SERVERS.split(',')[0]];
  before(async () => {
    tdb = await createTestDatabase('warmup');
    pool = createPool(tdb.db);
    await loadDocs(pool, { 'w.json': doc }, DAY1 + 3600e3);
    log = capturedLogger();
    srv = await startApp({
      db: tdb.db, cacheServers: cacheServers(), clock: manualClock(DAY1 + 3600e3), poolSize: 7, logger: log.logger,
      rateLimits: { session: 20, order: 20 }, // production's defaults: the warm-up must stay under them
    });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('runs every customer route, opens the pool, writes nothing and logs no request', async () => {
    const before = log.lines.length;
    const r = await warmUp({ app: srv.app, pool: srv.pool, rounds: 300 });
    assert.equal(r.stoppedBy, null);
    assert.equal(r.requests, 300 * 4, 'session, drop, product and a refused order per round');
    assert.equal(r.connections, 7, 'every pooled connection opened');
    assert.equal(srv.pool.pool._allConnections.length, 7);
    const [[counts]] = await pool.query(`SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM sessions) AS sessions,
      (SELECT SUM(units_sold) FROM products) AS sold`);
    assert.deepEqual({ ...counts, sold: Number(counts.sold) }, { orders: 0, sessions: 0, sold: 0 });
    assert.deepEqual(log.lines.slice(before).filter((l) => l.msg === 'request'), [], 'no access-log line for a warm-up request');
    // The limits were not spent on the warm-up's addresses, and the log level is back.
    const s = await newSession(srv.url);
    assert.equal((await order(srv.url, s, 'warm-key-0001', 'w-a1')).status, 201);
    assert.ok(log.lines.some((l) => l.msg === 'request' && l.url === '/api/orders' && l.status === 201), 'access log back on');
  });

  test('its time budget ends it: the rounds stop, the task goes on to listen', async () => {
    // A budget of 0 ms: spent before the first round (a starved CPU, a cache timing out every call).
    const r = await warmUp({ app: srv.app, pool: srv.pool, rounds: 1000, maxMs: 0 });
    assert.equal(r.requests, 0);
    assert.equal(r.stoppedBy, 'time budget of 0 ms spent after 0 rounds');
    // A budget that lasts some rounds, not 100,000 of them.
    const some = await warmUp({ app: srv.app, pool: srv.pool, rounds: 100_000, maxMs: 300 });
    assert.match(some.stoppedBy, /^time budget of 300 ms spent after [1-9][0-9]* rounds$/);
    assert.ok(some.requests > 0 && some.requests < 400_000, String(some.requests));
  });

  test('0 rounds does nothing', async () => {
    assert.deepEqual(await warmUp({ app: srv.app, pool: srv.pool, rounds: 0 }), { rounds: 0, requests: 0, connections: 0, stoppedBy: null, ms: 0 });
  });

  test('an unreachable database ends it at the first server error, named', async () => {
    // (another database name: nothing of it in the cache, so the drop read needs the database)
    const down = await startApp({ db: { ...tdb.db, port: 1, database: `${tdb.db.database}_unreachable` }, cacheServers: cacheServers(), clock: manualClock(DAY1 + 3600e3), poolSize: 2 });
    try {
      const r = await warmUp({ app: down.app, pool: down.pool, rounds: 1000 });
      assert.equal(r.connections, 0);
      assert.equal(r.requests, 2, 'a session, then the drop read that failed');
      assert.equal(r.stoppedBy, 'GET /api/drops/current answered 503');
      assert.equal((await http(`${down.url}/api/session`, { method: 'POST' })).status, 201, 'the server still serves');
    } finally {
      await down.close();
    }
  });
});
