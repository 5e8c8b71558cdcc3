// The waiting room's keys rotate with the session keys (SESSION_KEYS "current,previous"): three
// tasks on the same MariaDB and memcached, one per step of two rotations (A; then B,A; then C,B),
// as a service rolling onto a rotated secret runs them side by side. A queue token signed with the
// previous key still verifies (status, order) and keeps its place in the pre-queue's draw; one
// signed with a retired key is refused with a 403 JSON body that says so. Time is injected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { customerOf, createTestDatabase, http, loadDocs, newSession, product, startApp } from './helpers.js';

const START = Date.parse('2032-03-03T00:00:00Z');
const doc = {
  event: { id: 'qk-ev', name: 'Queue keys', timeZone: 'UTC' },
  drops: [{ id: 'qk-d1', date: '2032-03-03', products: [product('qk-a1', { stock: 50, limitPerCustomer: 1 })] }],
};

describe('waiting room key rotation', () => {
  const [A, B, C] = [crypto.randomBytes(32), crypto.randomBytes(32), crypto.randomBytes(32)];
  let tdb; let pool; let clock;
  let before1; let rotated; let retired; // keys [A]; [B, A]; [C, B]
  const join = (srv, s) => http(`${srv.url}/api/queue`, { method: 'POST', headers: { 'x-session-id': s } });
  const status = (srv, s, t) => http(`${srv.url}/api/queue/status`, { headers: { 'x-session-id': s, 'x-queue-token': t } });
  const buy = (srv, s, t, key) => http(`${srv.url}/api/orders`, { method: 'POST', headers: { 'x-session-id': s, 'idempotency-key': key, 'x-queue-token': t }, json: { productId: 'qk-a1' } });
  const fresh = () => [before1, rotated, retired].forEach((srv) => srv.waitingRoom.local.clear());

  before(async () => {
    tdb = await createTestDatabase('qkeys');
    pool = createPool(tdb.db);
    clock = manualClock(START - 10 * 60e3); // the pre-queue is open
    await loadDocs(pool, { 'q.json': doc }, clock.now());
    const cacheServers = [process.env.MEMCACHED_SERVERS.split(',')[0]];
    const wr = { inletPerSec: 100, opensMinutesBefore: 30 };
    before1 = await startApp({ db: tdb.db, cacheServers, clock, sessionKeys: [A], waitingRoom: wr });
    rotated = await startApp({ db: tdb.db, cacheServers, clock, sessionKeys: [B, A], waitingRoom: wr });
    retired = await startApp({ db: tdb.db, cacheServers, clock, sessionKeys: [C, B], waitingRoom: wr });
  });
  after(async () => {
    for (const srv of [before1, rotated, retired]) await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  const early = [];
  test('a token signed with the previous key is accepted after a rotation, and keeps its place in the draw', async () => {
    // 20 buyers join the pre-queue on a task still on key A
    for (let i = 0; i < 20; i++) {
      const s = await newSession(before1.url);
      const j = await join(before1, s);
      assert.equal(j.status, 201, JSON.stringify(j.body));
      early.push({ s, t: j.body.queueToken });
    }
    // the rotated task (B signs, A verifies) accepts them
    const st = await status(rotated, early[0].s, early[0].t);
    assert.equal(st.status, 200, `a previous-key token on the rotated task: ${JSON.stringify(st.body)}`);
    assert.equal(st.body.state, 'pre_queue');
    // a buyer joining the pre-queue on the rotated task gets a token of the new key; a task not
    // rolled yet does not hold that key and says so
    const s2 = await newSession(rotated.url);
    const late = { s: s2, t: (await join(rotated, s2)).body.queueToken };
    assert.notEqual(late.t.split('.')[5], early[0].t.split('.')[5], 'new tokens name the new key');
    // at the start, the draw gives every early buyer the same place on both tasks
    clock.set(START);
    fresh();
    const places = async (srv, buyers) => Promise.all(buyers.map(async (p) => {
      const r = await status(srv, p.s, p.t);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.position;
    }));
    const onOld = await places(before1, early);
    assert.deepEqual(await places(rotated, early), onOld, 'a rotation does not redraw the pre-queue');
    const all = [...onOld, ...(await places(rotated, [late]))];
    assert.deepEqual(all.sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i + 1), 'the 21 of the pre-queue hold places 1..21');
    assert.match((await http(`${before1.url}/api/queue/status`, { headers: { 'x-session-id': early[1].s, 'x-queue-token': late.t } })).body.error.message, /does not hold/);
    // admitted (one second of a 100/s inlet: all 21), an early buyer orders on the rotated task
    clock.set(START + 1000);
    assert.equal(await rotated.waitingRoom.tick(), true);
    fresh();
    const o = await buy(rotated, early[0].s, early[0].t, 'qk-prev-key-1');
    assert.equal(o.status, 201, `order with a previous-key token: ${JSON.stringify(o.body)}`);
  });

  test('a token signed with a retired key is refused: 403 queue_required with a message saying so; the previous key still works there', async () => {
    // A's token for a session the retired-A task still honours (signed with B)
    const s = await newSession(rotated.url);
    const { queueToken: oldKeyToken } = await before1.waitingRoom.join(customerOf(s));
    for (const r of [await status(retired, s, oldKeyToken), await buy(retired, s, oldKeyToken, 'qk-retired-1')]) {
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/json');
      assert.equal(r.body.error.code, 'queue_required');
      assert.equal(r.body.error.field, 'X-Queue-Token');
      assert.match(r.body.error.message, /retired/);
      assert.match(r.body.error.message, /join the queue again/);
    }
    // the same session's token of key B (the previous key on this task) is accepted
    const { queueToken: bToken } = await rotated.waitingRoom.join(customerOf(s));
    fresh();
    const ok = await status(retired, s, bToken);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // forged and foreign tokens are told apart from a retired key
    const forged = bToken.slice(0, -4) + (bToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.match((await status(retired, s, forged)).body.error.message, /signature does not match/);
    const other = await newSession(rotated.url);
    assert.match((await status(retired, other, bToken)).body.error.message, /another session/);
  });
});
