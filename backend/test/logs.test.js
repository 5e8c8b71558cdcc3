// Logs never carry SQL text, session tokens or idempotency keys: each error class is provoked with
// a canary session id (and canary key) on a real MariaDB + memcached behind cuttable proxies, and
// the captured log is searched for the canaries and for SQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createAdminConnection, createPool } from '../src/lib/db.js';
import { Cache } from '../src/lib/cache.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { Shop } from '../src/shop.js';
import { buildApp, loggerOptions } from '../src/app.js';
import { TcpProxy, createTestDatabase, eventually, http, loadDocs, order, product, serverEnv, sleep } from './helpers.js';

const TZ = 'Europe/Lisbon';
const DAY = '2036-02-02';
const doc = { event: { id: 'log-ev', name: 'Logs', timeZone: TZ }, drops: [{ id: 'l-d1', date: DAY, products: [product('l-p1', { stock: 1000, limitPerCustomer: 100 })] }] };
const SQL_RE = /\b(INSERT INTO|SELECT [^"]{0,80} FROM|UPDATE products|START TRANSACTION)\b/;

describe('logs carry no SQL, tokens or keys', () => {
  let tdb; let pool; let app; let url; let appPool; let cache; let dbProxy; let cacheProxy; let lines; let clock;
  const canary = () => `CANARY${crypto.randomBytes(28).toString('base64url')}`.slice(0, 43);
  const addSession = async (id) => pool.query('INSERT INTO sessions (id, created_at, expires_at) VALUES (?, NOW(3), ?)', [id, clock.now() + 86400e3]);

  before(async () => {
    const env = serverEnv();
    tdb = await createTestDatabase('logs');
    pool = createPool(tdb.db);
    clock = manualClock(startOfLocalDay(DAY, TZ) + 12 * 3600e3);
    await loadDocs(pool, { 'l.json': doc }, clock.now());
    dbProxy = await new TcpProxy(env.db.host, env.db.port).start();
    cacheProxy = await new TcpProxy(env.cache.host, env.cache.port).start();
    lines = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const logger = pino(loggerOptions('trace'), sink);
    appPool = createPool({ ...tdb.db, host: '127.0.0.1', port: dbProxy.port });
    cache = new Cache({ servers: [cacheProxy.address], prefix: `${tdb.db.database}:`, logger, breakerMs: 200 });
    const shop = new Shop({ pool: appPool, cache, clock, logger });
    app = await buildApp({ shop, cache, logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${app.server.address().port}`;
  });
  after(async () => {
    await app?.close();
    await appPool?.end().catch(() => {});
    cache?.close();
    await dbProxy?.stop();
    await cacheProxy?.stop();
    await pool?.end();
    await tdb?.drop();
  });

  const assertClean = (label, secrets) => {
    const text = lines.join('');
    for (const s of secrets) assert.ok(!text.includes(s), `${label}: the log carries ${s.slice(0, 12)}...:\n${text.split('\n').filter((l) => l.includes(s)).join('\n').slice(0, 1500)}`);
    assert.doesNotMatch(text, SQL_RE, `${label}: the log carries SQL`);
  };

  test('an unclassified database error (500) logs the error class, not err.sql', async () => {
    const sid = canary();
    await addSession(sid);
    lines.length = 0;
    await pool.query('RENAME TABLE customer_purchases TO customer_purchases_gone');
    let r;
    try {
      r = await order(url, sid, `KEYCANARY${crypto.randomBytes(12).toString('hex')}`, 'l-p1', 1);
    } finally {
      await pool.query('RENAME TABLE customer_purchases_gone TO customer_purchases');
    }
    assert.equal(r.status, 500);
    assert.ok(lines.some((l) => /ER_NO_SUCH_TABLE/.test(l)), 'the error class is logged');
    assertClean('500', [sid]);
  });

  test('a signed session token (POST /api/session) never reaches the log, nor its id or stored customer id, on a 500', async () => {
    const created = await http(`${url}/api/session`, { method: 'POST' });
    assert.equal(created.status, 201);
    const token = created.body.sessionId;
    const id = token.split('.')[0];
    const customer = crypto.createHash('sha256').update(id).digest('base64url');
    lines.length = 0;
    await pool.query('RENAME TABLE customer_purchases TO customer_purchases_gone');
    let r;
    try {
      r = await order(url, token, `KEYCANARY${crypto.randomBytes(12).toString('hex')}`, 'l-p1', 1);
    } finally {
      await pool.query('RENAME TABLE customer_purchases_gone TO customer_purchases');
    }
    assert.ok(r.status >= 500, `status ${r.status}`);
    assertClean('signed token', [token, id, customer]);
  });

  test('a duplicate-entry error quoting the values is logged without them', async () => {
    const sid = canary();
    lines.length = 0;
    // what a failed session write would report: mysql2's message quotes the duplicate value
    const err = await appPool.query('INSERT INTO sessions (id, created_at, expires_at) VALUES (?, NOW(3), 1), (?, NOW(3), 1)', [sid, sid]).then(() => null, (e) => e);
    assert.equal(err?.code, 'ER_DUP_ENTRY');
    app.log.error({ err }, 'unhandled error');
    assertClean('dup entry', [sid]);
  });

  test('database down, black-holed (client timeout) and lock waits: 503s logged without tokens or SQL', async () => {
    const sid = canary();
    await addSession(sid);
    // warm the session into memcached so the order reaches the database
    assert.equal((await order(url, sid, `warm-${crypto.randomBytes(6).toString('hex')}`, 'l-p1', 1)).status, 201);
    lines.length = 0;
    const keys = [];
    const key = () => {
      const k = `KEYCANARY${crypto.randomBytes(12).toString('hex')}`;
      keys.push(k);
      return k;
    };
    // lock wait: another transaction holds the product row past every retry
    const holder = await createAdminConnection(tdb.db);
    await holder.query('START TRANSACTION');
    await holder.query('SELECT * FROM products WHERE id = ? FOR UPDATE', ['l-p1']);
    const locked = await order(url, sid, key(), 'l-p1', 1);
    await holder.query('ROLLBACK');
    await holder.end();
    assert.equal(locked.status, 503, JSON.stringify(locked.body));
    // black hole: bytes held, the client times out
    dbProxy.pause();
    const held = await order(url, sid, key(), 'l-p1', 1);
    dbProxy.resume();
    assert.equal(held.status, 503);
    // cut
    await dbProxy.cut();
    const down = await order(url, sid, key(), 'l-p1', 1);
    assert.equal(down.status, 503);
    await dbProxy.restore();
    await eventually(async () => (await http(`${url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    assert.ok(lines.length > 0, 'something was logged');
    assertClean('503s', [sid, ...keys]);
  });

  test('memcached down during a session lookup: logged without the token', async () => {
    const sid = canary();
    await addSession(sid);
    lines.length = 0;
    cacheProxy.pause();
    const r = await order(url, sid, `KEYCANARY${crypto.randomBytes(12).toString('hex')}`, 'l-p1', 1);
    cacheProxy.resume();
    assert.ok([201, 503].includes(r.status), `status ${r.status}`);
    await cacheProxy.cut();
    await order(url, sid, `KEYCANARY${crypto.randomBytes(12).toString('hex')}`, 'l-p1', 1);
    await cacheProxy.restore();
    await sleep(300);
    assert.ok(lines.some((l) => /memcached/.test(l)), 'the cache failure is logged');
    assertClean('cache', [sid]);
  });
});
