// Domain services: schedule / current drop, products, sessions, orders.
import crypto from 'node:crypto';
import { HttpError, isDbUnavailable } from './lib/errors.js';
import { acquire, discardConnection, isTimeout, q } from './lib/db.js';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
export const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;
export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
export const ORDER_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SCHEDULE_FRESH_MS = 30_000;
const STOCK_FRESH_MS = 1_000;
// In-process layer in front of memcached for the hot read documents (see Cache.getOrLoad).
const LOCAL_MS = 250;

const iso = (ms) => new Date(ms).toISOString();

function productJson(row) {
  return {
    id: row.id,
    dropId: row.drop_id,
    name: row.name,
    description: row.description,
    priceCents: Number(row.price_cents),
    currency: row.currency,
    imageUrl: row.image_url,
    stockTotal: Number(row.stock_total),
    stockRemaining: Number(row.stock_remaining),
    soldOut: Number(row.stock_remaining) === 0,
    limitPerCustomer: Number(row.limit_per_customer),
  };
}

function orderJson(row) {
  return {
    id: row.id,
    productId: row.product_id,
    quantity: Number(row.quantity),
    totalCents: Number(row.total_cents),
    currency: row.currency,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

const PRODUCT_COLUMNS = `p.id, p.drop_id, p.name, p.description, p.price_cents, p.currency, p.image_url,
  p.stock_total, p.stock_remaining, p.limit_per_customer`;

export function requestHash(productId, quantity) {
  return crypto.createHash('sha256').update(JSON.stringify({ productId, quantity })).digest('hex');
}

/**
 * POST /api/orders could not learn whether its batch committed (a lost connection, a client
 * timeout): the order may or may not exist. Retrying with the SAME Idempotency-Key is safe and
 * tells: the stored order (200) if it was placed, a fresh attempt otherwise.
 */
function orderOutcomeUnknown(err) {
  const e = new HttpError(503, 'order_outcome_unknown',
    'We could not confirm whether your order was placed. Retry with the same Idempotency-Key: it returns the order if it was placed and never places a second one.');
  e.cause = err;
  return e;
}

function unavailable(err) {
  const e = new HttpError(503, 'service_unavailable', 'The shop is temporarily unavailable, please retry in a moment.');
  e.cause = err;
  return e;
}

export class Shop {
  /**
   * @param {{pool: any, cache: import('./lib/cache.js').Cache, clock: {now(): number}, logger?: any}} deps
   */
  constructor({ pool, cache, clock, logger }) {
    this.pool = pool;
    this.cache = cache;
    this.clock = clock;
    this.logger = logger;
    this.sessionQueue = [];
    this.sessionFlushes = 0;
  }

  // ---------- schedule and drops ----------

  async loadSchedule() {
    const [rows] = await q(this.pool, `SELECT e.id AS event_id, e.name, e.time_zone, d.id AS drop_id,
        DATE_FORMAT(d.drop_date, '%Y-%m-%d') AS drop_date, d.starts_at, d.ends_at
      FROM events e JOIN drops d ON d.event_id = e.id
      WHERE d.active = 1 ORDER BY e.id, d.starts_at`);
    const events = new Map();
    for (const r of rows) {
      let ev = events.get(r.event_id);
      if (!ev) {
        ev = { id: r.event_id, name: r.name, timeZone: r.time_zone, drops: [] };
        events.set(r.event_id, ev);
      }
      ev.drops.push({ id: r.drop_id, date: r.drop_date, startsAt: Number(r.starts_at), endsAt: Number(r.ends_at) });
    }
    return [...events.values()];
  }

  schedule() {
    return this.cache.getOrLoad('schedule:v1', () => this.loadSchedule(), { freshMs: SCHEDULE_FRESH_MS, localMs: LOCAL_MS });
  }

  /** Pick the event to show at `now`: one with a live drop, else the next to start, else the last. */
  static pick(schedule, now) {
    let live = null;
    let upcoming = null;
    let past = null;
    for (const ev of schedule) {
      for (const d of ev.drops) {
        if (d.startsAt <= now && now < d.endsAt) {
          if (!live || d.startsAt < live.drop.startsAt) live = { event: ev, drop: d };
        } else if (d.startsAt > now) {
          if (!upcoming || d.startsAt < upcoming.next.startsAt) upcoming = { event: ev, next: d };
        } else if (!past || d.endsAt > past.drop.endsAt) {
          past = { event: ev, drop: d };
        }
      }
    }
    const chosen = live?.event ?? upcoming?.event ?? past?.event ?? null;
    if (!chosen) return null;
    const drop = live ? live.drop : null;
    const next = chosen.drops.find((d) => d.startsAt > now) ?? null;
    return { event: chosen, drop, next };
  }

  async loadDropProducts(dropId) {
    const [rows] = await q(this.pool, `SELECT ${PRODUCT_COLUMNS} FROM products p
      WHERE p.drop_id = ? AND p.active = 1 ORDER BY p.position, p.id`, [dropId]);
    return rows.map(productJson);
  }

  dropProducts(dropId) {
    return this.cache.getOrLoad(`drop:${dropId}`, () => this.loadDropProducts(dropId), { freshMs: STOCK_FRESH_MS, localMs: LOCAL_MS });
  }

  async currentDrop() {
    const now = this.clock.now();
    let sched;
    try {
      sched = await this.schedule();
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(err) : err;
    }
    const view = Shop.pick(sched, now);
    const body = {
      serverTime: iso(now),
      event: null,
      drop: null,
      nextDropAt: null,
      secondsUntilNextDrop: null,
    };
    if (!view) return body;
    body.event = { id: view.event.id, name: view.event.name, timeZone: view.event.timeZone };
    if (view.drop) {
      let products;
      try {
        products = await this.dropProducts(view.drop.id);
      } catch (err) {
        throw isDbUnavailable(err) ? unavailable(err) : err;
      }
      body.drop = {
        id: view.drop.id,
        date: view.drop.date,
        startsAt: iso(view.drop.startsAt),
        endsAt: iso(view.drop.endsAt),
        products,
      };
    }
    if (view.next) {
      body.nextDropAt = iso(view.next.startsAt);
      body.secondsUntilNextDrop = Math.max(0, Math.ceil((view.next.startsAt - now) / 1000));
    }
    return body;
  }

  // ---------- products ----------

  async loadProduct(id) {
    const [rows] = await q(this.pool, `SELECT ${PRODUCT_COLUMNS}, d.starts_at, d.ends_at FROM products p
      JOIN drops d ON d.id = p.drop_id WHERE p.id = ? AND p.active = 1 AND d.active = 1`, [id]);
    if (!rows.length) return null;
    return { product: productJson(rows[0]), startsAt: Number(rows[0].starts_at), endsAt: Number(rows[0].ends_at) };
  }

  async productEntry(id) {
    try {
      return await this.cache.getOrLoad(`product:${id}`, () => this.loadProduct(id), { freshMs: STOCK_FRESH_MS, localMs: LOCAL_MS });
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(err) : err;
    }
  }

  /** A product whose drop has started (live or past). Products of future drops are not revealed. */
  async product(id) {
    const entry = await this.productEntry(id);
    if (!entry || entry.startsAt > this.clock.now()) {
      throw new HttpError(404, 'product_not_found', `No product with id "${id}".`, 'id');
    }
    return entry.product;
  }

  // ---------- sessions ----------

  /**
   * Sessions are written through to MySQL in batches ("group commit" in the app): the first
   * insert goes out at once, inserts arriving meanwhile are sent together as one multi-row
   * INSERT when it returns. No added latency when quiet, far fewer commits in a rush.
   */
  _insertSession(row) {
    return new Promise((resolve, reject) => {
      this.sessionQueue.push({ row, resolve, reject });
      if (this.sessionFlushes < 2) this._flushSessions();
    });
  }

  async _flushSessions() {
    this.sessionFlushes++;
    try {
      while (this.sessionQueue.length) {
        const batch = this.sessionQueue.splice(0, 500);
        try {
          await q(this.pool, 'INSERT INTO sessions (id, created_at, expires_at) VALUES ?', [batch.map((b) => b.row)]);
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.sessionFlushes--;
    }
  }

  async createSession() {
    const now = this.clock.now();
    const id = crypto.randomBytes(32).toString('base64url');
    const expiresAt = now + SESSION_TTL_MS;
    try {
      // Write-through: the database row makes sessions survive a cache node loss or restart.
      await this._insertSession([id, new Date(now), expiresAt]);
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(err) : err;
    }
    await this.cache.set(`sess:${id}`, String(expiresAt), Math.ceil(SESSION_TTL_MS / 1000));
    return { sessionId: id, expiresAt: iso(expiresAt) };
  }

  /** @returns {Promise<string|null>} the session id when valid and not expired */
  async resolveSession(id) {
    if (typeof id !== 'string' || !SESSION_ID_RE.test(id)) return null;
    const now = this.clock.now();
    const cached = await this.cache.get(`sess:${id}`);
    if (cached !== null) return Number(cached) > now ? id : null;
    let rows;
    try {
      [rows] = await q(this.pool, 'SELECT expires_at FROM sessions WHERE id = ?', [id]);
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(err) : err;
    }
    if (!rows.length) return null;
    const expiresAt = Number(rows[0].expires_at);
    if (expiresAt <= now) return null;
    await this.cache.set(`sess:${id}`, String(expiresAt), Math.max(1, Math.min(Math.ceil((expiresAt - now) / 1000), 29 * 86400)));
    return id;
  }

  // ---------- orders ----------

  /**
   * The order an Idempotency-Key made, whichever session sent it: keys are unique across
   * sessions, so a retry after a session change (a 401, then a new session) replays the order
   * instead of placing a second one.
   */
  async findOrderByKey(conn, key) {
    const [rows] = await q(conn, 'SELECT * FROM orders WHERE idempotency_key = ?', [key]);
    return rows[0] ?? null;
  }

  replayOrThrow(row, hash) {
    if (row.request_hash !== hash) {
      throw new HttpError(422, 'idempotency_key_reused',
        'This Idempotency-Key was already used for a different order request; use a new key for a new order.', 'Idempotency-Key');
    }
    return { order: orderJson(row), replayed: true };
  }

  /**
   * Place an order. Exactly-once per idempotency key; never oversells. The cache only drives
   * fast refusals: price, currency, drop, limit and sale window come from the rows, inside the
   * order statement.
   * @returns {Promise<{order: object, replayed: boolean}>}
   */
  async placeOrder({ sessionId, key, productId, quantity }) {
    const hash = requestHash(productId, quantity);
    // A request that is refused before the transaction may still be a replay of an order that
    // succeeded earlier (e.g. the client retries after the item sold out): answer with that order.
    const refuse = async (err) => {
      let prior;
      try {
        prior = await this.findOrderByKey(this.pool, key);
      } catch (e) {
        throw isDbUnavailable(e) ? unavailable(e) : e;
      }
      if (prior) return this.replayOrThrow(prior, hash);
      throw err;
    };
    const notFound = () => new HttpError(404, 'product_not_found', `No product with id "${productId}".`, 'productId');

    const entry = await this.productEntry(productId);
    if (!entry) return refuse(notFound());
    const now = this.clock.now();
    const p = entry.product;
    // A product of a drop that has not started is not revealed (as GET /api/products/:id).
    if (now < entry.startsAt) return refuse(notFound());
    if (now >= entry.endsAt) {
      return refuse(new HttpError(409, 'not_on_sale', `"${p.name}" is not part of the live drop.`, 'productId'));
    }
    if (quantity > p.limitPerCustomer) {
      return refuse(new HttpError(429, 'limit_exceeded', `At most ${p.limitPerCustomer} of "${p.name}" per customer.`, 'quantity'));
    }
    // Fast path: stock only goes down during a drop, so a cached 0 is (almost always) still 0.
    if (p.stockRemaining === 0) {
      return refuse(new HttpError(409, 'sold_out', `"${p.name}" is sold out.`, 'productId'));
    }

    for (let attempt = 1; ; attempt++) {
      try {
        return await this._orderTx({ sessionId, key, hash, productId, quantity, now });
      } catch (err) {
        if (err instanceof HttpError) throw err;
        // Lock waits are bounded server-side (innodb_lock_wait_timeout, far below the client
        // timeout), so these come back as errors with the batch rolled back: safe to retry.
        if ((err.code === 'ER_LOCK_DEADLOCK' || err.code === 'ER_LOCK_WAIT_TIMEOUT') && attempt < 3) {
          this.logger?.warn({ code: err.code, attempt }, 'order transaction retried');
          continue;
        }
        // A lock wait or deadlock rolled the batch back: known not placed, plain 503.
        if (err.code === 'ER_LOCK_DEADLOCK' || err.code === 'ER_LOCK_WAIT_TIMEOUT') throw unavailable(err);
        if (isDbUnavailable(err)) throw orderOutcomeUnknown(err);
        throw err;
      }
    }
  }

  /**
   * The whole transaction is ONE round trip; every refusal is an error raised by the database
   * itself, which stops the batch before its COMMIT (READ COMMITTED, set per connection):
   *  1. the product row: stock_remaining -= quantity and units_sold += quantity in one UPDATE.
   *     The sale window and the active flags are checked here, from the rows (drop window
   *     against the request's clock): outside them the subtraction is of 2^32-1. stock_remaining
   *     is UNSIGNED: going below zero is an out-of-range error (1690) in MySQL and MariaDB alike
   *     -> 409 sold_out / not_on_sale / 404 (told apart by a read after the ROLLBACK);
   *  2. INSERT the order with price, currency and drop SELECTed from the product row this
   *     transaction holds (not from the cache); the unique idempotency key turns a duplicate or
   *     a concurrent twin into ER_DUP_ENTRY -> replay the stored order (or 422);
   *  3. add the units to this customer's counter, the limit taken from the row; the CHECK
   *     (quantity <= max_quantity) fails over the limit -> 429;
   *  4. COMMIT, in the same batch: the hot row's lock is never held while waiting for Node;
   *  5. read back the order as stored (no row: the product does not exist -> 404).
   */
  async _orderTx({ sessionId, key, hash, productId, quantity, now }) {
    let conn;
    try {
      conn = await acquire(this.pool);
    } catch (err) {
      throw unavailable(err); // nothing was sent: the order was not placed
    }
    let inTx = false;
    let discard = false;
    try {
      const id = crypto.randomUUID();
      inTx = true;
      try {
        const [results] = await q(conn, `START TRANSACTION;
          UPDATE products p JOIN drops d ON d.id = p.drop_id
            SET p.stock_remaining = p.stock_remaining - IF(p.active = 1 AND d.active = 1 AND d.starts_at <= ? AND ? < d.ends_at, ?, 4294967295),
                p.units_sold = p.units_sold + ?
            WHERE p.id = ?;
          INSERT INTO orders (id, session_id, idempotency_key, request_hash, product_id, drop_id, quantity,
              unit_price_cents, total_cents, currency, status, created_at)
            SELECT ?, ?, ?, ?, p.id, p.drop_id, ?, p.price_cents, p.price_cents * ?, p.currency, 'confirmed', ?
            FROM products p WHERE p.id = ?;
          INSERT INTO customer_purchases (session_id, product_id, quantity, max_quantity)
            SELECT ?, p.id, ?, p.limit_per_customer FROM products p WHERE p.id = ?
            ON DUPLICATE KEY UPDATE quantity = customer_purchases.quantity + ?, max_quantity = p.limit_per_customer;
          COMMIT;
          SELECT * FROM orders WHERE id = ?`,
        [now, now, quantity, quantity, productId,
          id, sessionId, key, hash, quantity, quantity, new Date(now), productId,
          sessionId, quantity, productId, quantity,
          id]);
        inTx = false;
        const stored = results[5];
        if (!stored.length) throw new HttpError(404, 'product_not_found', `No product with id "${productId}".`, 'productId');
        return { order: orderJson(stored[0]), replayed: false };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (isTimeout(err) || err.fatal) {
          // The batch may still run (and COMMIT) on the server: never reuse this connection.
          inTx = false;
          discard = true;
          throw err;
        }
        if (err.code === 'ER_DUP_ENTRY') {
          inTx = false;
          const [[, existingRows]] = await q(conn, 'ROLLBACK; SELECT * FROM orders WHERE idempotency_key = ?', [key]);
          if (!existingRows.length) throw err;
          return this.replayOrThrow(existingRows[0], hash);
        }
        if (err.errno === 3819 || err.errno === 4025) { // CHECK violated (MySQL / MariaDB)
          inTx = false;
          const [[, rows]] = await q(conn, 'ROLLBACK; SELECT name, limit_per_customer FROM products WHERE id = ?', [productId]);
          const r = rows[0] ?? { name: productId, limit_per_customer: 0 };
          throw new HttpError(429, 'limit_exceeded', `At most ${Number(r.limit_per_customer)} of "${r.name}" per customer.`, 'quantity');
        }
        if (err.errno === 1690 || err.errno === 1264) { // out of range: not enough stock, or not on sale
          inTx = false;
          const [[, stockRows]] = await q(conn, `ROLLBACK; SELECT p.name, p.stock_remaining, p.active, d.active AS drop_active, d.starts_at, d.ends_at
            FROM products p JOIN drops d ON d.id = p.drop_id WHERE p.id = ?`, [productId]);
          const s = stockRows[0];
          if (!s || now < Number(s.starts_at)) {
            throw new HttpError(404, 'product_not_found', `No product with id "${productId}".`, 'productId');
          }
          if (Number(s.active) !== 1 || Number(s.drop_active) !== 1 || now >= Number(s.ends_at)) {
            throw new HttpError(409, 'not_on_sale', `"${s.name}" is no longer on sale.`, 'productId');
          }
          const left = Number(s.stock_remaining);
          throw new HttpError(409, 'sold_out', left > 0
            ? `Only ${left} of "${s.name}" left.`
            : `"${s.name}" is sold out.`, left > 0 ? 'quantity' : 'productId');
        }
        throw err;
      }
    } catch (err) {
      if (inTx) {
        await q(conn, 'ROLLBACK').catch((e) => {
          if (isTimeout(e) || e.fatal) discard = true;
        });
      }
      if (isTimeout(err)) discard = true;
      throw err;
    } finally {
      if (discard) discardConnection(conn, this.pool);
      else conn.release();
    }
  }

  async order(sessionId, id) {
    if (!ORDER_ID_RE.test(id)) return null;
    try {
      const [rows] = await q(this.pool, 'SELECT * FROM orders WHERE id = ? AND session_id = ?', [id, sessionId]);
      return rows.length ? orderJson(rows[0]) : null;
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(err) : err;
    }
  }

  async dbPing(timeout = 1000) {
    await q(this.pool, 'SELECT 1', [], timeout);
  }
}
