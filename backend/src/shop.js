// Domain services: schedule / current drop, products, sessions, orders.
import crypto from 'node:crypto';
import { ShopError, isDbUnavailable } from './lib/errors.js';
import { acquire, discardConnection, isTimeout, q } from './lib/db.js';
import { SessionSigner } from './lib/session-token.js';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
// Sessions minted before signed tokens: 32 random bytes, stored as such (looked up, negative-cached).
const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;
export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
const ORDER_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SCHEDULE_FRESH_MS = 30_000;
const STOCK_FRESH_MS = 1_000;
// In-process layer in front of memcached for the hot read documents (see Cache.getOrLoad).
const LOCAL_MS = 250;
// A legacy session id that is not in the database: remembered as unknown for this long.
const NEGATIVE_SESSION_SEC = 300;
// Customers whose session row this process has written (bounded).
const LOCAL_FLAGS_MAX = 50_000;
// An Idempotency-Key's "used" flag lives this long in memcached; after a memcached restart the
// flags of the last REPLAY_TRUST_MS of orders are re-created from MySQL (see _keyMayHaveOrder).
const KEY_FLAG_SEC = 7 * 86400;
const REPLAY_TRUST_MS = 3600e3;
export const PRODUCT_INDEX_KEY = 'products:index:v1';
// Refusals that may be the retry of an order the same key placed earlier (answered with it).
const REPLAYABLE_REFUSALS = new Set(['sold_out', 'not_on_sale', 'product_not_found']);

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

function requestHash(productId, quantity) {
  return crypto.createHash('sha256').update(JSON.stringify({ productId, quantity })).digest('hex');
}

/**
 * POST /api/orders could not learn whether its batch committed (a lost connection, a client
 * timeout): the order may or may not exist. Retrying with the SAME Idempotency-Key is safe and
 * tells: the stored order (200) if it was placed, a fresh attempt otherwise.
 */
function orderOutcomeUnknown(err) {
  return new ShopError('order_outcome_unknown',
    'We could not confirm whether your order was placed. Retry with the same Idempotency-Key: it returns the order if it was placed and never places a second one.',
    { cause: err });
}

/** The order statement refused: the product row holds another drop, price, currency or limit than
 *  the values sent (a stale or poisoned cache entry). Nothing was written; row: the row's values. */
class RowDiffers extends Error {
  constructor(row) {
    super('the product row differs from the cached product');
    this.row = row;
  }
}

const productNotFound = (id, field) => new ShopError('product_not_found', `No product with id "${id}".`, { field });

export class Shop {
  /**
   * @param {{pool: any, cache: import('./lib/cache.js').Cache, clock: {now(): number}, logger?: any}} deps
   */
  constructor({ pool, cache, clock, logger, sessionKeys = null, firstOrdersMax = 5000 }) {
    this.pool = pool;
    this.cache = cache;
    this.clock = clock;
    this.logger = logger;
    this.firstOrdersMax = firstOrdersMax;
    this.firstOrdersInFlight = 0; // orders also writing their customer's session row
    // Without configured keys (tests, a one-process local shop): a random key of this process.
    this.signer = new SessionSigner(sessionKeys ?? [crypto.randomBytes(32)], SESSION_TTL_MS);
    this.persisted = new Map(); // customerId -> expiresAt: session row written by this process
    this.unknownSessions = new Map(); // legacy id -> until (negative cache, in process)
    this.lastUnavailableAt = 0; // when the shop last answered "unavailable" (the waiting room pauses on it)
  }

  /** The shop cannot answer now (its database is down): the error to raise, and the degraded mark. */
  unavailable(cause, message = 'The shop is temporarily unavailable, please retry in a moment.') {
    this.lastUnavailableAt = Date.now();
    return new ShopError('service_unavailable', message, { cause });
  }

