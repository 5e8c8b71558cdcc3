// Test helpers: real MariaDB + memcached from the environment (scripts/test-servers.sh env, or the
// Dagger services), one database per test file, an app on a real TCP port, and a TCP proxy that
// can cut / restore / pause the network path to a real server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createAdminConnection, createPool } from '../src/lib/db.js';
import { Cache } from '../src/lib/cache.js';
import { Shop } from '../src/shop.js';
import { RateLimiter } from '../src/lib/rate-limit.js';
import { WaitingRoom } from '../src/waiting-room.js';
import { customerIdOf } from '../src/lib/session-token.js';
import { buildApp, loggerOptions } from '../src/app.js';
import { applyMigrations } from '../src/migrate.js';
import { validateCatalogDir } from '../src/catalog/validate.js';
import { loadCatalog } from '../src/catalog/load.js';
import { invalidateCatalogCache } from '../src/startup.js';

export const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function serverEnv() {
  const missing = ['DB_HOST', 'DB_USER', 'DB_PASSWORD', 'MEMCACHED_SERVERS'].filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`tests need a real MariaDB/MySQL and memcached: set ${missing.join(', ')} `
      + '(run: scripts/test-servers.sh start && eval "$(scripts/test-servers.sh env)")');
  }
  const [cacheHost, cachePort] = process.env.MEMCACHED_SERVERS.split(',')[0].split(':');
  return {
    db: { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD },
    cache: { host: cacheHost, port: Number(cachePort || 11211) },
  };
}

export const testLogger = () => pino({ ...loggerOptions(process.env.TEST_LOG_LEVEL || 'silent') });

/** Create a fresh, migrated database; returns its db config and a drop() function. */
export async function createTestDatabase(label) {
  const env = serverEnv();
  const name = `emt_${label}_${crypto.randomBytes(4).toString('hex')}`.slice(0, 64);
  const admin = await createAdminConnection({ ...env.db, database: undefined }, { noDatabase: true });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const db = { ...env.db, database: name };
  const conn = await createAdminConnection(db);
  await applyMigrations(conn);
  await conn.end();
  return {
    db,
    async drop() {
      const c = await createAdminConnection(db, { noDatabase: true });
      // never wait forever on a metadata lock held by a connection a failed test leaked
      await c.query('SET SESSION lock_wait_timeout = 20');
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** Write catalogue documents into a temp directory. */
export function writeCatalog(docs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'em-catalog-'));
  for (const [file, doc] of Object.entries(docs)) {
    fs.writeFileSync(path.join(dir, file), typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  }
  return dir;
}

export function product(id, over = {}) {
  return {
    id, name: `Product ${id}`, description: `Description of ${id}`, priceCents: 1000, currency: 'EUR',
    imageUrl: `/images/${id}.jpg`, stock: 100, limitPerCustomer: 5, ...over,
  };
}

export async function loadDocs(pool, docs, nowMs, { shiftToToday = false, cache } = {}) {
  const dir = writeCatalog(docs);
  const r = validateCatalogDir(dir);
  if (r.errors.length) throw new Error(JSON.stringify(r.errors));
  const summary = await loadCatalog(pool, r.events, { nowMs, shiftToToday });
  if (cache) await invalidateCatalogCache(cache, summary);
  return summary;
}

/**
 * Start the app on 127.0.0.1:<random port> against the given database / cache endpoints.
 * @returns {Promise<{url: string, app: any, shop: Shop, pool: any, cache: Cache, close: () => Promise<void>}>}
 */
export async function startApp({ db, cacheServers, clock, cookieSecure, staticDir = null, poolSize = 20, cacheBreakerMs = 500, rateLimits = null, firstOrdersMax, sessionKeys = null, logger = testLogger(), waitingRoom = null, cacheTimeoutSec }) {
  const pool = createPool(db, { connectionLimit: poolSize });
  const cache = new Cache({ servers: cacheServers, prefix: `${db.database}:`, logger, breakerMs: cacheBreakerMs, ...(cacheTimeoutSec ? { timeoutSec: cacheTimeoutSec } : {}) });
  const shop = new Shop({ pool, cache, clock, logger, firstOrdersMax, sessionKeys });
  const state = { shuttingDown: false };
  const rateLimiter = rateLimits ? new RateLimiter({ cache, logger, limits: rateLimits, now: () => clock.now() }) : null;
  const wr = waitingRoom ? new WaitingRoom({ shop, cache, logger, keys: shop.signer.keys.map((k) => k.key), degraded: () => false, ...waitingRoom }) : null;
  const app = await buildApp({ shop, cache, logger, staticDir, state, rateLimiter, waitingRoom: wr, ...(cookieSecure ? { cookieSecure } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    app, shop, pool, cache, state, waitingRoom: wr,
    async close() {
      await app.close();
      await pool.end().catch(() => {});
      cache.close();
    },
  };
}

/** fetch wrapper returning {status, headers, body(parsed JSON or text)}. */
export async function http(url, { method = 'GET', headers = {}, body, json } = {}) {
  const h = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    h['content-type'] = h['content-type'] ?? 'application/json';
  }
  const res = await fetch(url, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** The customer id the database stores for a session token (what orders.session_id holds). */
export function customerOf(token) {
  return customerIdOf(token.split('.')[0]);
}

export async function newSession(url) {
  const r = await http(`${url}/api/session`, { method: 'POST' });
  if (r.status !== 201) throw new Error(`session: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.sessionId;
}

export function order(url, sessionId, key, productId, quantity = 1) {
  return http(`${url}/api/orders`, {
    method: 'POST',
    headers: { 'x-session-id': sessionId, 'idempotency-key': key },
    json: { productId, quantity },
  });
}

/**
 * order() as the shop's own client behaves: a 503 means "outcome unknown, retry with the same
 * key" (backend/README.md), so it is retried with the same Idempotency-Key after Retry-After
 * (capped at 1 s here), at most `attempts` times. Returns the last response and the retry count.
 */
export async function orderAsClient(url, sessionId, key, productId, quantity = 1, attempts = 20) {
  let retries = 0;
  for (;;) {
    const r = await order(url, sessionId, key, productId, quantity);
    if (r.status !== 503 || retries >= attempts) return { ...r, retries };
    retries++;
    const after = Number(r.headers.get('retry-after') ?? 1);
    await new Promise((res) => setTimeout(res, Math.min(Number.isFinite(after) ? after : 1, 1) * 1000));
  }
}

/**
 * A TCP proxy in front of a real server. cut(): destroy every connection and stop listening
 * (clients get resets, then "connection refused"), restore(): listen again on the same port,
 * pause()/resume(): hold traffic in both directions (a request stays in flight).
 */
export class TcpProxy {
  constructor(targetHost, targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.sockets = new Set();
    this.paused = false;
    this.waiters = [];
    this.server = null;
    this.port = 0;
  }

  async start() {
    await this._listen(0);
    return this;
  }

  _listen(port) {
    this.server = net.createServer((client) => this._handle(client));
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve();
      });
    });
  }

  _handle(client) {
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const pipe = (from, to) => {
      from.on('data', (chunk) => {
        if (this.paused) {
          from.pause();
          this.waiters.push(() => {
            to.write(chunk);
            from.resume();
          });
        } else {
          to.write(chunk);
        }
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    const kill = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async cut() {
    await new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.resetAndDestroy ? s.resetAndDestroy() : s.destroy();
      this.sockets.clear();
    });
  }

  async restore() {
    await this._listen(this.port);
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async stop() {
    this.resume();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn until it returns truthy or the timeout passes. */
export async function eventually(fn, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeoutMs) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}
