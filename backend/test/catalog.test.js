// Catalogue: validation errors name file, item and field; the load is idempotent and never
// resets units already sold; migrations are versioned and safe to run concurrently.
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool, createAdminConnection } from '../src/lib/db.js';
import { formatError, validateCatalogDir } from '../src/catalog/validate.js';
import { shiftEventToToday } from '../src/catalog/load.js';
import { applyMigrations, listMigrations, migrate, splitStatements } from '../src/migrate.js';
import { localDate } from '../src/lib/time.js';
import { BACKEND_DIR, createTestDatabase, loadDocs, product, serverEnv, writeCatalog } from './helpers.js';

const run = promisify(execFile);

const good = () => ({
  event: { id: 'cat-ev', name: 'Catalogue test', timeZone: 'Europe/Paris' },
  drops: [
    { id: 'c-d1', date: '2032-05-01', products: [product('c-p1', { stock: 10 }), product('c-p2', { stock: 5 })] },
    { id: 'c-d2', date: '2032-05-02', products: [product('c-p3')] },
  ],
});

describe('catalogue validation', () => {
  test('the shipped catalogue is valid and realistic', () => {
    const r = validateCatalogDir(path.join(BACKEND_DIR, 'catalog'));
    assert.deepEqual(r.errors, []);
    assert.ok(r.events.length >= 1);
    for (const ev of r.events) {
      assert.ok(ev.drops.length >= 3, 'several days');
      for (const d of ev.drops) assert.ok(d.products.length >= 4 && d.products.length <= 8, `${d.id} has 4-8 products`);
    }
    assert.ok(r.events.some((ev) => ev.drops.some((d) => d.products.some((p) => p.stock <= 5))), 'a small-stock product');
  });

  test('errors name the file, the item (with id) and the field', () => {
    const bad = good();
    bad.drops[0].products[1].priceCents = 12.5;
    bad.drops[0].products[0].currency = 'euro';
    bad.drops[1].date = '2032-02-30';
    bad.drops[1].products[0].stok = 3;
    bad.event.timeZone = 'Mars/Olympus';
    const dir = writeCatalog({ 'bad.json': bad });
    const r = validateCatalogDir(dir);
    const lines = r.errors.map(formatError);
    const base = path.basename(dir);
    const expect = [
      [`${base}/bad.json: event: timeZone:`, 'Mars/Olympus'],
      [`${base}/bad.json: drops[0].products[1] (id "c-p2"): priceCents:`, '12.5'],
      [`${base}/bad.json: drops[0].products[0] (id "c-p1"): currency:`, 'euro'],
      [`${base}/bad.json: drops[1] (id "c-d2"): date:`, '2032-02-30'],
      [`${base}/bad.json: drops[1].products[0] (id "c-p3"): stok: unknown field`, ''],
    ];
    for (const [prefix, got] of expect) {
      assert.ok(lines.some((l) => l.startsWith(prefix) && l.includes(got)), `missing error "${prefix}" in:\n${lines.join('\n')}`);
    }
    assert.equal(r.events.length, 0);
  });

  test('missing fields, duplicates across files, invalid JSON with line number', () => {
    const a = good();
    delete a.drops[0].products[0].name;
    a.drops[1].date = a.drops[0].date;
    const b = good();
    b.event.id = 'other-ev';
    b.drops = [{ id: 'x-d1', date: '2032-06-01', products: [product('c-p2')] }];
    const dir = writeCatalog({ 'a.json': a, 'b.json': b, 'c.json': '{\n  "event": {,\n}' });
    const lines = validateCatalogDir(dir).errors.map(formatError);
    const has = (re) => assert.ok(lines.some((l) => re.test(l)), `no ${re} in:\n${lines.join('\n')}`);
    has(/a\.json: drops\[0\]\.products\[0\] \(id "c-p1"\): name: .*missing/);
    has(/a\.json: drops\[1\] \(id "c-d2"\): date: two drops on the same day/);
    has(/b\.json: product "c-p2": id: product id is also used in .*a\.json/);
    has(/c\.json: \(document\): \(json\): invalid JSON at line 2/);
  });

  test('npm run catalog:validate exits 1 and prints file/item/field; 0 for the shipped catalogue', async () => {
    const bad = good();
    bad.drops[0].products[0].stock = -1;
    const dir = writeCatalog({ 'broken.json': bad });
    const err = await run(process.execPath, ['src/cli/catalog-validate.js', dir], { cwd: BACKEND_DIR }).then(() => null, (e) => e);
    assert.ok(err, 'must fail');
    assert.equal(err.code, 1);
    assert.match(err.stderr, /broken\.json: drops\[0\]\.products\[0\] \(id "c-p1"\): stock: must be an integer/);
    const ok = await run(process.execPath, ['src/cli/catalog-validate.js'], { cwd: BACKEND_DIR });
    assert.match(ok.stdout, /catalogue valid/);
  });

  test('shift to today moves the first drop to today in the event zone', () => {
    const ev = validateCatalogDir(writeCatalog({ 'g.json': good() })).events[0];
    const now = Date.parse('2040-01-01T23:30:00Z'); // already Jan 2 in Paris
    const shifted = shiftEventToToday(ev, now);
    assert.equal(shifted.drops[0].date, localDate(now, 'Europe/Paris'));
    assert.equal(shifted.drops[0].date, '2040-01-02');
    assert.equal(shifted.drops[1].date, '2040-01-03');
  });
});

