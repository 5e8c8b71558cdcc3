// Catalogue load: the one function the deploy stage (and `node src/cli/catalog-load.js`) runs to
// make the database match backend/catalog. What a load does to stock and orders:
//
// - Units sold are a column of their own (products.units_sold), counted by the order statement
//   in the same UPDATE that decrements stock_remaining. A load never derives sales from
//   stock_total - stock_remaining: it re-counts units_sold from the confirmed orders (under the
//   product row locks, so no order can commit in between) and sets
//       stock_total := catalogue stock,  stock_remaining := max(catalogue stock - units_sold, 0)
//   so a pause (stock 0) and a restore (stock 10) after 6 sales leaves 4 for sale, raising stock
//   adds exactly the new units, lowering it never makes sold units "unsold" nor remaining < 0.
// - The catalogue revision (a document's "revision", 0 when absent) is monotonic per event: a
//   document older than the revision loaded is refused (CatalogRevisionError, nothing changes);
//   a document identical to the loaded one (same revision, same content digest) is skipped with a
//   plain read: no transaction, no row locks, so a redeploy in the rush does not touch hot rows.
// - Events whose file was deleted are deactivated (with their drops and products); products /
//   drops that disappeared from a file are deactivated too (never deleted: orders reference them).
//   Re-adding them reactivates them with their units sold intact.
// - Existing orders keep their own price; a price change applies to new orders only.
import crypto from 'node:crypto';
import { addDays, daysBetween, localDate, startOfLocalDay } from '../lib/time.js';
import { LOCK_WAIT_TIMEOUT_S } from '../lib/db.js';

/** A load that would go back in time: the documents named are older than what is loaded. */
export class CatalogRevisionError extends Error {
  constructor(refusals) {
    super(`catalogue refused: ${refusals.map((r) => `${r.file ?? r.event}: revision ${r.revision} is older than the loaded revision ${r.loadedRevision} of event "${r.event}"`).join('; ')}`);
    this.name = 'CatalogRevisionError';
    this.refusals = refusals;
  }
}

/** Dates of an event's drops, shifted so that the first drop is "today" in the event's zone. */
export function shiftEventToToday(event, nowMs) {
  const today = localDate(nowMs, event.timeZone);
  const offset = daysBetween(event.drops[0].date, today);
  return { ...event, drops: event.drops.map((d) => ({ ...d, date: addDays(d.date, offset) })) };
}

function dropWindow(date, timeZone) {
  return { startsAt: startOfLocalDay(date, timeZone), endsAt: startOfLocalDay(addDays(date, 1), timeZone) };
}

/** sha256 of everything a load writes for an event (after any shift to today), in a fixed order. */
// The format of what a load writes: raised when a load writes more (4: products carry their drop's
// window, migration 004), so a document loaded by an earlier loader is loaded again once (its
// stored digest never matches) instead of skipped with rows that earlier loader did not write.
const LOAD_FORMAT = 4;

function eventDigest(ev) {
  const canonical = {
    format: LOAD_FORMAT,
    id: ev.id, name: ev.name, timeZone: ev.timeZone,
    drops: ev.drops.map((d) => ({
      id: d.id, date: d.date,
      products: d.products.map((p) => [p.id, p.position, p.name, p.description, p.priceCents, p.currency, p.imageUrl, p.stock, p.limitPerCustomer]),
    })),
  };
  return crypto.createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

const emptySummary = () => ({
  events: 0, drops: 0, productsInserted: 0, productsUpdated: 0, deactivated: 0,
  skippedEvents: [], removedEvents: [], touchedProducts: [], touchedDrops: [],
});

/**
 * @param {import('mysql2/promise').Pool} pool
 * @param {object[]} events validated events (validateCatalogDir().events)
 * @param {{nowMs: number, shiftToToday?: boolean, logger?: any}} o
 * @returns {Promise<{events:number, drops:number, productsInserted:number, productsUpdated:number, deactivated:number, skippedEvents:string[], removedEvents:string[], touchedProducts:string[], touchedDrops:string[]}>}
 * @throws {CatalogRevisionError} when a document is older than the loaded revision (nothing changed)
 */
export async function loadCatalog(pool, events, { nowMs, shiftToToday = false, logger } = {}) {
  const summary = emptySummary();
  const now = new Date(nowMs);
  const planned = events.map((original) => {
    const ev = shiftToToday ? shiftEventToToday(original, nowMs) : original;
    return { ev, revision: Number(ev.revision ?? 0), digest: eventDigest(ev) };
  });
  // Plain read (no locks): what is loaded now.
  const [storedRows] = await pool.query('SELECT id, catalog_revision, catalog_sha256, active FROM events');
  const stored = new Map(storedRows.map((r) => [r.id, r]));
  const refusals = [];
  for (const { ev, revision } of planned) {
    const st = stored.get(ev.id);
    if (st && revision < Number(st.catalog_revision)) {
      refusals.push({ event: ev.id, file: ev.file, revision, loadedRevision: Number(st.catalog_revision) });
    }
  }
  if (refusals.length) throw new CatalogRevisionError(refusals);

  for (const { ev, revision, digest } of planned) {
    const st = stored.get(ev.id);
    if (st && Number(st.active) === 1 && st.catalog_sha256 === digest && Number(st.catalog_revision) === revision) {
      summary.skippedEvents.push(ev.id);
      logger?.info({ event: ev.id, revision }, 'catalogue event unchanged; skipped');
      continue;
    }
    await loadEvent(pool, ev, { revision, digest, now, summary, logger });
  }

  const inLoad = new Set(planned.map((p) => p.ev.id));
  for (const r of storedRows) {
    if (Number(r.active) === 1 && !inLoad.has(r.id)) await removeEvent(pool, r.id, { now, summary, logger });
  }
  return summary;
}

// Lock order: the product rows first, then the drops. An order locks only its product row (its
// drop's window is copied onto that row, see mirrorDrops); taking the product rows first keeps
// every drop change of a load behind the orders that hold those rows. A deadlock is retried anyway.
async function withTx(pool, fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await txOnce(pool, fn);
    } catch (err) {
      if (err.code !== 'ER_LOCK_DEADLOCK' || attempt >= 3) throw err;
    }
  }
}

