// The API's contract: the route schemas (src/api-schema.js) are the one statement of it. The
// committed openapi.json is what they generate; refusals name the field and the rule; the
// response serializer (which drops what a schema does not list) loses nothing the shop returns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { buildApp } from '../src/app.js';
import { ERROR_CODES, ERROR_STATUS, ShopError } from '../src/lib/errors.js';
import { OPENAPI_FILE, openapiText } from '../src/openapi.js';
import { createPool } from '../src/lib/db.js';
import { manualClock } from '../src/lib/clock.js';
import { startOfLocalDay } from '../src/lib/time.js';
import { createTestDatabase, http, loadDocs, newSession, order, product, startApp } from './helpers.js';

describe('the OpenAPI document', () => {
  test('backend/openapi.json is what the route schemas generate (run `npm run openapi` and commit it)', async () => {
    const committed = fs.readFileSync(OPENAPI_FILE, 'utf8');
    const generated = await openapiText();
    if (committed !== generated) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      assert.fail(`openapi.json is stale: first difference at line ${i + 1}:\n  committed: ${a[i]}\n  generated: ${b[i]}\nRun \`npm run openapi\` in backend/ and commit openapi.json.`);
    }
  });

  test('it documents every route, every error code and only the codes the mapper knows', async () => {
    const doc = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/drops/current', '/api/orders', '/api/orders/{id}', '/api/products/{id}',
      '/api/queue', '/api/queue/state', '/api/queue/status', '/api/session', '/healthz', '/readyz']);
    assert.deepEqual(doc.components.schemas.Error.properties.error.properties.code.enum, ERROR_CODES);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(Object.keys(op.responses).some((s) => /^2/.test(s)), `${method} ${p} documents no success`);
      }
    }
    assert.throws(() => new ShopError('teapot', 'no such code'), /unknown code "teapot"/);
    for (const code of ERROR_CODES) assert.ok(ERROR_STATUS[code] >= 400 && ERROR_STATUS[code] < 600, code);
  });
});

describe('refusals by the route schemas', () => {
  // Validation runs before any handler: a shop that is never reached.
  let app;
  before(async () => {
    const never = new Proxy({}, { get: (t, k) => (k === 'then' ? undefined : () => { throw new Error(`shop.${String(k)} called`); }) });
    const shop = { resolveSession: async () => ({ id: 'customer-1', expiresAt: Date.now() + 3600e3 }) };
    app = await buildApp({ shop: new Proxy(shop, { get: (t, k) => t[k] ?? never[k] }), cache: never, logger: false });
  });
  after(() => app?.close());

  const post = (headers, payload) => app.inject({
    method: 'POST', url: '/api/orders', payload,
    headers: { 'x-session-id': 'x', 'content-type': 'application/json', ...headers },
  });

  test('each refusal names the field and the rule, with the documented code', async () => {
    const key = { 'idempotency-key': 'contract-key-1' };
    const cases = [
      [{}, '{"productId":"p-1"}', 'idempotency_key_required', 'Idempotency-Key', /Send the Idempotency-Key header \(8-128 characters/],
      [{ 'idempotency-key': 'short' }, '{"productId":"p-1"}', 'invalid_idempotency_key', 'Idempotency-Key', /^Idempotency-Key must be 8-128 characters/],
      [key, '{"productId":"p-1","quantity":"1"}', 'invalid_field', 'quantity', /^quantity must be a whole number between 1 and 100\.$/],
      [key, '{"productId":"p-1","quantity":101}', 'invalid_field', 'quantity', /between 1 and 100/],
      [key, '{"quantity":1}', 'missing_field', 'productId', /^productId is required \(a product id: lowercase letters/],
      [key, '{"productId":"P 1"}', 'invalid_field', 'productId', /^productId must be a product id/],
      [key, '{"productId":"p-1","coupon":"x"}', 'unknown_field', 'coupon', /^Unknown field "coupon"\.$/],
      [key, '[1]', 'invalid_body', undefined, /^The body must be a JSON object like/],
      [key, 'null', 'invalid_body', undefined, /^The body must be a JSON object like/],
    ];
    for (const [headers, payload, code, field, message] of cases) {
      const r = await post(headers, payload);
      const { error } = JSON.parse(r.body);
      assert.equal(r.statusCode, 400, `${payload}: ${r.body}`);
      assert.equal(error.code, code, r.body);
      assert.equal(error.field, field, r.body);
      assert.match(error.message, message);
      assert.equal(r.headers['cache-control'], 'no-store');
    }
  });
});

describe('methods', () => {
  test('a documented path asked with another method: 405 naming the methods it has (Allow); an unknown path: 404', async () => {
    const app = await buildApp({ shop: {}, cache: {}, logger: false });
    try {
      for (const [method, url, allow] of [['DELETE', '/api/orders', 'POST'], ['PUT', '/api/products/p-1', 'GET, HEAD'], ['TRACE', '/readyz', 'GET, HEAD'], ['QUERY', '/api/session', 'POST']]) {
        const r = await app.inject({ method, url });
        assert.equal(r.statusCode, 405, `${method} ${url}: ${r.body}`);
        assert.equal(r.headers.allow, allow);
        assert.equal(JSON.parse(r.body).error.code, 'method_not_allowed');
      }
      const unknown = await app.inject({ method: 'PUT', url: '/api/nope' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(JSON.parse(unknown.body).error.code, 'not_found');
    } finally {
      await app.close();
    }
  });
});

describe('responses keep every field the shop returns', () => {
  const TZ = 'UTC';
  const doc = {
    event: { id: 'contract-ev', name: 'Contract', timeZone: TZ },
    drops: [
      { id: 'ct-d1', date: '2034-02-01', products: [product('ct-p1', { stock: 10 }), product('ct-p2', { stock: 0 })] },
      { id: 'ct-d2', date: '2034-02-02', products: [product('ct-p3')] },
    ],
  };
  let tdb; let pool; let srv;
  before(async () => {
    tdb = await createTestDatabase('contract');
    pool = createPool(tdb.db);
    const clock = manualClock(startOfLocalDay('2034-02-01', TZ) + 3600e3);
    await loadDocs(pool, { 'c.json': doc }, clock.now());
    srv = await startApp({ db: tdb.db, cacheServers: [process.env.MEMCACHED_SERVERS.split(',')[0]], clock });
  });
  after(async () => {
    await srv?.close();
    await pool?.end();
    await tdb?.drop();
  });

  test('drop, product and order documents over HTTP equal what the shop built', async () => {
    const drop = await http(`${srv.url}/api/drops/current`);
    assert.deepEqual(drop.body, { ...(await srv.shop.currentDrop()), waitingRoom: false });
    assert.ok(drop.body.drop.products.length === 2 && drop.body.nextDropAt);
    const p = await http(`${srv.url}/api/products/ct-p1`);
    assert.deepEqual(p.body, await srv.shop.product('ct-p1'));
    const s = await newSession(srv.url);
    const o = await order(srv.url, s, 'contract-order-1', 'ct-p1', 2);
    assert.equal(o.status, 201);
    const again = await http(`${srv.url}/api/orders/${o.body.order.id}`, { headers: { 'x-session-id': s } });
    const customer = (await srv.shop.resolveSession(s)).id;
    assert.deepEqual(again.body, { order: await srv.shop.order(customer, o.body.order.id) });
    assert.deepEqual(Object.keys(again.body.order).sort(), ['createdAt', 'currency', 'id', 'productId', 'quantity', 'status', 'totalCents']);
  });
});
