// The midnight rush, on this machine, against ONE backend process with real MariaDB + memcached
// (start them with scripts/test-servers.sh start; eval "$(scripts/test-servers.sh env)").
//
//   npm run bench -- [--customers 20000] [--seconds 60] [--profile spike|uniform]
//                    [--kill-cache-at 30] [--stock 1000] [--limited 5] [--compare-seconds 10]
//
// Each customer: POST /api/session, GET /api/drops/current, GET /api/products/:id,
// POST /api/orders on one of the limited-stock items. Traffic goes to 127.0.0.1 only.
// Afterwards, in the same run: closed-loop max throughput of GET /api/drops/current on the
// backend and of a bare Node http server, for comparison.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { createAdminConnection } from '../src/lib/db.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BACKEND = path.resolve(HERE, '..');
const { values: opt } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    profile: { type: 'string', default: 'spike' },
    'kill-cache-at': { type: 'string', default: '' },
    stock: { type: 'string', default: '1000' },
    limited: { type: 'string', default: '5' },
    'compare-seconds': { type: 'string', default: '10' },
    connections: { type: 'string', default: '256' },
    out: { type: 'string', default: '' },
  },
});
const CUSTOMERS = Number(opt.customers);
const SECONDS = Number(opt.seconds);
const KILL_AT = opt['kill-cache-at'] ? Number(opt['kill-cache-at']) : null;
const STOCK = Number(opt.stock);
const LIMITED = Number(opt.limited);
const COMPARE_S = Number(opt['compare-seconds']);

for (const k of ['DB_HOST', 'DB_USER', 'DB_PASSWORD', 'MEMCACHED_SERVERS']) {
  if (!process.env[k]) {
    console.error(`bench: ${k} not set. Run: scripts/test-servers.sh start && eval "$(scripts/test-servers.sh env)"`);
    process.exit(2);
  }
}
const dbCfg = { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD, database: 'em_bench' };
if (!['127.0.0.1', 'localhost'].includes(dbCfg.host)) {
  console.error('bench: refusing to run against a non-loopback database');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------- catalogue: one event whose first day is today in UTC ----------
function benchCatalog() {
  const products = [];
  for (let i = 1; i <= LIMITED; i++) {
    products.push({ id: `bench-limited-${i}`, name: `Limited item ${i}`, description: 'Limited-stock bench item', priceCents: 4900, currency: 'EUR', imageUrl: `/images/bench-${i}.jpg`, stock: STOCK, limitPerCustomer: 1 });
  }
  products.push({ id: 'bench-plenty', name: 'Plenty', description: 'Large stock', priceCents: 900, currency: 'EUR', imageUrl: '/images/plenty.jpg', stock: 1_000_000, limitPerCustomer: 5 });
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'em-bench-catalog-'));
  fs.writeFileSync(path.join(dir, 'bench.json'), JSON.stringify({
    event: { id: 'bench-event', name: 'Bench event', timeZone: 'UTC' },
    drops: [
      { id: 'bench-d1', date: today, products },
      { id: 'bench-d2', date: tomorrow, products: [{ ...products[0], id: 'bench-next' }] },
    ],
  }));
  return dir;
}