async function txOnce(pool, fn) {
  const conn = await pool.getConnection();
  try {
    // A load may queue behind the rush on a hot product row: give it longer than an order gets.
    await conn.query('SET SESSION innodb_lock_wait_timeout = 30');
    await conn.beginTransaction();
    const r = await fn(conn);
    await conn.commit();
    return r;
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    await conn.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_TIMEOUT_S}`).catch(() => {});
    conn.release();
  }
}

function merge(summary, part) {
  for (const [k, v] of Object.entries(part)) {
    if (Array.isArray(v)) summary[k].push(...v);
    else summary[k] += v;
  }
}

async function loadEvent(pool, ev, { revision, digest, now, summary: total, logger }) {
  // counted per attempt: a transaction retried after a deadlock counts once
  merge(total, await withTx(pool, async (conn) => {
    const summary = emptySummary();
    // Re-checked under the event row lock: two loads racing cannot both pass the plain read.
    const [[lockedEvent]] = await conn.query('SELECT catalog_revision FROM events WHERE id = ? FOR UPDATE', [ev.id]);
    if (lockedEvent && revision < Number(lockedEvent.catalog_revision)) {
      throw new CatalogRevisionError([{ event: ev.id, file: ev.file, revision, loadedRevision: Number(lockedEvent.catalog_revision) }]);
    }
    const allProducts = ev.drops.flatMap((d) => d.products.map((p) => ({ ...p, dropId: d.id })));
    const ids = allProducts.map((p) => p.id);
    const fileDropIds = ev.drops.map((d) => d.id);
    // Lock the product rows first (those in the file and every product of the event's drops): an
    // order for them either committed before (and is counted below) or waits for this
    // transaction (and counts itself in units_sold afterwards).
    const [eventDrops] = await conn.query('SELECT id FROM drops WHERE event_id = ?', [ev.id]);
    const dropIds = [...new Set([...fileDropIds, ...eventDrops.map((r) => r.id)])];
    const [lockedRows] = await conn.query(
      'SELECT id, drop_id, active, units_sold FROM products WHERE id IN (?) OR drop_id IN (?) FOR UPDATE', [ids, dropIds],
    );
    await conn.query(
      `INSERT INTO events (id, name, time_zone, updated_at, catalog_revision, catalog_sha256, active) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON DUPLICATE KEY UPDATE name = ?, time_zone = ?, updated_at = ?, catalog_revision = ?, catalog_sha256 = ?, active = 1`,
      [ev.id, ev.name, ev.timeZone, now, revision, digest, ev.name, ev.timeZone, now, revision, digest],
    );
    summary.events++;
    for (const d of ev.drops) {
      const w = dropWindow(d.date, ev.timeZone);
      await conn.query(
        `INSERT INTO drops (id, event_id, drop_date, starts_at, ends_at, active, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON DUPLICATE KEY UPDATE event_id = ?, drop_date = ?, starts_at = ?, ends_at = ?, active = 1, updated_at = ?`,
        [d.id, ev.id, d.date, w.startsAt, w.endsAt, now, ev.id, d.date, w.startsAt, w.endsAt, now],
      );
      summary.drops++;
      summary.touchedDrops.push(d.id);
    }
    const existing = new Map(lockedRows.map((r) => [r.id, r]));
    const [soldRows] = await conn.query(
      `SELECT product_id, SUM(quantity) AS sold FROM orders WHERE product_id IN (?) AND status = 'confirmed' GROUP BY product_id`, [ids],
    );
    const soldById = new Map(soldRows.map((r) => [r.product_id, Number(r.sold)]));
    for (const p of allProducts) {
      const ex = existing.get(p.id);
      const sold = soldById.get(p.id) ?? 0;
      const remaining = Math.max(p.stock - sold, 0);
      if (!ex) {
        await conn.query(
          `INSERT INTO products (id, drop_id, position, name, description, price_cents, currency, image_url,
             stock_total, stock_remaining, units_sold, limit_per_customer, active, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
          [p.id, p.dropId, p.position, p.name, p.description, p.priceCents, p.currency, p.imageUrl,
            p.stock, remaining, sold, p.limitPerCustomer, now],
        );
        summary.productsInserted++;
      } else {
        if (Number(ex.units_sold) !== sold) {
          logger?.warn({ product: p.id, counted: Number(ex.units_sold), inOrders: sold }, 'units_sold differed from the confirmed orders; set from the orders');
        }
        if (sold > p.stock) {
          logger?.warn({ product: p.id, sold, stock: p.stock }, 'catalogue stock is below units already sold; remaining set to 0');
        }
        await conn.query(
          `UPDATE products SET drop_id = ?, position = ?, name = ?, description = ?, price_cents = ?, currency = ?,
             image_url = ?, stock_total = ?, stock_remaining = ?, units_sold = ?, limit_per_customer = ?, active = 1, updated_at = ?
           WHERE id = ?`,
          [p.dropId, p.position, p.name, p.description, p.priceCents, p.currency, p.imageUrl,
            p.stock, remaining, sold, p.limitPerCustomer, now, p.id],
        );
        summary.productsUpdated++;
      }
      summary.touchedProducts.push(p.id);
    }
    // Deactivate what disappeared from the file (drops of this event, products of those drops).
    const inFile = new Set(ids);
    const eventDropIds = new Set(eventDrops.map((r) => r.id));
    const goneProducts = lockedRows.filter((r) => !inFile.has(r.id) && Number(r.active) === 1 && eventDropIds.has(r.drop_id));
    if (goneProducts.length) {
      await conn.query('UPDATE products SET active = 0, updated_at = ? WHERE id IN (?)', [now, goneProducts.map((r) => r.id)]);
      summary.touchedProducts.push(...goneProducts.map((r) => r.id));
    }
    const [goneDrops] = await conn.query(
      'UPDATE drops SET active = 0, updated_at = ? WHERE event_id = ? AND active = 1 AND id NOT IN (?)',
      [now, ev.id, fileDropIds],
    );
    await mirrorDrops(conn, [...new Set([...ids, ...lockedRows.map((r) => r.id)])]);
    summary.deactivated += goneProducts.length + goneDrops.affectedRows;
    return summary;
  }));
  logger?.info({ event: ev.id, file: ev.file, revision, drops: ev.drops.length, firstDay: ev.drops[0].date }, 'catalogue event loaded');
}

