// The order transaction alone, against the real MariaDB: what one confirmed order costs the
// database (CPU ms of mariadbd per order, from /proc) and how many a pool of 20 connections
// confirms per second on 5 hot products, for
//   current    Shop._orderTx as it is (src/shop.js: the order INSERTed with the cached product's
//              values, the single-table stock UPDATE that checks the locked row is on sale and
//              holds exactly those values, the customer's counter, COMMIT; no SELECT, no join),
//   7711f3e    the issue-12 statement before that (commit 7711f3e: the stock UPDATE joined with
//              the drop row for the window first, the order and the counter INSERT ... SELECTed
//              from the locked row, COMMIT, the stored order read back),
//   2c66e00    the statement of commit 2c66e00, before issue 12 (order and counter INSERTed with
//              values from the cache and never checked against the row, the stock UPDATE last,
//              COMMIT), kept here as the yardstick.
// Rounds rotate the order of the forms, so a machine that gets busier or quieter mid-run shows
// as a spread, not as a difference. Every order commits (stock 10^8 per product, limit 100).
//
//   node bench/order-tx.js [--orders 2000] [--rounds 4] [--connections 20] [--products 5]
// Needs DB_* of a loopback MariaDB (scripts/test-servers.sh env); creates and drops em_bench_ordertx.
import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createAdminConnection, createPool, q } from '../src/lib/db.js';
import { migrate } from '../src/migrate.js';
import { Shop } from '../src/shop.js';
import { cpuMs, serverPid } from './proc-cpu.js';

const { values: opt } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '20' },
    products: { type: 'string', default: '5' },
  },
});
const N = Number(opt.orders);
const ROUNDS = Number(opt.rounds);
const CONNS = Number(opt.connections);
const PRODUCTS = Number(opt.products);
for (const [k, v] of Object.entries({ orders: N, rounds: ROUNDS, connections: CONNS, products: PRODUCTS })) {
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`order-tx: --${k} must be a positive whole number`);
    process.exit(2);
  }
}
const db = { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD, database: 'em_bench_ordertx' };
if (!db.host || !db.user || !['127.0.0.1', 'localhost'].includes(db.host)) {
  console.error('order-tx: DB_HOST (loopback) and DB_USER needed: eval "$(scripts/test-servers.sh env)"');
  process.exit(2);
}
const dbPid = serverPid('mariadbd', db.port) ?? serverPid('mysqld', db.port);

const admin = await createAdminConnection(db, { noDatabase: true });
await admin.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
await admin.end();
await migrate(db, null);
const setup = await createAdminConnection(db);
const now = Date.now();
await setup.query("INSERT INTO events (id, name, time_zone, updated_at) VALUES ('bench-event', 'Bench', 'UTC', NOW(3))");
await setup.query("INSERT INTO drops (id, event_id, drop_date, starts_at, ends_at, active, updated_at) VALUES ('bench-d1', 'bench-event', UTC_DATE(), ?, ?, 1, NOW(3))", [now - 3600e3, now + 86400e3]);
const productIds = Array.from({ length: PRODUCTS }, (_, i) => `bench-p${i + 1}`);
for (const [i, id] of productIds.entries()) {
  await setup.query(`INSERT INTO products (id, drop_id, position, name, description, price_cents, currency, image_url,
      stock_total, stock_remaining, limit_per_customer, active, updated_at, drop_starts_at, drop_ends_at, drop_active)
    VALUES (?, 'bench-d1', ?, 'Bench item', 'bench', 4900, 'EUR', '/x.jpg', 100000000, 100000000, 100, 1, NOW(3), ?, ?, 1)`, [id, i, now - 3600e3, now + 86400e3]);
}
await setup.end();

const pool = createPool(db, { connectionLimit: CONNS });
const shop = new Shop({ pool, cache: null, clock: { now: () => Date.now() } });
const OLD_SQL = `START TRANSACTION;
  INSERT INTO orders (id, session_id, idempotency_key, request_hash, product_id, drop_id, quantity,
    unit_price_cents, total_cents, currency, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
  INSERT INTO customer_purchases (session_id, product_id, quantity, max_quantity) VALUES (?, ?, ?, ?)
    ON DUPLICATE KEY UPDATE quantity = quantity + ?, max_quantity = ?;
  UPDATE products SET stock_remaining = stock_remaining - IF(active = 1, ?, 4294967295) WHERE id = ?;
  COMMIT`;
const ISSUE12_SQL = `START TRANSACTION;
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
  SELECT * FROM orders WHERE id = ?`;
const expect = { dropId: 'bench-d1', priceCents: 4900, currency: 'EUR', limitPerCustomer: 100 };
const forms = {
  current: (sessionId, key, productId) => shop._orderTx({ sessionId, key, hash: 'h'.repeat(64), productId, quantity: 1, now: Date.now(), expect }),
  '7711f3e': (sessionId, key, productId) => {
    const t = Date.now();
    const id = crypto.randomUUID();
    return q(pool, ISSUE12_SQL, [t, t, 1, 1, productId, id, sessionId, key, 'h'.repeat(64), 1, 1, new Date(t), productId, sessionId, 1, productId, 1, id]);
  },
  '2c66e00': (sessionId, key, productId) => q(pool, OLD_SQL, [crypto.randomUUID(), sessionId, key, 'h'.repeat(64), productId, 'bench-d1', 1,
    4900, 4900, 'EUR', 'confirmed', new Date(), sessionId, productId, 1, 100, 1, 100, 1, productId]),
};

const names = Object.keys(forms);
const results = Object.fromEntries(names.map((n) => [n, []]));
console.log(`order transaction: ${N} orders per form and round, ${CONNS} connections, ${PRODUCTS} hot products; mariadbd pid ${dbPid ?? 'not found'}`);
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    let next = 0;
    let errors = 0;
    const db0 = dbPid && cpuMs(dbPid);
    const t0 = performance.now();
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const sessionId = crypto.randomBytes(32).toString('base64url').slice(0, 43);
        try {
          await forms[name](sessionId, `bench-${round}-${name}-${i}`, productIds[i % PRODUCTS]);
        } catch (err) {
          errors++;
          if (errors <= 3) console.error(`${name}: ${err.code ?? err.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONNS }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const dbMsPerOrder = dbPid ? (cpuMs(dbPid) - db0) / N : null;
    const r = { round, ordersPerSec: Math.round(N / seconds), dbMsPerOrder: dbMsPerOrder === null ? null : Math.round(dbMsPerOrder * 1000) / 1000, errors, load1: Math.round(os.loadavg()[0] * 10) / 10 };
    results[name].push(r);
    console.log(`  round ${round} ${name.padEnd(8)} ${String(r.ordersPerSec).padStart(5)} orders/s  mariadbd ${r.dbMsPerOrder} ms CPU/order  errors ${errors}  load ${r.load1}`);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const [name, rs] of Object.entries(results)) {
  console.log(`${name.padEnd(8)} median ${median(rs.map((r) => r.ordersPerSec))} orders/s, mariadbd ${median(rs.map((r) => r.dbMsPerOrder))} ms CPU per order`);
}
await pool.end();
const drop = await createAdminConnection(db, { noDatabase: true });
await drop.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
await drop.end();
