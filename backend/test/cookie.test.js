// The session cookie is Secure in production whatever the hop in front of the task says (issue 16,
// finding 7): behind the CloudFront VPC origin the ALB may be reached over HTTP inside the VPC and
// then tells the task X-Forwarded-Proto: http, although every viewer used HTTPS at CloudFront.
// Real MariaDB + memcached (the app as it runs), the config as the task definition sets it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../src/config.js';
import { manualClock } from '../src/lib/clock.js';
import { createTestDatabase, http, serverEnv, startApp } from './helpers.js';

const okEnv = { DB_HOST: 'db', DB_USER: 'u', DB_PASSWORD: 'p', DB_NAME: 'shop', MEMCACHED_SERVERS: 'cache:11211' };

describe('session cookie Secure attribute', () => {
  test('config: Secure always in production (NODE_ENV=production, the image), per request elsewhere', () => {
    assert.equal(loadConfig({ ...okEnv, NODE_ENV: 'production' }).cookieSecure, 'always');
    assert.equal(loadConfig(okEnv).cookieSecure, 'auto');
    assert.equal(loadConfig({ ...okEnv, SESSION_COOKIE_SECURE: 'always' }).cookieSecure, 'always');
    assert.equal(loadConfig({ ...okEnv, NODE_ENV: 'production', SESSION_COOKIE_SECURE: 'auto' }).cookieSecure, 'auto');
    assert.throws(() => loadConfig({ ...okEnv, SESSION_COOKIE_SECURE: 'yes' }),
      (err) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('SESSION_COOKIE_SECURE must be always or auto')));
  });

  let tdb; let env; const apps = [];
  before(async () => {
    env = serverEnv();
    tdb = await createTestDatabase('cookie');
  });
  after(async () => {
    for (const a of apps) await a.close();
    await tdb.drop();
  });

  async function cookieOf(a, headers = {}) {
    const r = await http(`${a.url}/api/session`, { method: 'POST', headers });
    assert.equal(r.status, 201);
    return r.headers.get('set-cookie');
  }

  test('production: Secure on every session cookie, even when the hop in front says http', async () => {
    const cfg = loadConfig({ ...okEnv, NODE_ENV: 'production' });
    const a = await startApp({ db: tdb.db, cacheServers: [`${env.cache.host}:${env.cache.port}`], clock: manualClock(Date.now()), cookieSecure: cfg.cookieSecure });
    apps.push(a);
    for (const headers of [{}, { 'x-forwarded-proto': 'http' }, { 'x-forwarded-proto': 'https' }]) {
      const c = await cookieOf(a, headers);
      assert.match(c, /; Secure(;|$)/, `Secure with ${JSON.stringify(headers)}: ${c.replace(/=[^;]+/, '=…')}`);
      assert.match(c, /HttpOnly/);
    }
  });

  test('auto (local development over http): Secure only when the request came over HTTPS', async () => {
    const a = await startApp({ db: tdb.db, cacheServers: [`${env.cache.host}:${env.cache.port}`], clock: manualClock(Date.now()), cookieSecure: 'auto' });
    apps.push(a);
    assert.doesNotMatch(await cookieOf(a), /Secure/);
    assert.match(await cookieOf(a, { 'x-forwarded-proto': 'https' }), /; Secure(;|$)/);
  });
});
