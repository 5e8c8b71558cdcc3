// The daily drop switches at midnight in the event's time zone; time is injected, never slept.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { createTestDatabase, http, loadDocs, newSession, order, product, startApp } from './helpers.js';

const TZ = 'America/New_York';
const doc = {
  event: { id: 'midnight-ev', name: 'Midnight test', timeZone: TZ },
  drops: [
    { id: 'm-d1', date: '2031-03-08', products: [product('m-a1'), product('m-a2', { stock: 3 })] },
    // 2031-03-09 is the US DST switch (02:00 -> 03:00): that day has 23 hours
    { id: 'm-d2', date: '2031-03-09', products: [product('m-b1'), product('m-b2'), product('m-b3')] },
    { id: 'm-d3', date: '2031-03-10', products: [product('m-c1')] },
  ],
};
// Midnight 2031-03-09 in New York (EST, UTC-5) is 05:00Z; midnight 2031-03-10 (EDT, UTC-4) is 04:00Z.
const MIDNIGHT_D2 = Date.parse('2031-03-09T05:00:00.000Z');
const MIDNIGHT_D3 = Date.parse('2031-03-10T04:00:00.000Z');

describe('drops at midnight (event time zone)', () => {
  let tdb; let pool; let srv; let clock;
  const current = async () => (await http(`${srv.url}/api/drops/current`)).body;

  before(async () => {
    tdb = await createTestDatabase('drops');
    pool = createPool(tdb.db);
    clock = manualClock(Date.parse('2031-03-01T12:00:00Z'));
    await loadDocs(pool, { 'm.json': doc }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('drop windows are computed in the event zone, DST included', () => {
    assert.equal(startOfLocalDay('2031-03-09', TZ), MIDNIGHT_D2);
    assert.equal(startOfLocalDay('2031-03-10', TZ), MIDNIGHT_D3);
  });

  test('before the event: no drop, countdown to the first one', async () => {
    clock.set(Date.parse('2031-03-07T12:00:00Z'));
    const c = await current();
    assert.equal(c.serverTime, '2031-03-07T12:00:00.000Z');
    assert.equal(c.event.id, 'midnight-ev');
    assert.equal(c.event.timeZone, TZ);
    assert.equal(c.drop, null);
    assert.equal(c.nextDropAt, '2031-03-08T05:00:00.000Z');
    assert.equal(c.secondsUntilNextDrop, 17 * 3600);
  });

  test('one millisecond before midnight: still day 1; at midnight: day 2', async () => {
    clock.set(MIDNIGHT_D2 - 1);
    let c = await current();
    assert.equal(c.drop.id, 'm-d1');
    assert.equal(c.drop.date, '2031-03-08');
    assert.deepEqual(c.drop.products.map((p) => p.id), ['m-a1', 'm-a2']);
    assert.equal(c.nextDropAt, new Date(MIDNIGHT_D2).toISOString());
    assert.equal(c.secondsUntilNextDrop, 1);
    assert.equal(c.drop.endsAt, new Date(MIDNIGHT_D2).toISOString());

    clock.set(MIDNIGHT_D2);
    c = await current();
    assert.equal(c.drop.id, 'm-d2');
    assert.equal(c.drop.startsAt, '2031-03-09T05:00:00.000Z');
    assert.equal(c.drop.endsAt, '2031-03-10T04:00:00.000Z', '23-hour day (DST)');
    assert.deepEqual(c.drop.products.map((p) => p.id), ['m-b1', 'm-b2', 'm-b3']);
    assert.equal(c.nextDropAt, new Date(MIDNIGHT_D3).toISOString());
    assert.equal(c.secondsUntilNextDrop, 23 * 3600);
    const p = c.drop.products[0];
    assert.deepEqual(Object.keys(p).sort(), ['currency', 'description', 'dropId', 'id', 'imageUrl', 'limitPerCustomer', 'name', 'priceCents', 'soldOut', 'stockRemaining', 'stockTotal'].sort());
  });

  test('orders follow the clock: yesterday\'s product is not on sale after midnight, today\'s is', async () => {
    const s = await newSession(srv.url);
    clock.set(MIDNIGHT_D2 - 1000);
    assert.equal((await order(srv.url, s, 'before-mid-1', 'm-a1')).status, 201);
    const early = await order(srv.url, s, 'before-mid-2', 'm-b1');
    assert.equal(early.status, 404, 'not revealed before its midnight, as GET');
    assert.equal(early.body.error.code, 'product_not_found');
    clock.set(MIDNIGHT_D2);
    const late = await order(srv.url, s, 'after-mid-1', 'm-a1');
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'not_on_sale');
    assert.equal((await order(srv.url, s, 'after-mid-2', 'm-b1')).status, 201);
    // a client retrying its pre-midnight order after midnight gets that order back, not 409
    const retry = await order(srv.url, s, 'before-mid-1', 'm-a1');
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  });

  test('products of future drops are not revealed before their midnight', async () => {
    clock.set(MIDNIGHT_D3 - 1);
    assert.equal((await http(`${srv.url}/api/products/m-c1`)).status, 404);
    clock.set(MIDNIGHT_D3);
    const r = await http(`${srv.url}/api/products/m-c1`);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, 'm-c1');
    assert.equal(r.body.dropId, 'm-d3');
    // past products stay visible (order history links)
    assert.equal((await http(`${srv.url}/api/products/m-a1`)).status, 200);
  });

  test('last day: no next drop; after the event: last event shown, no drop', async () => {
    clock.set(MIDNIGHT_D3 + 3600e3);
    let c = await current();
    assert.equal(c.drop.id, 'm-d3');
    assert.equal(c.nextDropAt, null);
    assert.equal(c.secondsUntilNextDrop, null);
    clock.set(MIDNIGHT_D3 + 48 * 3600e3);
    c = await current();
    assert.equal(c.drop, null);
    assert.equal(c.event.id, 'midnight-ev');
    assert.equal(c.nextDropAt, null);
  });

  test('a drop scheduled ahead goes live with no reload; a reload mid-event takes effect', async () => {
    clock.set(MIDNIGHT_D2 + 3600e3);
    const changed = structuredClone(doc);
    changed.drops[1].products[0].name = 'Renamed at 1am';
    changed.drops[1].products.pop();
    await loadDocs(pool, { 'm.json': changed }, clock.now(), { cache: srv.cache });
    const c = await current();
    assert.equal(c.drop.products[0].name, 'Renamed at 1am');
    assert.deepEqual(c.drop.products.map((p) => p.id), ['m-b1', 'm-b2']);
  });
});
