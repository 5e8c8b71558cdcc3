// A catalogue-only deploy's object (src/catalog/object.js): named by the sha256 of its bytes,
// refused when they do not match, validated again, loaded by src/cli/catalog-load.js from S3
// (a local HTTP server standing in for S3, the real S3 client) into a real database.
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPool } from '../src/lib/db.js';
import { CatalogObjectError, OBJECT_FORMAT, catalogFromObject, catalogDirFromObject, parseObjectUri } from '../src/catalog/object.js';
import { BACKEND_DIR, createTestDatabase, product, serverEnv } from './helpers.js';

const run = promisify(execFile);

const doc = (price = 1000) => ({
  revision: 1,
  event: { id: 'obj-ev', name: 'Object test', timeZone: 'Europe/Paris' },
  drops: [{ id: 'o-d1', date: '2032-05-01', products: [product('o-p1', { priceCents: price }), product('o-p2')] }],
});

/** An object as publish-catalogue writes it: its key named by the sha256 of its bytes. */
function object(files, env = 'prod') {
  const bytes = Buffer.from(JSON.stringify({ format: OBJECT_FORMAT, files }));
  const digest = crypto.createHash('sha256').update(bytes).digest('hex');
  return { bytes, digest, key: `${env}/catalogue/${digest}.json`, uri: `s3://state-bucket/${env}/catalogue/${digest}.json` };
}
const text = (d) => `${JSON.stringify(d, null, 2)}\n`;

describe('catalogue object: checks before anything is loaded', () => {
  test('the name is the sha256 of the bytes; one byte off is refused naming both digests', () => {
    const o = object({ 'a.json': text(doc()) });
    assert.deepEqual(parseObjectUri(o.uri), { bucket: 'state-bucket', key: o.key, digest: o.digest });
    assert.equal(catalogFromObject(o.uri, o.bytes).files['a.json'], text(doc()));
    const tampered = Buffer.from(o.bytes.toString().replace('\\"priceCents\\": 1000', '\\"priceCents\\": 1001'));
    assert.throws(() => catalogFromObject(o.uri, tampered), (e) => e instanceof CatalogObjectError
      && e.message.includes(`not the ${o.digest} of its name`) && e.message.includes(crypto.createHash('sha256').update(tampered).digest('hex')));
  });

  test('a name that is not catalogue/<sha256>.json, another format, or a file name with a path is refused', () => {
    assert.throws(() => parseObjectUri('s3://b/prod/history/x.json'), /catalogue\/<sha256>\.json/);
    assert.throws(() => parseObjectUri('/tmp/catalog.json'), /want s3:\/\//);
    const wrongFormat = Buffer.from(JSON.stringify({ format: 'other/1', files: { 'a.json': '{}' } }));
    const d = crypto.createHash('sha256').update(wrongFormat).digest('hex');
    assert.throws(() => catalogFromObject(`s3://b/prod/catalogue/${d}.json`, wrongFormat), /format "other\/1"/);
    const o = object({ '../a.json': '{}' });
    assert.throws(() => catalogFromObject(o.uri, o.bytes), /is not a \*\.json file name/);
  });

  test('the files are written out as a directory catalog and read through the given getter', async () => {
    const o = object({ 'a.json': text(doc(4200)) });
    const { dir, digest } = await catalogDirFromObject(o.uri, { get: async (where) => { assert.equal(where.key, o.key); return o.bytes; } });
    assert.equal(digest, o.digest);
    assert.match(dir, /\/catalog$/);
  });
});

describe('catalog-load.js with CATALOG_OBJECT (real database, S3 through the real client)', () => {
  let tdb; let pool; let s3; let endpoint;
  const objects = new Map();
  before(async () => {
    serverEnv();
    tdb = await createTestDatabase('catobj');
    pool = createPool(tdb.db);
    s3 = http.createServer((req, res) => {
      const body = req.method === 'GET' ? objects.get(decodeURIComponent(req.url.split('?')[0])) : undefined;
      if (!body) {
        res.writeHead(404, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    await new Promise((r) => s3.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${s3.address().port}`;
  });
  after(async () => {
    await pool?.end();
    await tdb?.drop();
    s3?.close();
  });

  const price = async (id) => Number((await pool.query('SELECT price_cents FROM products WHERE id = ?', [id]))[0][0]?.price_cents);
  const load = (o, over = {}) => {
    const env = serverEnv();
    return run(process.execPath, ['src/cli/catalog-load.js'], {
      cwd: BACKEND_DIR,
      env: {
        PATH: process.env.PATH, DB_HOST: env.db.host, DB_PORT: String(env.db.port), DB_USER: env.db.user,
        DB_PASSWORD: env.db.password, DB_NAME: tdb.db.database, LOG_LEVEL: 'info', CATALOG_OBJECT: o.uri,
        AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test-secret', ...over,
      },
    }).then((r) => ({ code: 0, ...r }), (e) => e);
  };
  const publish = (o) => objects.set(`/state-bucket/${o.key}`, o.bytes);

  test('loads the published object (not the image\'s own catalog/) and names it in its summary', async () => {
    const o = object({ 'obj.json': text(doc(1000)) });
    publish(o);
    const r = await load(o);
    assert.equal(r.code, 0, r.stderr);
    const last = r.stdout.trim().split('\n').at(-1);
    assert.match(last, /"msg":"catalogue loaded"/);
    assert.ok(last.includes(o.digest), last);
    assert.equal(await price('o-p1'), 1000);
    // A price change: a new object, loaded; the image's catalog/ (neon-nights) is never read.
    const o2 = object({ 'obj.json': text(doc(1234)) });
    publish(o2);
    const r2 = await load(o2);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(await price('o-p1'), 1234);
    const [[n]] = await pool.query("SELECT COUNT(*) AS n FROM events WHERE id = 'neon-nights-2026'");
    assert.equal(Number(n.n), 0);
  });

  test('an object whose bytes do not match its name is refused: exit 1, nothing changes', async () => {
    const o = object({ 'obj.json': text(doc(999)) });
    objects.set(`/state-bucket/${o.key}`, Buffer.from(o.bytes.toString().replace('"priceCents\\": 999', '"priceCents\\": 1')));
    const r = await load(o);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /catalogue object error: .*refused: its bytes hash to sha256 [0-9a-f]{64}, not the/);
    assert.equal(await price('o-p1'), 1234);
  });

  test('an invalid catalogue inside a well-named object fails naming the field: exit 1, nothing changes', async () => {
    const bad = doc(5);
    bad.drops[0].products[0].priceCents = -5;
    const o = object({ 'obj.json': text(bad) });
    publish(o);
    const r = await load(o);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /"file":"catalog\/obj\.json","item":"drops\[0\]\.products\[0\] \(id \\"o-p1\\"\)","field":"priceCents","msg":"catalogue error: must be an integer number of cents/);
    assert.equal(await price('o-p1'), 1234);
  });

  test('a missing object fails naming it', async () => {
    const o = object({ 'obj.json': text(doc(7)) });
    const r = await load(o);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes(`reading s3://state-bucket/${o.key}`), r.stdout);
  });
});
