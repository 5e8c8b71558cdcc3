// Config validation, time-zone arithmetic, event selection, and the cache's stampede protection
// (against the real memcached).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ConfigError, loadConfig, redactedConfig } from '../src/config.js';
import { addDays, isValidDate, localDate, startOfLocalDay } from '../src/lib/time.js';
import { Shop } from '../src/shop.js';
import { clockFor, startedClock, systemClock } from '../src/lib/clock.js';
import { Cache } from '../src/lib/cache.js';
import { sleep } from './helpers.js';

const okEnv = { DB_HOST: 'db', DB_USER: 'u', DB_PASSWORD: 'p', DB_NAME: 'shop', MEMCACHED_SERVERS: 'cache:11211,cache2:11211' };

describe('config', () => {
  test('defaults and parsing', () => {
    const c = loadConfig(okEnv);
    assert.equal(c.port, 8080);
    assert.equal(c.db.port, 3306);
    assert.deepEqual(c.memcachedServers, ['cache:11211', 'cache2:11211']);
    assert.equal(c.imageRef, null);
    assert.equal(c.staticDir, null);
    assert.equal(c.logLevel, 'info');
    assert.ok(c.catalogDir.endsWith('catalog'));
    const c2 = loadConfig({ ...okEnv, PORT: '9000', IMAGE_REF: 'repo@sha256:00', CATALOG_SHIFT_TO_TODAY: '1', LOG_LEVEL: 'debug' });
    assert.equal(c2.port, 9000);
    assert.equal(c2.imageRef, 'repo@sha256:00');
    assert.throws(() => loadConfig({ ...okEnv, MIGRATE_ON_START: 'true' }), /MIGRATE_ON_START is no longer supported/);
    assert.throws(() => loadConfig({ ...okEnv, SESSION_INSERT_QUEUE_MAX: '10' }), /SESSION_INSERT_QUEUE_MAX is no longer read.*FIRST_ORDERS_IN_FLIGHT_MAX/);
    assert.equal(loadConfig({ ...okEnv, FIRST_ORDERS_IN_FLIGHT_MAX: '10' }).firstOrdersMax, 10);
    assert.equal(c.firstOrdersMax, 5000);
    assert.equal(c.warmUpRounds, 1000);
    assert.equal(loadConfig({ ...okEnv, WARM_UP_ROUNDS: '0' }).warmUpRounds, 0);
    assert.throws(() => loadConfig({ ...okEnv, WARM_UP_ROUNDS: 'lots' }), /WARM_UP_ROUNDS must be a whole number/);
    assert.equal(c.warmUpMaxMs, 5000);
    assert.equal(loadConfig({ ...okEnv, WARM_UP_MAX_MS: '800' }).warmUpMaxMs, 800);
    assert.throws(() => loadConfig({ ...okEnv, WARM_UP_MAX_MS: '-1' }), /WARM_UP_MAX_MS must be a whole number/);
    assert.equal(c2.catalogShiftToToday, true);
  });

  test('every problem reported at once, one message per variable', () => {
    try {
      loadConfig({ PORT: '0', MEMCACHED_SERVERS: 'a:1,b', LOG_LEVEL: 'x', DB_NAME: 'bad-name!' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const vars = err.problems.map((p) => p.split(' ')[0]);
      assert.deepEqual(vars.sort(), ['DB_HOST', 'DB_NAME', 'DB_PASSWORD', 'DB_USER', 'LOG_LEVEL', 'MEMCACHED_SERVERS', 'PORT'].sort());
    }
  });

  test('CLOCK_START: an instant with its offset starts the business clock there; anything else is named', () => {
    assert.equal(loadConfig(okEnv).clockStartMs, null);
    assert.equal(clockFor(loadConfig(okEnv)), systemClock);
    const c = loadConfig({ ...okEnv, CLOCK_START: '2026-12-04T12:00:00+01:00' });
    assert.equal(c.clockStartMs, Date.parse('2026-12-04T11:00:00Z'));
    let system = 1_000_000;
    const clock = startedClock(c.clockStartMs, () => system);
    assert.equal(clock.now(), Date.parse('2026-12-04T11:00:00Z'));
    system += 90_000; // it runs at the system clock's speed
    assert.equal(clock.now(), Date.parse('2026-12-04T11:01:30Z'));
    for (const bad of ['2026-12-04T12:00:00', '2026-12-04', 'tomorrow', '2026-13-40T25:00:00Z']) {
      assert.throws(() => loadConfig({ ...okEnv, CLOCK_START: bad }), (err) => err instanceof ConfigError
        && err.problems.length === 1 && err.problems[0].startsWith('CLOCK_START must be an ISO 8601 instant with its offset'), bad);
    }
  });

  test('redacted config never contains the password', () => {
    const c = loadConfig({ ...okEnv, DB_PASSWORD: 's3cr3t-value' });
    assert.ok(!JSON.stringify(redactedConfig(c)).includes('s3cr3t-value'));
    assert.equal(c.db.password, 's3cr3t-value');
  });
});

describe('time zones', () => {
  test('start of local day, including DST gaps at midnight and far-east zones', () => {
    assert.equal(new Date(startOfLocalDay('2026-12-04', 'Europe/Berlin')).toISOString(), '2026-12-03T23:00:00.000Z');
    assert.equal(new Date(startOfLocalDay('2026-07-04', 'Europe/Berlin')).toISOString(), '2026-07-03T22:00:00.000Z');
    assert.equal(new Date(startOfLocalDay('2026-01-01', 'Pacific/Kiritimati')).toISOString(), '2025-12-31T10:00:00.000Z');
    // Santiago skips 00:00-01:00 on its DST start: the day begins at 01:00 local
    const s = startOfLocalDay('2026-09-06', 'America/Santiago');
    assert.equal(localDate(s, 'America/Santiago'), '2026-09-06');
    assert.equal(localDate(s - 1, 'America/Santiago'), '2026-09-05');
  });

  test('property: start of day is the first millisecond of that local date', () => {
    const zones = ['UTC', 'Asia/Seoul', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Havana', 'Europe/London'];
    let d = '2026-01-01';
    for (let i = 0; i < 400; i += 7) {
      for (const z of zones) {
        const t = startOfLocalDay(d, z);
        assert.equal(localDate(t, z), d, `${z} ${d}`);
        assert.notEqual(localDate(t - 1, z), d, `${z} ${d}`);
      }
      d = addDays(d, 7);
    }
    assert.equal(isValidDate('2028-02-29'), true);
    assert.equal(isValidDate('2027-02-29'), false);
  });
});

describe('event selection', () => {
  const mk = (id, starts) => ({ id, name: id, timeZone: 'UTC', drops: starts.map((s, i) => ({ id: `${id}-${i}`, date: '', startsAt: s, endsAt: s + 10 })) });
  test('live beats upcoming beats past; next drop of the chosen event', () => {
    const sched = [mk('a', [0, 10, 20]), mk('b', [100, 110])];
    assert.equal(Shop.pick(sched, 15).drop.id, 'a-1');
    assert.equal(Shop.pick(sched, 15).next.id, 'a-2');
    assert.equal(Shop.pick(sched, 50).event.id, 'b');
    assert.equal(Shop.pick(sched, 50).drop, null);
    assert.equal(Shop.pick(sched, 50).next.id, 'b-0');
    assert.equal(Shop.pick(sched, 500).event.id, 'b');
    assert.equal(Shop.pick(sched, 500).next, null);
    assert.equal(Shop.pick([], 1), null);
  });
});

describe('cache stampede protection (real memcached)', () => {
  const servers = () => [process.env.MEMCACHED_SERVERS.split(',')[0]];

  test('100 concurrent cold reads across two "tasks": the loader runs once', async () => {
    const prefix = `unit_${crypto.randomBytes(4).toString('hex')}:`;
    // generous operation timeout: this test is about the locking, not about a slow machine
    const a = new Cache({ servers: servers(), prefix, timeoutSec: 3 });
    const b = new Cache({ servers: servers(), prefix, timeoutSec: 3 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(50);
      return { n: 42 };
    };
    const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).getOrLoad('k', loader, { freshMs: 5000 })));
    assert.ok(rs.every((r) => r.n === 42));
    assert.equal(loads, 1);
    a.close();
    b.close();
  });

  test('expired entry: one refresh, everyone else is served the stale value meanwhile', async () => {
    const prefix = `unit_${crypto.randomBytes(4).toString('hex')}:`;
    const a = new Cache({ servers: servers(), prefix, timeoutSec: 3 });
    const b = new Cache({ servers: servers(), prefix, timeoutSec: 3 });
    let version = 1;
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(100);
      return { v: version };
    };
    await a.getOrLoad('k', loader, { freshMs: 50 });
    await sleep(80);
    version = 2;
    loads = 0;
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).getOrLoad('k', loader, { freshMs: 5000 })));
    assert.equal(loads, 1);
    assert.ok(rs.some((r) => r.v === 1), 'stale served while refreshing');
    assert.deepEqual(await b.getOrLoad('k', loader, { freshMs: 5000 }), { v: 2 });
    a.close();
    b.close();
  });

  test('a cache with no reachable server never throws and loads from the source', async () => {
    const c = new Cache({ servers: ['127.0.0.1:1'], prefix: 'x:', breakerMs: 1000 });
    let loads = 0;
    const v = await c.getOrLoad('k', async () => ++loads, { freshMs: 1000 });
    assert.equal(v, 1);
    assert.equal(await c.get('k'), null);
    assert.equal(await c.set('k', 'v', 1), false);
    assert.equal(c.down, true);
    assert.equal(await c.ping(), false);
    c.close();
  });
});
