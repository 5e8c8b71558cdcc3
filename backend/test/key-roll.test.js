// Issue 13 finding: a session-key rotation must not take sessions or queue tokens away from the
// tasks an ECS roll has not replaced yet. Each step of a rotation, as src/cli/session-keys.js
// writes it (sessionKeysToWrite), is run here as a roll runs it: a task still on the secret's
// previous value and a task on the new value, side by side on the same MariaDB and memcached.
// Whatever one of them signs (a session, a queue token), the other accepts, at every step; and
// the pre-queue's draw gives every early buyer the same place on both. Time is injected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { parseSessionKeys, sessionKeysToWrite } from '../src/lib/session-token.js';
import { createTestDatabase, http, loadDocs, newSession, product, startApp } from './helpers.js';

const START = Date.parse('2033-04-04T00:00:00Z');
const doc = {
  event: { id: 'kr-ev', name: 'Key roll', timeZone: 'UTC' },
  drops: [{ id: 'kr-d1', date: '2033-04-04', products: [product('kr-a1', { stock: 50, limitPerCustomer: 1 })] }],
};
const kidOf = (token) => token.split('.')[2];

describe('session key rotation during an ECS roll (session-keys.js steps)', () => {
  let tdb; let pool; let clock;
  const apps = [];
  const cacheServers = () => [process.env.MEMCACHED_SERVERS.split(',')[0]];
  const task = async (value) => {
    const srv = await startApp({ db: tdb.db, cacheServers: cacheServers(), clock, sessionKeys: parseSessionKeys(value), waitingRoom: { inletPerSec: 100, opensMinutesBefore: 30 } });
    apps.push(srv);
    return srv;
  };
  // A 503 (memcached slow to answer, as in the gate at load ~40) means "retry", as the client does.
  const join = async (srv, s) => {
    for (let attempt = 1; ; attempt++) {
      const r = await http(`${srv.url}/api/queue`, { method: 'POST', headers: { 'x-session-id': s } });
      if (r.status !== 503 || attempt === 5) return r;
      await new Promise((res) => setTimeout(res, 200 * attempt));
    }
  };
  const status = (srv, s, t) => http(`${srv.url}/api/queue/status`, { headers: { 'x-session-id': s, 'x-queue-token': t } });

  before(async () => {
    tdb = await createTestDatabase('keyroll');
    pool = createPool(tdb.db);
    clock = manualClock(START - 10 * 60e3); // the pre-queue is open
    await loadDocs(pool, { 'k.json': doc }, clock.now());
  });
  after(async () => {
    for (const srv of apps) await srv.close();
    await pool?.end();
    await tdb?.drop();
  });

  /** Both tasks accept each other's sessions and queue tokens. */
  async function crossAccepted(a, b, label) {
    for (const [from, to] of [[a, b], [b, a]]) {
      const s = await newSession(from.url);
      const j = await join(to, s);
      assert.equal(j.status, 201, `${label}: a session signed by one task is refused by the other: ${j.status} ${JSON.stringify(j.body)}`);
      const own = await join(from, s);
      assert.equal(own.status, 201, JSON.stringify(own.body));
      const st = await status(to, s, own.body.queueToken);
      assert.equal(st.status, 200, `${label}: a queue token signed by one task is refused by the other: ${st.status} ${JSON.stringify(st.body)}`);
    }
  }

  let before1; let staged; let promoted; let retired;
  let values;
  test('an operator\'s rotation run (no option) only adds the new key: the tasks not yet rolled keep accepting what the rolled ones sign', async () => {
    const first = sessionKeysToWrite(null);
    const second = sessionKeysToWrite(first); // what an operator runs to rotate
    values = { first, second };
    before1 = await task(first);
    staged = await task(second);
    await crossAccepted(before1, staged, 'rotation run');
    const s = await newSession(staged.url);
    assert.equal(kidOf(s), kidOf(await newSession(before1.url)), 'the key all running tasks hold keeps signing until the roll is over');
  });

  test('--promote (after the roll): the staged key signs; tasks on either value accept both', async () => {
    assert.ok(staged, 'the first step ran');
    const [signing, added] = parseSessionKeys(values.second);
    assert.ok(signing && added, 'the staged value lists the new key second');
    const ids = (await import('../src/lib/session-token.js')).sessionKeyIds(values.second);
    const third = sessionKeysToWrite(values.second, { promote: ids[1] });
    assert.deepEqual(parseSessionKeys(third), [added, signing], 'promoted: the new key first, the previous one second');
    assert.equal(sessionKeysToWrite(third, { promote: ids[1] }), null, 'promoting again changes nothing');
    assert.throws(() => sessionKeysToWrite(values.second, { promote: 'deadbeef' }), /not listed second/);
    values.third = third;
    promoted = await task(third);
    await crossAccepted(staged, promoted, 'promotion');
    assert.equal(kidOf(await newSession(promoted.url)), ids[1], 'the promoted key signs');
    // a second key cannot be staged while two are listed: the previous one must be retired first
    assert.throws(() => sessionKeysToWrite(third), /two keys/);
  });

  test('--retire (a session lifetime later): the previous key leaves; the promoted task and the retired one agree', async () => {
    assert.ok(promoted, 'the promotion ran');
    const ids = (await import('../src/lib/session-token.js')).sessionKeyIds(values.third);
    const fourth = sessionKeysToWrite(values.third, { retire: ids[1] });
    assert.equal(parseSessionKeys(fourth).length, 1);
    assert.equal(sessionKeysToWrite(fourth, { retire: ids[1] }), null, 'retiring again changes nothing');
    assert.throws(() => sessionKeysToWrite(values.third, { retire: ids[0] }), /signing key/);
    retired = await task(fourth);
    await crossAccepted(promoted, retired, 'retirement');
    // and the next rotation starts again with a staged key
    assert.equal(parseSessionKeys(sessionKeysToWrite(fourth)).length, 2);
  });

  test('the pre-queue\'s draw is the same on the tasks of each roll, staging and promotion alike', async () => {
    assert.ok(promoted, 'the promotion ran');
    // early buyers join on every task of the first two rolls
    const early = [];
    for (const srv of [before1, staged, promoted, before1, staged, promoted]) {
      const s = await newSession(before1.url);
      const j = await join(srv, s);
      assert.equal(j.status, 201, JSON.stringify(j.body));
      early.push({ s, t: j.body.queueToken, on: srv });
    }
    clock.set(START);
    for (const srv of [before1, staged, promoted]) srv.waitingRoom.local.clear();
    const places = async (srv, buyers) => Promise.all(buyers.map(async (p) => {
      const r = await status(srv, p.s, p.t);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.position;
    }));
    // the first roll (staging): the tokens both tasks hold keys for (all signed with the first key)
    const firstRoll = early.filter((p) => p.on !== promoted);
    assert.equal(firstRoll.length, 4, 'tokens signed on the tasks of the first roll');
    assert.deepEqual(await places(staged, firstRoll), await places(before1, firstRoll), 'staging a key does not redraw the pre-queue');
    // the second roll (promotion): every token
    assert.deepEqual(await places(promoted, early), await places(staged, early), 'promoting it does not redraw the pre-queue');
  });
});