// ---------- child processes ----------
function startChild(args, env, readyRe) {
  const child = spawn(process.execPath, args, { cwd: BACKEND, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return {
    child,
    output: () => out,
    ready: async () => {
      for (let i = 0; i < 600; i++) {
        const m = readyRe.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`child exited: ${out.slice(-2000)}`);
        await sleep(50);
      }
      throw new Error(`child not ready: ${out.slice(-2000)}`);
    },
  };
}

// ---------- stats ----------
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summarize(samples) {
  const s = Float64Array.from(samples).sort();
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  return { count: s.length, p50: r(pct(s, 50)), p95: r(pct(s, 95)), p99: r(pct(s, 99)), max: r(s.length ? s[s.length - 1] : null) };
}

// ---------- the rush ----------
async function rush(base, agent) {
  const lat = { session: [], drop: [], product: [], order: [], all: [], customer: [] };
  const status = {};
  const windows = [];
  const errors = { network: 0, unexpected: 0, samples: [] };
  let sold = 0;
  let soldOut = 0;
  const t0 = performance.now();
  const winOf = (t) => Math.floor((t - t0) / 10000);
  const win = (t) => (windows[winOf(t)] ??= { requests: 0, errors: 0, lat: [] });

  async function call(name, method, urlPath, { headers = {}, body, expect }) {
    const start = performance.now();
    let code;
    let json;
    try {
      const res = await request(base + urlPath, { method, headers, body, dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      code = res.statusCode;
      const text = await res.body.text();
      try { json = JSON.parse(text); } catch { json = null; }
    } catch (err) {
      code = 'network';
      if (errors.samples.length < 5) errors.samples.push(`${name}: ${err.code || err.message}`);
    }
    const ms = performance.now() - start;
    lat[name].push(ms);
    lat.all.push(ms);
    const w = win(start);
    w.requests++;
    w.lat.push(ms);
    status[`${name} ${code}`] = (status[`${name} ${code}`] ?? 0) + 1;
    if (code === 'network') {
      errors.network++;
      w.errors++;
    } else if (!expect.includes(code)) {
      errors.unexpected++;
      w.errors++;
      if (errors.samples.length < 10) errors.samples.push(`${name} ${code} ${JSON.stringify(json)?.slice(0, 160)}`);
    }
    return { code, json };
  }

  async function customer(i) {
    const start = performance.now();
    const s = await call('session', 'POST', '/api/session', { expect: [201] });
    if (s.code !== 201) return;
    const sid = s.json.sessionId;
    const d = await call('drop', 'GET', '/api/drops/current', { headers: { 'x-session-id': sid }, expect: [200] });
    const pid = `bench-limited-${(i % LIMITED) + 1}`;
    await call('product', 'GET', `/api/products/${pid}`, { headers: { 'x-session-id': sid }, expect: [200] });
    if (d.code !== 200) return;
    const o = await call('order', 'POST', '/api/orders', {
      headers: { 'x-session-id': sid, 'idempotency-key': `bench-${i}-${crypto.randomBytes(6).toString('hex')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ productId: pid, quantity: 1 }),
      expect: [201, 409],
    });
    if (o.code === 201) sold++;
    if (o.code === 409) soldOut++;
    lat.customer.push(performance.now() - start);
  }

  // Arrival times: uniform, or a midnight spike (rate decays e^(-t/20s): ~40% arrive in the first 10 s).
  const arrivals = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const u = (i + 0.5) / CUSTOMERS;
    if (opt.profile === 'uniform') arrivals.push(u * SECONDS * 1000);
    else {
      const tau = SECONDS / 3;
      arrivals.push(-tau * Math.log(1 - u * (1 - Math.exp(-SECONDS / tau))) * 1000);
    }
  }
  const inflight = new Set();
  let killed = null;
  let next = 0;
  while (next < arrivals.length) {
    const now = performance.now() - t0;
    if (KILL_AT !== null && !killed && now >= KILL_AT * 1000) {
      killed = now;
      log(`killing memcached at t=${(now / 1000).toFixed(1)}s`);
      execFileSync(path.join(BACKEND, 'scripts/test-servers.sh'), ['kill-cache'], { stdio: 'ignore' });
    }
    while (next < arrivals.length && arrivals[next] <= now) {
      const p = customer(next).finally(() => inflight.delete(p));
      inflight.add(p);
      next++;
    }
    await sleep(2);
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  const total = lat.all.length;
  return {
    profile: opt.profile,
    customers: CUSTOMERS,
    arrivalSeconds: SECONDS,
    elapsedSeconds: Math.round(elapsed * 10) / 10,
    requests: total,
    throughputRps: Math.round(total / elapsed),
    latencyMs: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, summarize(v)])),
    statuses: status,
    errors: { network: errors.network, unexpected: errors.unexpected, samples: errors.samples },
    ordersConfirmed: sold,
    ordersSoldOut: soldOut,
    memcachedKilledAtSeconds: killed === null ? null : Math.round(killed / 100) / 10,
    windows: windows.map((w, i) => ({ from: i * 10, requests: w.requests, errors: w.errors, rps: Math.round(w.requests / 10), ...summarize(w.lat) })),
  };
}

// ---------- closed-loop max throughput ----------
async function closedLoop(url, seconds, concurrency, agent) {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let errs = 0;
  const lat = [];
  async function worker() {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const res = await request(url, { dispatcher: agent });
        await res.body.text();
        if (res.statusCode !== 200) errs++;
      } catch {
        errs++;
      }
      lat.push(performance.now() - s);
      n++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: n, errors: errs, rps: Math.round(n / seconds), latencyMs: summarize(lat) };
}

// ---------- main ----------
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
async function main() {
  const killRequested = KILL_AT !== null;
  log(`preparing database ${dbCfg.database}`);
  const admin = await createAdminConnection(dbCfg, { noDatabase: true });
  await admin.query(`DROP DATABASE IF EXISTS \`${dbCfg.database}\``);
  await admin.end();
  // flush memcached so the rush starts cold, like a fresh midnight
  const catalogDir = benchCatalog();
  const port = 18000 + Math.floor(Math.random() * 1000);
  const env = {
    PORT: String(port), DB_NAME: dbCfg.database, MIGRATE_ON_START: 'true', CATALOG_DIR: catalogDir,
    CATALOG_SHIFT_TO_TODAY: 'false', LOG_LEVEL: 'warn', STATIC_DIR: '',
  };
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the backend.
  const serverArgs = (process.env.BENCH_SERVER_NODE_ARGS || '').split(' ').filter(Boolean);
  const backend = startChild([...serverArgs, 'src/server.js'], env, null);
  children.push(backend.child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await request(`${base}/readyz`);
      await r.body.text();
      if (r.statusCode === 200) break;
    } catch { /* not yet */ }
    if (backend.child.exitCode !== null || i > 600) throw new Error(`backend did not start: ${backend.output().slice(-2000)}`);
    await sleep(100);
  }
  log(`backend ready on ${base} (pid ${backend.child.pid}); rush: ${CUSTOMERS} customers in ${SECONDS}s (${opt.profile})${killRequested ? `, memcached killed at ${KILL_AT}s` : ''}`);

  const agent = new Agent({ connections: Number(opt.connections), pipelining: 1, keepAliveTimeout: 30_000 });
  const rushResult = await rush(base, agent);

  // database truth
  const conn = await createAdminConnection(dbCfg);
  const [rows] = await conn.query(`SELECT p.id, p.stock_total, p.stock_remaining,
      (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = p.id) AS ordered
    FROM products p WHERE p.id LIKE 'bench-limited-%' ORDER BY p.id`);
  await conn.end();
  const stock = rows.map((r) => ({ id: r.id, stock: Number(r.stock_total), remaining: Number(r.stock_remaining), unitsInOrders: Number(r.ordered) }));
  const unitsSold = stock.reduce((n, r) => n + (r.stock - r.remaining), 0);
  const unitsInOrders = stock.reduce((n, r) => n + r.unitsInOrders, 0);
  const stockTotal = stock.reduce((n, r) => n + r.stock, 0);
  rushResult.stock = { limitedItems: stock.length, stockTotal, unitsSold, unitsInOrders, confirmedResponses: rushResult.ordersConfirmed, oversold: Math.max(0, unitsInOrders - stockTotal), consistent: unitsSold === unitsInOrders && unitsInOrders === rushResult.ordersConfirmed };

  if (killRequested) {
    log('restarting memcached');
    execFileSync(path.join(BACKEND, 'scripts/test-servers.sh'), ['start-cache'], { stdio: 'ignore' });
    await sleep(1500);
  }

  // comparison: closed loop, same concurrency, same machine
  log(`closed-loop comparison: ${COMPARE_S}s each, 64 connections`);
  const cmpAgent = new Agent({ connections: 64, pipelining: 1 });
  const backendMax = await closedLoop(`${base}/api/drops/current`, COMPARE_S, 64, cmpAgent);
  const bare = startChild(['bench/bare-server.js'], { PORT: '0' }, /\{"port":(\d+)\}/);
  const barePort = Number((await bare.ready())[1]);
  const bareMax = await closedLoop(`http://127.0.0.1:${barePort}/`, COMPARE_S, 64, cmpAgent);
  children.push(bare.child);
  bare.child.kill('SIGTERM');

  backend.child.kill('SIGTERM');
  await new Promise((r) => backend.child.on('exit', r));
  await agent.close();
  await cmpAgent.close();

  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10), node: process.version },
    rush: rushResult,
    comparison: {
      backendDropsCurrent: backendMax,
      bareNodeHttp: bareMax,
      backendVsBare: Math.round((backendMax.rps / bareMax.rps) * 1000) / 10,
      rushThroughputVsBare: Math.round((rushResult.throughputRps / bareMax.rps) * 1000) / 10,
    },
    backendWarnings: backend.output().split('\n').filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"')).slice(0, 8),
  };
  const outFile = opt.out || path.join(HERE, 'results', `${result.when.replace(/[:.]/g, '-')}${killRequested ? '-kill-cache' : ''}.json`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);

  const L = rushResult.latencyMs;
  console.log(`
midnight rush: ${CUSTOMERS} customers over ${SECONDS}s (${opt.profile}), one backend process
  requests        ${rushResult.requests} in ${rushResult.elapsedSeconds}s = ${rushResult.throughputRps} req/s
  latency (all)   p50 ${L.all.p50} ms   p95 ${L.all.p95} ms   p99 ${L.all.p99} ms   max ${L.all.max} ms
  per endpoint    session p99 ${L.session.p99} | drop p99 ${L.drop.p99} | product p99 ${L.product.p99} | order p50 ${L.order.p50} p99 ${L.order.p99} ms
  errors          network ${rushResult.errors.network}, unexpected status ${rushResult.errors.unexpected}
  orders          ${rushResult.ordersConfirmed} confirmed, ${rushResult.ordersSoldOut} sold out (409)
  stock           ${unitsSold} units sold of ${stockTotal}; units in orders ${unitsInOrders}; oversold ${rushResult.stock.oversold}; consistent ${rushResult.stock.consistent}
  memcached       ${killRequested ? `killed at t=${rushResult.memcachedKilledAtSeconds}s` : 'up throughout'}
  per 10 s        ${rushResult.windows.map((w) => `[${w.from}s ${w.rps}/s p99 ${w.p99}ms err ${w.errors}]`).join(' ')}
comparison (closed loop, 64 connections, ${COMPARE_S}s each)
  backend GET /api/drops/current  ${backendMax.rps} req/s (p99 ${backendMax.latencyMs.p99} ms, errors ${backendMax.errors})
  bare node:http                  ${bareMax.rps} req/s (p99 ${bareMax.latencyMs.p99} ms)
  backend / bare                  ${result.comparison.backendVsBare} %
machine: ${result.machine.cpus} CPUs, load average at end ${result.machine.loadavg.join(' ')}
result file: ${path.relative(BACKEND, outFile)}`);
}

main().catch((err) => {
  console.error('bench failed:', err);
  process.exit(1);
});
