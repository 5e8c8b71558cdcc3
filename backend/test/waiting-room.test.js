// The waiting room: signed queue tokens, a fair pre-queue shuffle, FIFO after the start, an
// inlet that admits at its rate and pauses while degraded, orders only with an admitted token,
// sold out told at once. Time is injected; the inlet is stepped by calling tick().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { createTestDatabase, http, loadDocs, newSession, product, startApp } from './helpers.js';

const START = Date.parse('2032-02-02T00:00:00Z');
const doc = {
  event: { id: 'wr-ev', name: 'Waiting room', timeZone: 'UTC' },
  drops: [{ id: 'wr-d1', date: '2032-02-02', products: [product('wr-a1', { stock: 3, limitPerCustomer: 1 })] }],
};

describe('waiting room', () => {
  let tdb; let pool; let srv; let off; let clock; let degraded = false;
  const join = async (s) => http(`${srv.url}/api/queue`, { method: 'POST', headers: { 'x-session-id': s } });
  const status = async (s, t) => http(`${srv.url}/api/queue/status`, { headers: { 'x-session-id': s, 'x-queue-token': t } });
  const buy = (s, t, key) => http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'x-session-id': s, 'idempotency-key': key, ...(t ? { 'x-queue-token': t } : {}) }, json: { productId: 'wr-a1' } });
  const tick = async () => {
    clock.set(clock.now() + 1000);
    srv.waitingRoom.local.clear();
    return srv.waitingRoom.tick();
  };

  before(async () => {
    tdb = await createTestDatabase('wroom');
    pool = createPool(tdb.db);
    clock = manualClock(START - 10 * 60e3);
    await loadDocs(pool, { 'w.json': doc }, clock.now());
    const cacheServers = [process.env.MEMCACHED_SERVERS.split(',')[0]];
    srv = await startApp({ db: tdb.db, cacheServers, clock, waitingRoom: { inletPerSec: 10, opensMinutesBefore: 30, degraded: () => degraded } });
    off = await startApp({ db: tdb.db, cacheServers, clock });
  });
  after(async () => {
    await srv?.close();
    await off?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('off by default: no queue, orders need no token', async () => {
    assert.equal((await http(`${off.url}/api/drops/current`)).body.waitingRoom, false);
    const s = await newSession(off.url);
    const r = await join(s).then(() => http(`${off.url}/api/queue`, { method: 'POST', headers: { 'x-session-id': s } }));
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'waiting_room_off');
  });

  const pre = [];
  test('before the drop: a signed pre-queue token, the countdown, no place yet, no order', async () => {
    assert.equal((await http(`${srv.url}/api/drops/current`)).body.waitingRoom, true);
    for (let i = 0; i < 50; i++) {
      const s = await newSession(srv.url);
      const j = await join(s);
      assert.equal(j.status, 201, JSON.stringify(j.body));
      assert.equal(j.body.state, 'pre_queue');
      assert.equal(j.body.secondsUntilDrop, 600);
      assert.equal(j.body.position, null);
      pre.push({ s, t: j.body.queueToken });
    }
    srv.waitingRoom.local.clear(); // the state document is kept 1 s in process
    const st = await http(`${srv.url}/api/queue/state`);
    assert.equal(st.body.preCount, 50);
    assert.equal(st.headers.get('cache-control'), 'public, max-age=1');
    // orders: no token, someone else's token, a forged token
    assert.equal((await buy(pre[0].s, null, 'wr-no-token-1')).body.error.code, 'queue_required');
    assert.equal((await buy(pre[1].s, pre[0].t, 'wr-foreign-1')).body.error.code, 'queue_required');
    assert.equal((await buy(pre[0].s, pre[0].t.replace(/\.p\.\d+\./, '.p.999.'), 'wr-forged-1')).body.error.code, 'queue_required');
    assert.equal((await buy(pre[0].s, pre[0].t, 'wr-early-1')).body.error.code, 'not_admitted');
  });

  test('GET /api/queue/status: no token 400 invalid_queue_token; another buyer\'s or a forged token 403 queue_required, as for orders', async () => {
    const none = await http(`${srv.url}/api/queue/status`, { headers: { 'x-session-id': pre[0].s } });
    assert.equal(none.status, 400, JSON.stringify(none.body));
    assert.deepEqual([none.body.error.code, none.body.error.field], ['invalid_queue_token', 'X-Queue-Token']);
    for (const [s, t] of [[pre[1].s, pre[0].t], [pre[0].s, pre[0].t.replace(/\.p\.\d+\./, '.p.999.')]]) {
      const r = await status(s, t);
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.deepEqual([r.body.error.code, r.body.error.field], ['queue_required', 'X-Queue-Token']);
    }
    assert.equal((await status(pre[0].s, pre[0].t)).status, 200);
  });

  test('at the start: the pre-queue is shuffled fairly; the inlet admits its rate per second; later arrivals queue FIFO behind', async () => {
    clock.set(START);
    srv.waitingRoom.local.clear();
    const places = await Promise.all(pre.map(async (p) => (await status(p.s, p.t)).body.position));
    assert.deepEqual([...places].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1), 'places 1..50, each once');
    assert.notDeepEqual(places.slice(0, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'not in arrival order');
    const late = [];
    for (let i = 0; i < 3; i++) {
      const s = await newSession(srv.url);
      const j = await join(s);
      assert.equal(j.body.state, 'waiting');
      assert.equal(j.body.position, 51 + i, 'after the whole pre-queue, in arrival order');
      late.push({ s, t: j.body.queueToken });
    }
    assert.equal(await tick(), true);
    const admitted = [];
    for (const [i, p] of pre.entries()) {
      const st = (await status(p.s, p.t)).body;
      if (st.state === 'admitted') admitted.push(i);
      else assert.equal(st.position, places[i] - 10);
    }
    assert.equal(admitted.length, 10, 'one second of a 10/s inlet');
    assert.deepEqual(admitted, places.map((pl, i) => (pl <= 10 ? i : -1)).filter((i) => i >= 0));
    // degraded: the inlet pauses
    degraded = true;
    assert.equal(await tick(), false);
    assert.equal((await http(`${srv.url}/api/queue/state`)).body.paused, true);
    assert.equal((await http(`${srv.url}/api/queue/state`)).body.admitted, 10);
    degraded = false;
    for (let i = 0; i < 4; i++) await tick();
    assert.equal((await status(late[0].s, late[0].t)).body.state, 'waiting');
    assert.equal((await status(late[0].s, late[0].t)).body.position, 1);
    await tick();
    assert.equal((await status(late[0].s, late[0].t)).body.state, 'admitted');
    assert.equal((await status(late[2].s, late[2].t)).body.state, 'admitted');
  });

  test('an admitted buyer orders; once sold out every waiting buyer is told within a second', async () => {
    const results = [];
    for (const [i, p] of pre.entries()) results.push(await buy(p.s, p.t, `wr-buy-${i}`));
    const ok = results.filter((r) => r.status === 201).length;
    assert.equal(ok, 3, 'stock 3: three admitted buyers get one each');
    clock.set(clock.now() + 1100);
    srv.waitingRoom.local.clear();
    // The drop's stock is cached for one second of real time (STOCK_FRESH_MS), not of the injected
    // clock: let that second pass for the cache too, without sleeping (on a quiet machine the three
    // orders above take well under a second, and the stale "in stock" copy was served).
    await srv.cache.del('drop:wr-d1');
    const s = await newSession(srv.url);
    const j = await join(s);
    assert.equal(j.body.state, 'sold_out');
    const st = await http(`${srv.url}/api/queue/state`);
    assert.equal(st.body.soldOut, true);
    assert.deepEqual(st.body.soldOutProducts, ['wr-a1'], 'the item itself is named');
    const per = await http(`${srv.url}/api/queue/status?productId=wr-a1`, { headers: { 'x-session-id': s, 'x-queue-token': j.body.queueToken } });
    assert.equal(per.body.state, 'sold_out');
  });
});