/**
 * Copy each product's drop window and active flag onto the product row (migration 004): the order
 * statement decides "on sale" from the one row it locks. Called last in every load transaction,
 * with these product rows locked (FOR UPDATE, first thing in the transaction) and the drops as
 * this transaction wrote them, so an order sees the copy exactly as committed with its row.
 */
async function mirrorDrops(conn, productIds) {
  if (!productIds.length) return;
  await conn.query(`UPDATE products p JOIN drops d ON d.id = p.drop_id
    SET p.drop_starts_at = d.starts_at, p.drop_ends_at = d.ends_at, p.drop_active = d.active WHERE p.id IN (?)`, [productIds]);
}

/** The event's file is gone from the catalogue: take its drops and products off sale. */
async function removeEvent(pool, eventId, { now, summary: total, logger }) {
  merge(total, await withTx(pool, async (conn) => {
    const summary = emptySummary();
    const [eventDrops] = await conn.query('SELECT id FROM drops WHERE event_id = ?', [eventId]);
    const dropIds = eventDrops.map((r) => r.id);
    const [products] = dropIds.length
      ? await conn.query('SELECT id FROM products WHERE drop_id IN (?) AND active = 1 FOR UPDATE', [dropIds])
      : [[]];
    const [drops] = dropIds.length ? await conn.query('SELECT id FROM drops WHERE id IN (?) AND active = 1 FOR UPDATE', [dropIds]) : [[]];
    if (products.length) await conn.query('UPDATE products SET active = 0, updated_at = ? WHERE id IN (?)', [now, products.map((r) => r.id)]);
    if (drops.length) await conn.query('UPDATE drops SET active = 0, updated_at = ? WHERE id IN (?)', [now, drops.map((r) => r.id)]);
    await conn.query('UPDATE events SET active = 0, updated_at = ? WHERE id = ?', [now, eventId]);
    await mirrorDrops(conn, products.map((r) => r.id));
    summary.deactivated += products.length + drops.length;
    summary.removedEvents.push(eventId);
    summary.touchedProducts.push(...products.map((r) => r.id));
    summary.touchedDrops.push(...drops.map((r) => r.id));
    return summary;
  }));
  logger?.warn({ event: eventId }, 'catalogue file of this event is gone: its drops and products are off sale');
}