  /** await p; an unavailable database becomes the shop's "unavailable" answer, raised here only. */
  async _db(p) {
    try {
      return await p;
    } catch (err) {
      throw isDbUnavailable(err) ? this.unavailable(err) : err;
    }
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
    return this._db(this.cache.getOrLoad('schedule:v1', () => this.loadSchedule(), { freshMs: SCHEDULE_FRESH_MS, localMs: LOCAL_MS }));
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
    return this._db(this.cache.getOrLoad(`drop:${dropId}`, () => this.loadDropProducts(dropId), { freshMs: STOCK_FRESH_MS, localMs: LOCAL_MS }));
  }

  async currentDrop() {
    const now = this.clock.now();
    const view = Shop.pick(await this.schedule(), now);
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
      const products = await this.dropProducts(view.drop.id);
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

  async loadProductIndex() {
    const [rows] = await q(this.pool, 'SELECT p.id FROM products p JOIN drops d ON d.id = p.drop_id WHERE p.active = 1 AND d.active = 1');
    return rows.map((r) => r.id);
  }

  /** The ids of every product on sale at some point (cached like the schedule): a Set. */
  async productIndex() {
    const ids = await this.cache.getOrLoad(PRODUCT_INDEX_KEY, () => this.loadProductIndex(), { freshMs: SCHEDULE_FRESH_MS, localMs: LOCAL_MS });
    if (this._indexSrc !== ids) {
      this._indexSrc = ids;
      this._index = new Set(ids);
    }
    return this._index;
  }

  async loadProduct(id) {
    const [rows] = await q(this.pool, `SELECT ${PRODUCT_COLUMNS}, d.starts_at, d.ends_at FROM products p
      JOIN drops d ON d.id = p.drop_id WHERE p.id = ? AND p.active = 1 AND d.active = 1`, [id]);
    if (!rows.length) return null;
    return { product: productJson(rows[0]), startsAt: Number(rows[0].starts_at), endsAt: Number(rows[0].ends_at) };
  }

  async productEntry(id) {
    // Negative caching: an id that is not in the cached index never reaches memcached or MySQL.
    if (!(await this._db(this.productIndex())).has(id)) return null;
    return this._db(this.cache.getOrLoad(`product:${id}`, () => this.loadProduct(id), { freshMs: STOCK_FRESH_MS, localMs: LOCAL_MS }));
  }

  /** A product whose drop has started (live or past). Products of future drops are not revealed. */
  async product(id) {
    const entry = await this.productEntry(id);
    if (!entry || entry.startsAt > this.clock.now()) throw productNotFound(id, 'id');
    return entry.product;
  }

  // ---------- sessions ----------

  /**
   * A session row is written on a customer's first order only (sessions cost nothing to create),
   * hashed (the customer id, never the token), by that order's own transaction (one more
   * statement in its round trip: no separate INSERT, no separate commit). Bounded: beyond
   * firstOrdersMax first orders in flight, a first order is answered 503 at once instead of
   * piling up behind the database. Returns the row to write (counted in flight until placeOrder answers), or null when it
   * is written already.
   */
  _sessionToPersist(session) {
    if (this.persisted.has(session.id)) return null;
    if (this.firstOrdersInFlight >= this.firstOrdersMax) {
      throw new ShopError('busy', 'Too many new customers at once; please retry in a moment.');
    }
    this.firstOrdersInFlight++; // released by placeOrder when the order is answered
    return { id: session.id, createdAt: new Date(this.clock.now()), expiresAt: session.expiresAt };
  }

  /** A new signed session: no database write, no cache write. */
  createSession() {
    const s = this.signer.mint(this.clock.now());
    return { sessionId: s.token, expiresAt: iso(s.expiresAt) };
  }

  /**
   * @returns {Promise<{id: string, expiresAt: number}|null>} the customer id (what the database
   *   stores) when the token is valid and not expired
   */
  async resolveSession(token) {
    const now = this.clock.now();
    const signed = this.signer.verify(token, now);
    if (signed) return { id: signed.customerId, expiresAt: signed.expiresAt };
    if (typeof token !== 'string' || !SESSION_ID_RE.test(token)) return null;
    return this._resolveLegacy(token, now);
  }

  /** Sessions minted before signed tokens: looked up (memcached, then MySQL), misses negative-cached. */
  async _resolveLegacy(id, now) {
    const neg = this.unknownSessions.get(id);
    if (neg !== undefined && neg > now) return null;
    const cached = await this.cache.get(`sess:${id}`);
    if (cached !== null) return Number(cached) > now ? { id, expiresAt: Number(cached) } : null;
    const [rows] = await this._db(q(this.pool, 'SELECT expires_at FROM sessions WHERE id = ?', [id]));
    if (!rows.length || Number(rows[0].expires_at) <= now) {
      if (this.unknownSessions.size > 10_000) this.unknownSessions.clear();
      this.unknownSessions.set(id, now + NEGATIVE_SESSION_SEC * 1000);
      await this.cache.set(`sess:${id}`, '0', NEGATIVE_SESSION_SEC);
      return null;
    }
    const expiresAt = Number(rows[0].expires_at);
    this._rememberPersisted(id, expiresAt);
    await this.cache.set(`sess:${id}`, String(expiresAt), Math.max(1, Math.min(Math.ceil((expiresAt - now) / 1000), 29 * 86400)));
    return { id, expiresAt };
  }

  _rememberPersisted(id, expiresAt) {
    if (this.persisted.size >= LOCAL_FLAGS_MAX) this.persisted.clear();
    this.persisted.set(id, expiresAt);
  }

  /**
   * Whether an order may exist under this Idempotency-Key (keys are global: a retry from a new
   * session replays the order). A refusal must then look for it in MySQL. false only when sure:
   * memcached answered that the key's flag (set before any order attempt with it) is absent, and
   * its flag history is complete (idem:epoch exists: set after the flags of the last
   * REPLAY_TRUST_MS of orders were re-created from MySQL, i.e. once after a memcached start,
   * restart or flush). Limit: a retry more than REPLAY_TRUST_MS after its original order, with a
   * memcached restart (or an eviction of that flag) in between, is refused like a new request
   * instead of replayed; the order itself is never lost and stays readable.
   */
  async _keyMayHaveOrder(key) {
    if (!(await this._flagsComplete())) return true;
    const v = await this.cache.getStrict(`idem:${key}`);
    return v !== null; // '1', or undefined when memcached did not answer: maybe
  }

  /** Whether memcached's key flags are complete (kept 1 s in process); starts the re-fill if not. */
  async _flagsComplete() {
    if (this._epoch && this._epoch.until > Date.now()) return this._epoch.value;
    const v = await this.cache.getStrict('idem:epoch');
    let value = typeof v === 'string';
    if (v === null && (await this.cache.add('idem:refill', '1', 120)) === true) {
      this._refillFlags().catch((err) => this.logger?.warn({ err: err.message }, 'idempotency flags not re-filled; refusals look in MySQL meanwhile'));
    }
    if (v === undefined) value = false;
    this._epoch = { value, until: Date.now() + 1000 };
    return value;
  }

  /** Re-create the flags of recent orders from MySQL, then mark the history complete. */
  async _refillFlags() {
    const since = this.clock.now() - REPLAY_TRUST_MS;
    const [rows] = await q(this.pool, 'SELECT idempotency_key FROM orders WHERE created_at >= ?', [new Date(since)], 30_000);
    for (let i = 0; i < rows.length; i += 100) {
      const ok = await Promise.all(rows.slice(i, i + 100).map((r) => this.cache.set(`idem:${r.idempotency_key}`, '1', KEY_FLAG_SEC)));
      if (ok.includes(false)) throw new Error('memcached refused a flag');
    }
    await this.cache.set('idem:epoch', String(since), 0);
    await this.cache.del('idem:refill');
    this._epoch = null;
    this.logger?.info({ flags: rows.length }, 'idempotency flags re-filled from MySQL');
  }

  /**
   * Before an order attempt: flag its key (so a later refusal knows to look for a replay; if
   * memcached fails here the flag history is reset so absence is not trusted).
   */
  async _beforeOrder(key) {
    if (!(await this.cache.set(`idem:${key}`, '1', KEY_FLAG_SEC))) {
      await this.cache.del('idem:epoch');
      this._epoch = null;
    }
  }

  /** Delete expired sessions (their orders stay). Returns the number of rows deleted. */
  async purgeExpiredSessions({ batch = 5000, maxBatches = 100 } = {}) {
    const now = this.clock.now();
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const [r] = await q(this.pool, 'DELETE FROM sessions WHERE expires_at <= ? LIMIT ?', [now, batch], 30_000);
      total += r.affectedRows;
      if (r.affectedRows < batch) break;
    }
    for (const [id, exp] of this.persisted) if (exp <= now) this.persisted.delete(id);
    return total;
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
      throw new ShopError('idempotency_key_reused',
        'This Idempotency-Key was already used for a different order request; use a new key for a new order.', { field: 'Idempotency-Key' });
    }
    return { order: orderJson(row), replayed: true };
  }

  /**
   * Place an order. Exactly-once per idempotency key; never oversells. The cache only drives
   * fast refusals: price, currency, drop, limit and sale window come from the rows, inside the
   * order statement.
   * @returns {Promise<{order: object, replayed: boolean}>}
   */
  async placeOrder({ session: given, sessionId: idOnly, key, productId, quantity }) {
    // session: as resolveSession() returns it; a bare sessionId (callers without a token) too
    const session = given ?? { id: idOnly, expiresAt: this.clock.now() + SESSION_TTL_MS };
    const sessionId = session.id;
    const hash = requestHash(productId, quantity);
    // A request that is refused before the transaction may still be a replay of an order that
    // succeeded earlier (e.g. the client retries after the item sold out): answer with that order.
    // A key never used for an order attempt has none: refused without a database statement.
    const refuse = async (err) => {
      if (!(await this._keyMayHaveOrder(key))) throw err;
      const prior = await this._db(this.findOrderByKey(this.pool, key));
      if (prior) return this.replayOrThrow(prior, hash);
      throw err;
    };
    const notFound = () => productNotFound(productId, 'productId');

    const entry = await this.productEntry(productId);
    if (!entry) return refuse(notFound());
    const now = this.clock.now();
    const p = entry.product;
    // A product of a drop that has not started is not revealed (as GET /api/products/:id).
    if (now < entry.startsAt) return refuse(notFound());
    if (now >= entry.endsAt) {
      return refuse(new ShopError('not_on_sale', `"${p.name}" is not part of the live drop.`, { field: 'productId' }));
    }
    if (quantity > p.limitPerCustomer) {
      return refuse(new ShopError('limit_exceeded', `At most ${p.limitPerCustomer} of "${p.name}" per customer.`, { field: 'quantity' }));
    }
    // Fast path: stock only goes down during a drop, so a cached 0 is (almost always) still 0.
    // soldOutSeen: the database refused this entry's product as sold out since the entry was
    // read (the entry object lives only as long as the cache's in-process layer, 250 ms), so
    // the refusals that arrive before the cached stock shows 0 cost no statement either.
    if (p.stockRemaining === 0 || entry.soldOutSeen) {
      return refuse(new ShopError('sold_out', `"${p.name}" is sold out.`, { field: 'productId' }));
    }

    const newSession = this._sessionToPersist(session);
    try {
      await this._beforeOrder(key);
      return await this._placeOrder({ sessionId, key, hash, productId, quantity, now, p, entry, refuse, newSession });
    } finally {
      if (newSession) this.firstOrdersInFlight--;
    }
  }

  /** The order statement, retried on a stale cache entry or a lock wait; the refusals mapped. */
  async _placeOrder({ sessionId, key, hash, productId, quantity, now, p, entry, refuse, newSession }) {
    // What the order will write, as the cache shows it; the order statement writes it only if the
    // locked row holds exactly these values (else it refuses, and the row's values are used).
    let expect = { dropId: p.dropId, priceCents: p.priceCents, currency: p.currency, limitPerCustomer: p.limitPerCustomer };
    for (let attempt = 1; ; attempt++) {
      try {
        const placed = await this._orderTx({ sessionId, key, hash, productId, quantity, now, expect, newSession });
        if (newSession) this._rememberPersisted(newSession.id, newSession.expiresAt);
        return placed;
      } catch (err) {
        // The cached price, currency, drop or limit differed from the row (a stale or poisoned
        // entry): nothing was written; again with the row's own values.
        if (err instanceof RowDiffers && attempt < 3) {
          expect = err.row;
          continue;
        }
        if (err instanceof RowDiffers) throw this.unavailable(null, 'The product changed while we placed your order; please retry.');
        if (err instanceof ShopError && err.code === 'sold_out' && err.left === 0) entry.soldOutSeen = true;
        // A refusal by the database may be the retry of an order this key placed before the
        // item sold out: answer with it.
        if (err instanceof ShopError) return REPLAYABLE_REFUSALS.has(err.code) ? refuse(err) : Promise.reject(err);
        // Lock waits are bounded server-side (innodb_lock_wait_timeout, far below the client
        // timeout), so these come back as errors with the batch rolled back: safe to retry.
        if ((err.code === 'ER_LOCK_DEADLOCK' || err.code === 'ER_LOCK_WAIT_TIMEOUT') && attempt < 3) {
          this.logger?.warn({ code: err.code, attempt }, 'order transaction retried');
          continue;
        }
        // A lock wait or deadlock rolled the batch back: known not placed, plain 503.
        if (err.code === 'ER_LOCK_DEADLOCK' || err.code === 'ER_LOCK_WAIT_TIMEOUT') throw this.unavailable(err);
        if (isDbUnavailable(err)) throw orderOutcomeUnknown(err);
        throw err;
      }
    }
  }

  /**
   * The whole transaction is ONE round trip of plain statements (no SELECT, no join: each one
   * costs MariaDB a parse and no optimizer pass); every refusal is an error raised by the
   * database itself, which stops the batch before its COMMIT (READ COMMITTED, set per connection):
   *  1. INSERT the order with the values `expect` names (the cached product's drop, price,
   *     currency); the unique idempotency key turns a duplicate or a concurrent twin into
   *     ER_DUP_ENTRY -> replay the stored order (or 422). No product lock is held yet;
   *  2. the product row, locked by a single-table UPDATE: stock_remaining -= quantity and
   *     units_sold += quantity, only if the row is on sale at the request's clock (its active
   *     flag and its drop's window and flag, copied onto the row by every catalogue load,
   *     migration 004) AND holds exactly the drop, price, currency and limit of step 1 and 3.
   *     Otherwise the subtraction is of 2^32-1: stock_remaining is UNSIGNED, so that, and taking
   *     more than is left, is an out-of-range error (1690) in MySQL and MariaDB alike -> a read
   *     after the ROLLBACK tells 404 / not_on_sale / limit / sold_out from "the row differs"
   *     (RowDiffers: placed again with the row's values). So the order holds the row's values,
   *     verified under the row lock that the COMMIT releases: never the cache's;
   *  3. add the units to this customer's counter with the row's limit (verified in 2); the CHECK
   *     (quantity <= max_quantity) fails over the limit -> 429. Its quantity is -1, an
   *     out-of-range error (1264), when step 2 changed no row: no such product -> 404;
   *  4. COMMIT, in the same batch: the hot row's lock is held for steps 2-4 only, inside the
   *     server, never while waiting for Node.
   * The response is built from the values written, which are the row's (created_at is stored
   * with millisecond precision, as sent).
   */
  async _orderTx({ sessionId, key, hash, productId, quantity, now, expect, newSession = null }) {
    let conn;
    try {
      conn = await acquire(this.pool);
    } catch (err) {
      throw this.unavailable(err); // nothing was sent: the order was not placed
    }
    let inTx = false;
    let discard = false;
    try {
      const id = crypto.randomUUID();
      const createdAt = new Date(now);
      const { dropId, priceCents, currency, limitPerCustomer } = expect;
      const total = priceCents * quantity;
      inTx = true;
      try {
        await q(conn, `START TRANSACTION;${newSession ? `
          INSERT IGNORE INTO sessions (id, created_at, expires_at) VALUES (?, ?, ?);` : ''}
          INSERT INTO orders (id, session_id, idempotency_key, request_hash, product_id, drop_id, quantity,
              unit_price_cents, total_cents, currency, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'confirmed', ?);
          UPDATE products SET stock_remaining = stock_remaining - IF(active = 1 AND drop_active = 1
                AND drop_starts_at <= ? AND ? < drop_ends_at
                AND drop_id = ? AND price_cents = ? AND currency = ? AND limit_per_customer = ?, ?, 4294967295),
              units_sold = units_sold + ?
            WHERE id = ?;
          INSERT INTO customer_purchases (session_id, product_id, quantity, max_quantity)
            VALUES (?, ?, IF(ROW_COUNT() = 1, ?, -1), ?)
            ON DUPLICATE KEY UPDATE quantity = quantity + ?, max_quantity = ?;
          COMMIT`,
        [...(newSession ? [newSession.id, newSession.createdAt, newSession.expiresAt] : []),
          id, sessionId, key, hash, productId, dropId, quantity, priceCents, total, currency, createdAt,
          now, now, dropId, priceCents, currency, limitPerCustomer, quantity, quantity, productId,
          sessionId, productId, quantity, limitPerCustomer, quantity, limitPerCustomer]);
        inTx = false;
        return {
          order: { id, productId, quantity, totalCents: total, currency, status: 'confirmed', createdAt: createdAt.toISOString() },
          replayed: false,
        };
      } catch (err) {
        if (err instanceof ShopError) throw err;
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
          throw new ShopError('limit_exceeded', `At most ${Number(r.limit_per_customer)} of "${r.name}" per customer.`, { field: 'quantity' });
        }
        if (err.errno === 1690 || err.errno === 1264) { // out of range: no such row, not on sale, not enough stock, or the row differs
          inTx = false;
          const [[, stockRows]] = await q(conn, `ROLLBACK; SELECT name, stock_remaining, active, drop_active, drop_starts_at, drop_ends_at,
              drop_id, price_cents, currency, limit_per_customer FROM products WHERE id = ?`, [productId]);
          const s = stockRows[0];
          if (!s || now < Number(s.drop_starts_at)) throw productNotFound(productId, 'productId');
          if (Number(s.active) !== 1 || Number(s.drop_active) !== 1 || now >= Number(s.drop_ends_at)) {
            throw new ShopError('not_on_sale', `"${s.name}" is no longer on sale.`, { field: 'productId' });
          }
          const limit = Number(s.limit_per_customer);
          if (quantity > limit) throw new ShopError('limit_exceeded', `At most ${limit} of "${s.name}" per customer.`, { field: 'quantity' });
          const left = Number(s.stock_remaining);
          if (left < quantity) {
            const e = new ShopError('sold_out', left > 0
              ? `Only ${left} of "${s.name}" left.`
              : `"${s.name}" is sold out.`, { field: left > 0 ? 'quantity' : 'productId' });
            e.left = left;
            throw e;
          }
          throw new RowDiffers({ dropId: s.drop_id, priceCents: Number(s.price_cents), currency: s.currency, limitPerCustomer: limit });
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

  /** The customer's own order; anyone else's (or no such order) is not found. */
  async order(sessionId, id) {
    const rows = ORDER_ID_RE.test(id)
      ? (await this._db(q(this.pool, 'SELECT * FROM orders WHERE id = ? AND session_id = ?', [id, sessionId])))[0]
      : [];
    if (!rows.length) throw new ShopError('order_not_found', 'No such order for this session.', { field: 'id' });
    return orderJson(rows[0]);
  }

  async dbPing(timeout = 1000) {
    await q(this.pool, 'SELECT 1', [], timeout);
  }
}
