// The real entry point (src/server.js) as a child process: config validation messages, the
// deploy's db:release run once and tasks that never migrate or load a catalogue at start, static
// SPA serving, graceful SIGTERM with a request in flight (held at the database by a paused TCP proxy).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAdminConnection } from '../src/lib/db.js';
import { BACKEND_DIR, TcpProxy, eventually, http, serverEnv, sleep } from './helpers.js';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startServer(env, script = 'src/server.js') {
  const child = spawn(process.execPath, [script], {
    cwd: BACKEND_DIR,
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { text: '' };
  child.stdout.on('data', (d) => { out.text += d; });
  child.stderr.on('data', (d) => { out.text += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

describe('server process', () => {
  let env; let dbName; let baseEnv; const children = [];
  before(async () => {
    env = serverEnv();
    dbName = `emt_server_${crypto.randomBytes(4).toString('hex')}`;
    baseEnv = {
      DB_HOST: env.db.host, DB_PORT: String(env.db.port), DB_USER: env.db.user, DB_PASSWORD: env.db.password,
      DB_NAME: dbName, MEMCACHED_SERVERS: process.env.MEMCACHED_SERVERS, LOG_LEVEL: 'info',
      CATALOG_DIR: path.join(BACKEND_DIR, 'catalog'), CATALOG_SHIFT_TO_TODAY: 'true',
      // Three tasks warming up at once on a shared CI machine (the default, 1000 rounds, took
      // over the 30 s readiness wait there); test/warmup.test.js covers the warm-up itself.
      WARM_UP_ROUNDS: '25',
    };
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    const conn = await createAdminConnection({ ...env.db }, { noDatabase: true });
    await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await conn.end();
  });

  test('invalid configuration: one clear message per variable, exit 1, no secret printed', async () => {
    const { child, out, exited } = startServer({ PORT: '99999', DB_PORT: 'abc', DB_USER: 'u', DB_PASSWORD: 'hunter2-secret', MIGRATE_ON_START: 'true', MEMCACHED_SERVERS: 'nohostport', LOG_LEVEL: 'loud' });
    children.push(child);
    const { code } = await exited;
    assert.equal(code, 1);
    for (const needle of ['PORT must be a TCP port', 'DB_PORT must be a TCP port', 'DB_HOST is required', 'DB_NAME is required',
      'MIGRATE_ON_START is no longer supported', 'MEMCACHED_SERVERS entry', 'LOG_LEVEL must be one of']) {
      assert.ok(out.text.includes(needle), `missing "${needle}" in:\n${out.text}`);
    }
    assert.ok(!out.text.includes('hunter2-secret'), 'password leaked');
    for (const line of out.text.trim().split('\n')) JSON.parse(line); // structured JSON logs
  });

  test('db:release once, then three tasks that never migrate or load at start; SPA + API; SIGTERM finishes an in-flight order', async () => {
    const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'em-static-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>eventmall</title><div id=root></div>');
    fs.mkdirSync(path.join(staticDir, 'assets'));
    fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');

    // The deploy stage: run once, from the image, before the tasks.
    const release = startServer(baseEnv, 'src/cli/db-release.js');
    children.push(release.child);
    assert.equal((await release.exited).code, 0, release.out.text.slice(-2000));
    assert.match(release.out.text, /"migrationsApplied":\["001_init/);
    const before = await createAdminConnection({ ...env.db, database: dbName });
    // A price changed after the load: a task that reloaded its catalogue at start would undo it.
    const [[probe]] = await before.query('SELECT id, price_cents FROM products ORDER BY id LIMIT 1');
    await before.query('UPDATE products SET price_cents = price_cents + 1 WHERE id = ?', [probe.id]);
    await before.end();

    const dbProxy = await new TcpProxy(env.db.host, env.db.port).start();
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const image = `registry.test/eventmall/backend@sha256:${'ab'.repeat(32)}`;
    const procs = ports.map((port, i) => startServer({
      ...baseEnv, PORT: String(port), IMAGE_REF: image,
      ...(i === 0 ? { STATIC_DIR: staticDir, DB_HOST: '127.0.0.1', DB_PORT: String(dbProxy.port) } : {}),
    }));
    children.push(...procs.map((p) => p.child));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    try {
      for (const [i, url] of urls.entries()) {
        // a readiness poll, not a timing assertion: three tasks start at once on a shared machine
        await eventually(async () => (await http(`${url}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 200 })
          .catch((err) => { throw new Error(`task ${i} not ready: ${err.message}; its log:\n${procs[i].out.text.slice(-3000)}`); });
      }
      const conn = await createAdminConnection({ ...env.db, database: dbName });
      const [[m]] = await conn.query('SELECT COUNT(*) AS n FROM schema_migrations');
      const [[p]] = await conn.query('SELECT COUNT(*) AS n FROM products');
      await conn.end();
      assert.equal(Number(m.n), fs.readdirSync(path.join(BACKEND_DIR, 'migrations')).filter((f) => f.endsWith('.sql')).length);
      assert.ok(Number(p.n) >= 16);
      for (const x of procs) assert.doesNotMatch(x.out.text, /applying migration|catalogue load|migrationsApplied/, 'a task migrated or loaded at start');
      for (const x of procs) { // each task warmed up, then listened
        const warmed = x.out.text.search(/"rounds":25,"requests":[0-9]+,[^\n]*"msg":"warmed up"/);
        assert.ok(warmed >= 0 && warmed < x.out.text.indexOf('Server listening'), x.out.text.slice(0, 2000));
      }
      const check = await createAdminConnection({ ...env.db, database: dbName });
      const [[after]] = await check.query('SELECT price_cents FROM products WHERE id = ?', [probe.id]);
      await check.end();
      assert.equal(Number(after.price_cents), Number(probe.price_cents) + 1, 'a task reloaded the catalogue at start');

      // /healthz names the image the task runs (from its task definition)
      const health = await http(`${urls[1]}/healthz`);
      assert.deepEqual(health.body, { status: 'ok', image });

      // the catalogue was shifted so that today has a live drop
      const url = urls[0];
      const cur = await http(`${url}/api/drops/current`);
      assert.equal(cur.status, 200);
      assert.ok(cur.body.drop, 'a live drop today');
      assert.ok(cur.body.drop.products.length >= 4);

      // static SPA: files, fallback to index.html for client routes, JSON 404 under /api
      const idx = await fetch(`${url}/`);
      assert.equal(idx.status, 200);
      assert.match(await idx.text(), /eventmall/);
      const deep = await fetch(`${url}/products/nn-tote`);
      assert.equal(deep.status, 200);
      assert.match(deep.headers.get('content-type'), /text\/html/);
      assert.equal((await fetch(`${url}/assets/app.js`)).status, 200);
      const api404 = await http(`${url}/api/nope`);
      assert.equal(api404.status, 404);
      assert.equal(api404.body.error.code, 'not_found');

      // session cookie attributes; the cookie alone identifies the customer
      const sres = await fetch(`${url}/api/session`, { method: 'POST' });
      assert.equal(sres.status, 201);
      const cookie = sres.headers.get('set-cookie');
      assert.match(cookie, /^em_session=[A-Za-z0-9_-]{43}\.[0-9a-z]+\.[0-9a-f]{8}\.[A-Za-z0-9_-]{43}; /);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.match(cookie, /Path=\//);
      const sbody = await sres.json();
      assert.ok(Date.parse(sbody.expiresAt) > Date.now());
      const sid = cookie.split(';')[0];
      const productId = cur.body.drop.products.find((x) => !x.soldOut).id;

      // graceful shutdown: hold an order at the database, SIGTERM, release: it completes with 201
      dbProxy.pause();
      const inflight = http(`${url}/api/orders`, { method: 'POST', headers: { cookie: sid, 'idempotency-key': 'sigterm-order-1' }, json: { productId, quantity: 1 } });
      await sleep(300);
      procs[0].child.kill('SIGTERM');
      await sleep(300);
      const during = await http(`${urls[0]}/healthz`).catch((e) => ({ status: 'refused', e }));
      assert.notEqual(during.status, 200, 'no new requests accepted while draining');
      dbProxy.resume();
      const res = await inflight;
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { code } = await procs[0].exited;
      assert.equal(code, 0, procs[0].out.text.split('\n').filter((l) => !l.includes('"request"')).slice(-8).join('\n'));
      assert.match(procs[0].out.text, /shutting down/);
      assert.match(procs[0].out.text, /shutdown complete/);
      assert.ok(!procs[0].out.text.includes(env.db.password), 'password leaked into logs');
      assert.ok(!procs[0].out.text.includes(sid.split('=')[1]), 'session id leaked into logs');

      // the order is durable: another task sees it
      const o = await http(`${urls[1]}/api/orders/${res.body.order.id}`, { headers: { cookie: sid } });
      assert.equal(o.status, 200);
      for (const p2 of procs.slice(1)) p2.child.kill('SIGTERM');
      for (const p2 of procs.slice(1)) assert.equal((await p2.exited).code, 0, p2.out.text.slice(-2000));
    } finally {
      await dbProxy.stop();
    }
  });
});