describe('waiting room inlet', () => {
  let tdb; let pool; let srv; let clock;
  const LIVE = Date.parse('2032-04-04T12:00:00Z');
  const d2 = {
    event: { id: 'wr-idle', name: 'Idle inlet', timeZone: 'UTC' },
    drops: [{ id: 'wr-idle-d1', date: '2032-04-04', products: [product('wr-idle-a1', { stock: 100, limitPerCustomer: 1 })] }],
  };
  before(async () => {
    tdb = await createTestDatabase('wridle');
    pool = createPool(tdb.db);
    clock = manualClock(LIVE);
    await loadDocs(pool, { 'i.json': d2 }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock, waitingRoom: { inletPerSec: 10, opensMinutesBefore: 30 } });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('seconds nobody waited bank nothing: after a quiet minute a burst of 15 still meets the 10/s inlet', async () => {
    for (let i = 0; i < 60; i++) {
      clock.set(clock.now() + 1000);
      await srv.waitingRoom.tick();
    }
    srv.waitingRoom.local.clear();
    assert.equal((await http(`${srv.url}/api/queue/state`)).body.admitted, 0, 'a quiet minute banked no admissions');
    const burst = [];
    for (let i = 0; i < 15; i++) {
      const s = await newSession(srv.url);
      const j = await http(`${srv.url}/api/queue`, { method: 'POST', headers: { 'x-session-id': s } });
      assert.equal(j.status, 201, JSON.stringify(j.body));
      burst.push({ s, t: j.body.queueToken });
    }
    clock.set(clock.now() + 1000);
    assert.equal(await srv.waitingRoom.tick(), true);
    srv.waitingRoom.local.clear();
    const states = [];
    for (const b of burst) {
      const r = await http(`${srv.url}/api/queue/status`, { headers: { 'x-session-id': b.s, 'x-queue-token': b.t } });
      states.push(r.body.state === 'admitted' ? 0 : r.body.position);
    }
    assert.deepEqual(states, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5], 'one second of a 10/s inlet: ten admitted, five in line');
  });
});
