// Idempotent catalogue load (upsert).
//
// Rules (what a re-deploy in the middle of a live drop does):
// - events, drops and product texts/prices/images/limits are overwritten from the files;
// - stock: units already sold are kept. For an existing product,
//       sold = stock_total - stock_remaining            (from the database)
//       stock_total := catalogue stock, stock_remaining := max(catalogue stock - sold, 0)
//   so re-loading the same files changes nothing, raising stock adds exactly the new units, and
//   lowering stock never makes sold units "unsold" nor remaining stock negative;
// - rows are locked (SELECT ... FOR UPDATE) while being updated, so concurrent orders and a
//   concurrent load serialise correctly;
// - products / drops that disappeared from the files are deactivated (never deleted: orders
//   reference them);
// - existing orders keep their own price; a price change applies to new orders only.
import { addDays, daysBetween, localDate, startOfLocalDay } from '../lib/time.js';

/** Dates of an event's drops, shifted so that the first drop is "today" in the event's zone. */
export function shiftEventToToday(event, nowMs) {
  const today = localDate(nowMs, event.timeZone);
  const offset = daysBetween(event.drops[0].date, today);
  return { ...event, drops: event.drops.map((d) => ({ ...d, date: addDays(d.date, offset) })) };
}

export function dropWindow(date, timeZone) {
  return { startsAt: startOfLocalDay(date, timeZone), endsAt: startOfLocalDay(addDays(date, 1), timeZone) };
}

/**
 * @param {import('mysql2/promise').Pool} pool
 * @param {object[]} events validated events (validateCatalogDir().events)
 * @param {{nowMs: number, shiftToToday?: boolean, logger?: any}} o
 * @returns {Promise<{events:number, drops:number, productsInserted:number, productsUpdated:number, deactivated:number, touchedProducts:string[], touchedDrops:string[]}>}
 */
export async function loadCatalog(pool, events, { nowMs, shiftToToday = false, logger } = {}) {
  const summary = { events: 0, drops: 0, productsInserted: 0, productsUpdated: 0, deactivated: 0, touchedProducts: [], touchedDrops: [] };
  const now = new Date(nowMs);
  for (const original of events) {
    const ev = shiftToToday ? shiftEventToToday(original, nowMs) : original;
    const conn = await pool.getConnection();
    try {
      await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      await conn.query(
        'INSERT INTO events (id, name, time_zone, updated_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE name = ?, time_zone = ?, updated_at = ?',
        [ev.id, ev.name, ev.timeZone, now, ev.name, ev.timeZone, now],
      );
      summary.events++;
      const fileDropIds = ev.drops.map((d) => d.id);
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
      const allProducts = ev.drops.flatMap((d) => d.products.map((p) => ({ ...p, dropId: d.id })));
      const ids = allProducts.map((p) => p.id);
      const [existingRows] = await conn.query(
        'SELECT id, stock_total, stock_remaining FROM products WHERE id IN (?) FOR UPDATE', [ids],
      );
      const existing = new Map(existingRows.map((r) => [r.id, r]));
      for (const p of allProducts) {
        const ex = existing.get(p.id);
        if (!ex) {
          await conn.query(
            `INSERT INTO products (id, drop_id, position, name, description, price_cents, currency, image_url,
               stock_total, stock_remaining, limit_per_customer, active, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
            [p.id, p.dropId, p.position, p.name, p.description, p.priceCents, p.currency, p.imageUrl,
              p.stock, p.stock, p.limitPerCustomer, now],
          );
          summary.productsInserted++;
        } else {
          const sold = Number(ex.stock_total) - Number(ex.stock_remaining);
          const remaining = Math.max(p.stock - sold, 0);
          if (sold > p.stock) {
            logger?.warn({ product: p.id, sold, stock: p.stock }, 'catalogue stock is below units already sold; remaining set to 0');
          }
          await conn.query(
            `UPDATE products SET drop_id = ?, position = ?, name = ?, description = ?, price_cents = ?, currency = ?,
               image_url = ?, stock_total = ?, stock_remaining = ?, limit_per_customer = ?, active = 1, updated_at = ?
             WHERE id = ?`,
            [p.dropId, p.position, p.name, p.description, p.priceCents, p.currency, p.imageUrl,
              p.stock, remaining, p.limitPerCustomer, now, p.id],
          );
          summary.productsUpdated++;
        }
        summary.touchedProducts.push(p.id);
      }
      // Deactivate what disappeared from the file (drops of this event, products of those drops).
      const [gone] = await conn.query(
        `UPDATE products p JOIN drops d ON d.id = p.drop_id SET p.active = 0, p.updated_at = ?
         WHERE d.event_id = ? AND p.active = 1 AND p.id NOT IN (?)`, [now, ev.id, ids],
      );
      const [goneDrops] = await conn.query(
        'UPDATE drops SET active = 0, updated_at = ? WHERE event_id = ? AND active = 1 AND id NOT IN (?)',
        [now, ev.id, fileDropIds],
      );
      summary.deactivated += gone.affectedRows + goneDrops.affectedRows;
      await conn.commit();
      logger?.info({ event: ev.id, file: ev.file, drops: ev.drops.length, products: allProducts.length, firstDay: ev.drops[0].date }, 'catalogue event loaded');
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  }
  return summary;
}
