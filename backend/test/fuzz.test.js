// Property-based fuzzing (fast-check) of every endpoint's input against the real app with a real
// database and cache: thousands of malformed requests, zero 5xx, every API error well-formed JSON.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { createTestDatabase, http, loadDocs, newSession, product, startApp } from './helpers.js';

const TZ = 'UTC';
const doc = {
  event: { id: 'fuzz-ev', name: 'Fuzz', timeZone: TZ },
  drops: [{ id: 'f-d1', date: '2034-01-01', products: [product('f-p1', { stock: 1_000_000, limitPerCustomer: 100 }), product('f-p2', { stock: 0 })] }],
};
const RUNS = Number(process.env.FUZZ_RUNS || 1000);

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const weird = fc.string({ unit: 'binary', maxLength: 300 });
const anyJsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  weird,
  printable,
  fc.constantFrom('', '{', '}', '[]', 'null', 'true', '0', '"x"', '{"productId":', '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}', '{"productId":"f-p1","quantity":1e400}',
    '{"productId":"f-p1","quantity":-0}', '{"productId":"f-p1","quantity":1,"quantity":2}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"productId":"${'a'.repeat(20000)}"}`, '\uFEFF{"productId":"f-p1"}',
    '{"productId":"f-p1\u0000","quantity":1}', '{"productId":"F-P1","quantity":1}'),
);
const orderObject = fc.record({
  productId: fc.oneof(fc.constantFrom('f-p1', 'f-p2', 'nope', '', 'f-p1 ', '../../etc/passwd', '𝔣-𝔭1'), weird, fc.anything()),
  quantity: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1, 0, -1, 100, 101, 2 ** 53, Number.NaN), fc.anything()),
}, { requiredKeys: [] }).chain((o) => fc.oneof(fc.constant(o), fc.dictionary(fc.string({ maxLength: 10 }), fc.anything(), { maxKeys: 3 }).map((extra) => ({ ...o, ...extra }))));
const body = fc.oneof(anyJsonText, orderObject.map((o) => {
  try {
    return JSON.stringify(o) ?? 'null';
  } catch {
    return '{}';
  }
}), fc.uint8Array({ maxLength: 512 }).map((u) => Buffer.from(u)));
const contentType = fc.option(fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16',
    'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx',
    'APPLICATION/JSON', 'application/json;;;', '*/*', ''),
  printable,
), { nil: undefined });
const pathSegment = fc.oneof(
  fc.constantFrom('f-p1', 'f-p2', '%', '%ZZ', '%E0%A4%A', '%00', '..', '.', '%2e%2e', 'a'.repeat(300), '00000000-0000-4000-8000-000000000000'),
  weird.map((s) => encodeURIComponent(s)),
  printable.map((s) => s.replace(/[#?/\s]/g, '')),
);

function assertGoodResponse(res, context, method) {
  assert.ok(res.statusCode < 500, `${res.statusCode} for ${context}: ${res.body?.slice?.(0, 300)}`);
  if (res.statusCode >= 400 && method !== 'HEAD') {
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(res.body); }, `non-JSON error body for ${context}`);
    assert.equal(typeof parsed.error?.code, 'string', `no error.code for ${context}: ${res.body}`);
    assert.equal(typeof parsed.error?.message, 'string', context);
  }
}

describe('fuzzing (fast-check)', () => {
  let tdb; let pool; let srv; let session;
  let total = 0;
  before(async () => {
    tdb = await createTestDatabase('fuzz');
    pool = createPool(tdb.db);
    const clock = manualClock(startOfLocalDay('2034-01-01', TZ) + 3600e3);
    await loadDocs(pool, { 'f.json': doc }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock });
    session = await newSession(srv.url);
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  const inject = async (opts, context) => {
    total++;
    const res = await srv.app.inject(opts);
    assertGoodResponse(res, context ?? `${opts.method} ${opts.url}`, opts.method);
    return res;
  };

  test('POST /api/orders: malformed bodies, headers, content types and sessions', async () => {
    await fc.assert(fc.asyncProperty(
      body, contentType,
      fc.option(fc.oneof(fc.constantFrom('valid-key-0001', 'short', 'x'.repeat(129), 'bad key'), printable), { nil: undefined }),
      fc.constantFrom('valid', 'none', 'garbage', 'cookie'),
      async (payload, ct, key, sess) => {
        const headers = {};
        if (ct !== undefined) headers['content-type'] = ct;
        if (key !== undefined) headers['idempotency-key'] = key;
        if (sess === 'valid') headers['x-session-id'] = session;
        if (sess === 'garbage') headers['x-session-id'] = 'x'.repeat(43);
        if (sess === 'cookie') headers.cookie = `em_session=${session}; other=%%%; =;;`;
        await inject({ method: 'POST', url: '/api/orders', headers, payload }, `order ${JSON.stringify(headers)} ${String(payload).slice(0, 80)}`);
      },
    ), { numRuns: RUNS * 2 });
  });

  test('POST /api/session, GET products/orders/drops with odd paths, queries and bodies', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('session', 'product', 'order', 'drops', 'health'),
      pathSegment, fc.option(body, { nil: undefined }), contentType, printable,
      async (kind, seg, payload, ct, query) => {
        const headers = ct !== undefined ? { 'content-type': ct } : {};
        if (kind === 'order') headers['x-session-id'] = session;
        const q = `?${encodeURIComponent(query)}=${encodeURIComponent(query)}`;
        const routes = {
          session: { method: 'POST', url: `/api/session${q}` },
          product: { method: 'GET', url: `/api/products/${seg}${q}` },
          order: { method: 'GET', url: `/api/orders/${seg}` },
          drops: { method: 'GET', url: `/api/drops/current${q}` },
          health: { method: 'GET', url: `/readyz${q}` },
        };
        await inject({ ...routes[kind], headers, payload });
      },
    ), { numRuns: RUNS });
  });

  test('any method on any path', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      fc.array(pathSegment, { maxLength: 4 }), fc.option(body, { nil: undefined }), contentType,
      async (method, segs, payload, ct) => {
        await inject({ method, url: `/${['api', ...segs].join('/')}`, headers: ct !== undefined ? { 'content-type': ct } : {}, payload });
      },
    ), { numRuns: RUNS });
  });

  test('huge bodies are refused with 413, not 5xx', async () => {
    for (const size of [16 * 1024 + 1, 1024 * 1024, 5 * 1024 * 1024]) {
      const res = await inject({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json', 'x-session-id': session, 'idempotency-key': 'huge-body-1' }, payload: `{"productId":"${'a'.repeat(size)}"}` });
      assert.equal(res.statusCode, 413);
      assert.equal(JSON.parse(res.body).error.code, 'body_too_large');
    }
  });

  test('raw malformed HTTP over a real socket: no 5xx, server stays up', async () => {
    const { port } = srv.app.server.address();
    const raw = (data) => new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let out = '';
      sock.setTimeout(3000, () => sock.destroy());
      sock.on('data', (d) => { out += d.toString('latin1'); });
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(out));
      sock.end(data);
    });
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
        fc.tuple(fc.constantFrom('GET', 'POST', 'BREW', 'G E T', ''), weird, fc.constantFrom('HTTP/1.1', 'HTTP/9.9', 'HTTP/1.1\r\nContent-Length: -1', 'HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz', ''))
          .map(([m, p, v]) => Buffer.from(`${m} /api/${p} ${v}\r\nHost: x\r\n\r\n`, 'utf8')),
        fc.tuple(printable, weird).map(([h, v]) => Buffer.from(`POST /api/orders HTTP/1.1\r\nHost: x\r\n${h}: ${v}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`, 'utf8')),
      ),
      async (data) => {
        total++;
        const out = await raw(data);
        const m = /^HTTP\/1\.1 (\d{3})/.exec(out);
        if (m) assert.ok(Number(m[1]) < 500, `got ${m[1]} for ${JSON.stringify(data.toString('latin1').slice(0, 120))}`);
      },
    ), { numRuns: Math.max(100, Math.round(RUNS / 4)) });
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);
    assert.ok(total >= 4 * RUNS, `ran ${total} requests`);
    // the real stock was never corrupted by any of it
    const [[p]] = await pool.query('SELECT stock_total - stock_remaining AS sold FROM products WHERE id = ?', ['f-p1']);
    const [[o]] = await pool.query('SELECT COALESCE(SUM(quantity), 0) AS q FROM orders WHERE product_id = ?', ['f-p1']);
    assert.equal(Number(p.sold), Number(o.q));
  });
});