describe('catalogue load and migrations (real database)', () => {
  let tdb; let pool;
  before(async () => {
    serverEnv();
    tdb = await createTestDatabase('catalog');
    pool = createPool(tdb.db);
  });
  after(async () => {
    await pool?.end();
    await tdb?.drop();
  });

  const stock = async (id) => (await pool.query('SELECT stock_total AS t, stock_remaining AS r, active AS a FROM products WHERE id = ?', [id]))[0][0];

  // What the order statement does for one confirmed order (the loader re-counts from these rows).
  const sell = async (id, quantity, n = 1) => {
    for (let i = 0; i < n; i++) {
      await pool.query(`INSERT INTO orders (id, session_id, idempotency_key, request_hash, product_id, drop_id, quantity,
          unit_price_cents, total_cents, currency, status, created_at)
        SELECT UUID(), ?, ?, ?, id, drop_id, ?, price_cents, price_cents * ?, currency, 'confirmed', NOW(3) FROM products WHERE id = ?`,
      ['s'.repeat(43), `k-${crypto.randomUUID()}`, 'h'.repeat(64), quantity, quantity, id]);
      await pool.query('UPDATE products SET stock_remaining = stock_remaining - ?, units_sold = units_sold + ? WHERE id = ?', [quantity, quantity, id]);
    }
  };

  test('load is idempotent; a reload mid-drop keeps units sold; stock changes add/remove only unsold units', async () => {
    const now = Date.parse('2032-05-01T10:00:00Z');
    const s1 = await loadDocs(pool, { 'g.json': good() }, now);
    assert.equal(s1.productsInserted, 3);
    // sell 4 of c-p1 (10) and all 5 of c-p2
    await sell('c-p1', 4);
    await sell('c-p2', 1, 5);
    // the same document again: skipped, no transaction
    const s2 = await loadDocs(pool, { 'g.json': good() }, now);
    assert.deepEqual(s2.skippedEvents, ['cat-ev']);
    assert.equal(s2.productsUpdated, 0);
    assert.deepEqual({ ...await stock('c-p1') }, { t: 10, r: 6, a: 1 });
    assert.deepEqual({ ...await stock('c-p2') }, { t: 5, r: 0, a: 1 });
    // raise stock by 5: exactly 5 new units; lower below sold: remaining 0, never negative
    const more = good();
    more.drops[0].products[0].stock = 15;
    more.drops[0].products[1].stock = 2;
    const s3 = await loadDocs(pool, { 'g.json': more }, now);
    assert.equal(s3.productsUpdated, 3);
    assert.deepEqual({ ...await stock('c-p1') }, { t: 15, r: 11, a: 1 });
    assert.deepEqual({ ...await stock('c-p2') }, { t: 2, r: 0, a: 1 });
    // back to 5: the 5 sold are remembered (no units "come back" after a lower-then-restore)
    await loadDocs(pool, { 'g.json': good() }, now);
    assert.deepEqual({ ...await stock('c-p2') }, { t: 5, r: 0, a: 1 });
    const [[u]] = await pool.query('SELECT units_sold FROM products WHERE id = ?', ['c-p2']);
    assert.equal(Number(u.units_sold), 5);
  });

  test('products and drops removed from the file are deactivated, not deleted', async () => {
    const now = Date.parse('2032-05-01T10:00:00Z');
    const fewer = good();
    fewer.drops[0].products.pop();
    fewer.drops.pop();
    const s = await loadDocs(pool, { 'g.json': fewer }, now);
    assert.ok(s.deactivated >= 2);
    assert.equal((await stock('c-p2')).a, 0);
    assert.equal((await stock('c-p3')).a, 0);
    await loadDocs(pool, { 'g.json': good() }, now);
    assert.equal((await stock('c-p3')).a, 1);
  });

  test('catalogue revision: an older document is refused (nothing changes), a newer one loads, an unchanged one takes no row lock', async () => {
    const now = Date.parse('2032-05-01T10:00:00Z');
    const v5 = { ...good(), revision: 5 };
    await loadDocs(pool, { 'g.json': v5 }, now);
    const older = { ...good(), revision: 4 };
    older.drops[0].products[0].priceCents = 1;
    await assert.rejects(loadDocs(pool, { 'g.json': older }, now), (err) => {
      assert.equal(err.name, 'CatalogRevisionError');
      assert.match(err.message, /g\.json: revision 4 is older than the loaded revision 5 of event "cat-ev"/);
      return true;
    });
    const [[price]] = await pool.query('SELECT price_cents FROM products WHERE id = ?', ['c-p1']);
    assert.equal(Number(price.price_cents), 1000, 'the refused load changed nothing');
    // unchanged: skipped while another transaction holds every product row of the event
    const holder = await pool.getConnection();
    await holder.query('START TRANSACTION');
    await holder.query('SELECT * FROM products WHERE id IN (?) FOR UPDATE', [['c-p1', 'c-p2', 'c-p3']]);
    await holder.query('SELECT * FROM events WHERE id = ? FOR UPDATE', ['cat-ev']);
    try {
      const s = await loadDocs(pool, { 'g.json': v5 }, now);
      assert.deepEqual(s.skippedEvents, ['cat-ev']);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const v6 = { ...good(), revision: 6 };
    v6.drops[0].products[0].priceCents = 1100;
    const s6 = await loadDocs(pool, { 'g.json': v6 }, now);
    assert.equal(s6.productsUpdated, 3);
    const [[ev]] = await pool.query('SELECT catalog_revision FROM events WHERE id = ?', ['cat-ev']);
    assert.equal(Number(ev.catalog_revision), 6);
    await loadDocs(pool, { 'g.json': { ...good(), revision: 7 } }, now);
  });

  test('node src/cli/catalog-load.js: loads, then skips, then refuses an older revision with exit code 3', async () => {
    const env = serverEnv();
    const dir = writeCatalog({ 'g.json': { ...good(), revision: 8 } });
    const cliEnv = { PATH: process.env.PATH, DB_HOST: env.db.host, DB_PORT: String(env.db.port), DB_USER: env.db.user,
      DB_PASSWORD: env.db.password, DB_NAME: tdb.db.database, CATALOG_DIR: dir, LOG_LEVEL: 'info' };
    const first = await run(process.execPath, ['src/cli/catalog-load.js'], { cwd: BACKEND_DIR, env: cliEnv });
    assert.match(first.stdout, /"msg":"catalogue loaded"/);
    assert.match(first.stdout, /"productsUpdated":3/);
    const again = await run(process.execPath, ['src/cli/catalog-load.js'], { cwd: BACKEND_DIR, env: cliEnv });
    assert.match(again.stdout, /"skippedEvents":\["cat-ev"\]/);
    const oldDir = writeCatalog({ 'g.json': { ...good(), revision: 2 } });
    const err = await run(process.execPath, ['src/cli/catalog-load.js'], { cwd: BACKEND_DIR, env: { ...cliEnv, CATALOG_DIR: oldDir } }).then(() => null, (e) => e);
    assert.ok(err, 'an older catalogue must fail the load');
    assert.equal(err.code, 3);
    assert.match(err.stdout, /revision 2 is older than the loaded revision 8/);
    assert.doesNotMatch(err.stdout + err.stderr, new RegExp(env.db.password));
  });

  test('migrations: tracked with checksums, re-running is a no-op, concurrent runners apply once', async () => {
    const [rows] = await pool.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const files = listMigrations();
    assert.deepEqual(rows.map((r) => r.name), files.map((f) => f.name));
    assert.deepEqual(rows.map((r) => r.checksum), files.map((f) => f.checksum));
    const conn = await createAdminConnection(tdb.db);
    assert.deepEqual(await applyMigrations(conn), []);
    await conn.end();
    // a brand-new database migrated by 4 runners at once (the ECS tasks starting together)
    const name = `${tdb.db.database}_m`;
    const db2 = { ...tdb.db, database: name };
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(db2)));
    assert.equal(results.filter((r) => r.length > 0).length, 1, JSON.stringify(results));
    const c2 = await createAdminConnection(db2);
    const [[n]] = await c2.query('SELECT COUNT(*) AS n FROM schema_migrations');
    assert.equal(Number(n.n), files.length);
    await c2.query(`DROP DATABASE \`${name}\``);
    await c2.end();
  });

  test('statement splitter keeps statements whole and drops comments', () => {
    const parts = splitStatements('-- c\nCREATE TABLE a (x INT);\n\n-- d\nCREATE TABLE b (y VARCHAR(3) DEFAULT \';\');\n');
    assert.equal(parts.length, 2);
    assert.match(parts[1], /DEFAULT ';'\)$/);
  });
});
