// The midnight rush, on this machine, against ONE backend process with real MariaDB + memcached
// (start them with scripts/test-servers.sh start; eval "$(scripts/test-servers.sh env)").
//
//   npm run bench -- [--customers 20000] [--seconds 60] [--profile spike|uniform]
//                    [--kill-cache-at 30] [--stock 1000] [--limited 5]
//                    [--closed-seconds 10] [--closed-connections 64]
//                    [--baseline DIR]      # a second backend checkout, measured in the same run
//                    [--this-first]        # measure this checkout before the baseline (default: after)
//                    [--skip-ceiling] [--out FILE] [--label NAME]
//                    [--record-capacity]   # write bench/capacity.json (read by the sizing check)
//                    [--waiting-room 150]  # WAITING_ROOM=on with this inlet (buyers per second)
//
// One run measures, in this order, on the same machine and with the same generators:
//  1. the generator's own ceiling: the rush (same arrivals, same customer flow) against a bare
//     node:http server (bench/bare-server.js), so a reader can see the generator was not the limit;
//  2. per backend (this checkout, and --baseline if given, each on a fresh database):
//     the rush (open loop: customers arrive on a schedule; each does POST /api/session,
//     GET /api/drops/current, GET /api/products/:id, POST /api/orders), then the database truth
//     (units sold vs order rows vs 201 answers), then closed-loop capacity with wrk (Debian's
//     wrk 4): the customer mix (bench/wrk-mix.lua) and GET /api/drops/current alone;
//  3. the bare server under the same wrk runs, before and after the backends, as the yardstick.
// Results go to bench/results/<time>.json (per-second series included) and a plot (gnuplot) to
// bench/results/<time>.png. Traffic goes to 127.0.0.1 only; every loop is bounded in time.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { createAdminConnection } from '../src/lib/db.js';
import { arrivalTimes, rush } from './rush.js';
import { plotRush } from './plot.js';
import { cpuMs, serverPid } from './proc-cpu.js';
import { benchCatalog, releaseAndServe, startChild } from './common.js';

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
    'closed-seconds': { type: 'string', default: '10' },
    'closed-connections': { type: 'string', default: '64' },
    connections: { type: 'string', default: '256' },
    baseline: { type: 'string', default: '' },
    'this-first': { type: 'boolean', default: false },
    'skip-ceiling': { type: 'boolean', default: false },
    'skip-rush': { type: 'boolean', default: false },
    'record-capacity': { type: 'boolean', default: false },
    'waiting-room': { type: 'string', default: '' },
    label: { type: 'string', default: '' },
    out: { type: 'string', default: '' },
  },
});
const CUSTOMERS = Number(opt.customers);
const SECONDS = Number(opt.seconds);
const KILL_AT = opt['kill-cache-at'] ? Number(opt['kill-cache-at']) : null;
const STOCK = Number(opt.stock);
const LIMITED = Number(opt.limited);
const CLOSED_S = Number(opt['closed-seconds']);
const CLOSED_C = Number(opt['closed-connections']);
for (const [k, v] of Object.entries({ customers: CUSTOMERS, seconds: SECONDS, stock: STOCK, limited: LIMITED, 'closed-seconds': CLOSED_S, 'closed-connections': CLOSED_C })) {
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`bench: --${k} must be a positive number`);
    process.exit(2);
  }
}
if (!['spike', 'uniform'].includes(opt.profile)) {
  console.error('bench: --profile must be spike or uniform');
  process.exit(2);
}

for (const k of ['DB_HOST', 'DB_USER', 'DB_PASSWORD', 'MEMCACHED_SERVERS']) {
  if (!process.env[k]) {
    console.error(`bench: ${k} not set. Run: scripts/test-servers.sh start && eval "$(scripts/test-servers.sh env)"`);
    process.exit(2);
  }
}
const dbBase = { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD };
if (!['127.0.0.1', 'localhost'].includes(dbBase.host)) {
  console.error('bench: refusing to run against a non-loopback database');
  process.exit(2);
}
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.error('bench: wrk not found (apt-get install wrk)');
    process.exit(2);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// CPU time of the servers (bench/proc-cpu.js): work per customer, next to the latencies
let dbPid = null;
let cachePid = null;
/** CPU ms of backend, database and cache so far (null where unknown). */
function cpuNow(backendPid) {
  return { backend: cpuMs(backendPid), database: dbPid && cpuMs(dbPid), cache: cachePid && cpuMs(cachePid) };
}
/** CPU ms spent between two cpuNow() readings, and per unit of work (e.g. per customer). */
function cpuSpent(a, b, units, unitName) {
  const out = {};
  for (const k of Object.keys(a)) {
    if (a[k] === null || b[k] === null) continue;
    out[`${k}Ms`] = Math.round(b[k] - a[k]);
    out[`${k}MsPer${unitName}`] = Math.round(((b[k] - a[k]) / units) * 1000) / 1000;
  }
  return out;
}
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

// ---------- catalogue: one event whose first day is today in UTC ----------
const PRODUCT_IDS = Array.from({ length: LIMITED }, (_, i) => `bench-limited-${i + 1}`);

async function startBare() {
  const bare = startChild(['bench/bare-server.js'], { PORT: '0' }, BACKEND);
  for (let i = 0; i < 200; i++) {
    const m = /\{"port":(\d+)\}/.exec(bare.output());
    if (m) return { ...bare, base: `http://127.0.0.1:${m[1]}` };
    await sleep(25);
  }
  throw new Error(`bare server did not start: ${bare.output()}`);
}

/** SIGTERM, then SIGKILL after 30 s: returns whether the process exited by itself. */
async function stop(proc) {
  if (proc.child.exitCode !== null) return true;
  const exited = new Promise((r) => proc.child.on('exit', () => r(true)));
  proc.child.kill('SIGTERM');
  let timer;
  const ok = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(false), 30_000); })]);
  clearTimeout(timer);
  if (!ok) {
    log(`pid ${proc.child.pid} still running 30 s after SIGTERM: killed`);
    proc.child.kill('SIGKILL');
    await exited;
  }
  return ok;
}

async function startBackend(dir, dbName, catalogDir) {
  const admin = await createAdminConnection({ ...dbBase }, { noDatabase: true });
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
  const port = 18000 + Math.floor(Math.random() * 1000);
  const env = {
    PORT: String(port), DB_NAME: dbName, CATALOG_DIR: catalogDir,
    CATALOG_SHIFT_TO_TODAY: 'false', LOG_LEVEL: 'warn', STATIC_DIR: '',
    // The benchmark is one client address: the per-client limits would (rightly) throttle it.
    RATE_LIMIT_SESSIONS_PER_10S: '0', RATE_LIMIT_ORDERS_PER_10S: '0',
    ...(opt['waiting-room'] ? { WAITING_ROOM: 'on', WAITING_ROOM_INLET_PER_SEC: opt['waiting-room'] } : {}),
  };
  return { ...(await releaseAndServe('backend', dir, env, port)), dbName };
}

// ---------- closed loop with wrk ----------
function wrk(url, script, args = []) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t2', `-c${CLOSED_C}`, `-d${CLOSED_S}s`, '--timeout', '10s', '-s', path.join(HERE, script), url, ...(args.length ? ['--', ...args] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', () => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk printed no result: ${out.slice(-1000)}`));
      const r = JSON.parse(m[1]);
      const seconds = r.durationUs / 1e6;
      const ok = (s) => /^(session|other) (200|201|409)$/.test(s) || (s === 'other 429');
      const bad = Object.entries(r.statuses).filter(([s]) => !ok(s)).reduce((n, [, v]) => n + v, 0);
      resolve({
        tool: 'wrk 4 (Debian)', script, connections: CLOSED_C, seconds: Math.round(seconds * 10) / 10,
        requests: r.requests, rps: Math.round(r.requests / seconds),
        latencyMs: { p50: r.latencyUs.p50 / 1000, p99: r.latencyUs.p99 / 1000, max: r.latencyUs.max / 1000 },
        socketErrors: r.errors, statuses: r.statuses, unexpectedStatuses: bad, loadavg: load(),
      });
    });
  });
}

async function closedLoop(base, pid = null) {
  const c0 = pid && cpuNow(pid);
  const mix = await wrk(base, 'wrk-mix.lua', [PRODUCT_IDS.join(',')]);
  const c1 = pid && cpuNow(pid);
  const drops = await wrk(`${base}/api/drops/current`, 'wrk-get.lua');
  if (pid) {
    mix.cpu = cpuSpent(c0, c1, mix.requests / 1000, 'KRequests');
    drops.cpu = cpuSpent(c1, cpuNow(pid), drops.requests / 1000, 'KRequests');
  }
  return { customerMix: mix, dropsCurrent: drops };
}

// ---------- database truth after a rush ----------
async function stockTruth(dbName, confirmed) {
  const conn = await createAdminConnection({ ...dbBase, database: dbName });
  const [rows] = await conn.query(`SELECT p.id, p.stock_total, p.stock_remaining,
      (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = p.id) AS ordered
    FROM products p WHERE p.id LIKE 'bench-limited-%' ORDER BY p.id`);
  await conn.end();
  const stock = rows.map((r) => ({ id: r.id, stock: Number(r.stock_total), remaining: Number(r.stock_remaining), unitsInOrders: Number(r.ordered) }));
  const unitsSold = stock.reduce((n, r) => n + (r.stock - r.remaining), 0);
  const unitsInOrders = stock.reduce((n, r) => n + r.unitsInOrders, 0);
  const stockTotal = stock.reduce((n, r) => n + r.stock, 0);
  return { limitedItems: stock.length, stockTotal, unitsSold, unitsInOrders, confirmedResponses: confirmed, oversold: Math.max(0, unitsInOrders - stockTotal), consistent: unitsSold === unitsInOrders && unitsInOrders === confirmed };
}

async function runRush(base, { kill = false } = {}) {
  const agent = new Agent({ connections: Number(opt.connections), pipelining: 1, keepAliveTimeout: 30_000 });
  const onTick = kill && KILL_AT !== null
    ? (() => {
      let done = false;
      return (t) => {
        if (!done && t >= KILL_AT * 1000) {
          done = true;
          log(`killing memcached at t=${(t / 1000).toFixed(1)}s`);
          execFileSync(path.join(BACKEND, 'scripts/test-servers.sh'), ['kill-cache'], { stdio: 'ignore' });
        }
      };
    })()
    : null;
  const arrivals = arrivalTimes(CUSTOMERS, SECONDS, opt.profile);
  const r = await rush({ base, agent, arrivals, products: PRODUCT_IDS, onTick, waitingRoom: Boolean(opt['waiting-room']) && base !== bareBase });
  await agent.close();
  r.loadavgAfter = load();
  return r;
}

// ---------- main ----------
let bareBase = null;
async function main() {
  const catalogDir = benchCatalog(PRODUCT_IDS, STOCK, 'em-bench-catalog-');
  const result = {
    when: new Date().toISOString(),
    label: opt.label || null,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgAtStart: load(), node: process.version },
    scenario: { customers: CUSTOMERS, arrivalSeconds: SECONDS, profile: opt.profile, limitedItems: LIMITED, stockEach: STOCK, killCacheAt: KILL_AT, closedLoop: { tool: 'wrk', connections: CLOSED_C, seconds: CLOSED_S } },
    generatorCeiling: null,
    bare: [],
    backends: [],
  };

  dbPid = serverPid('mariadbd', dbBase.port) ?? serverPid('mysqld', dbBase.port);
  const cacheServer = process.env.MEMCACHED_SERVERS.split(',')[0];
  if (/^(127\.0\.0\.1|localhost):\d+$/.test(cacheServer)) cachePid = serverPid('memcached', cacheServer.split(':')[1]);
  result.machine.serverPids = { database: dbPid, cache: cachePid };
  const bare = await startBare();
  bareBase = bare.base;
  log(`bare node:http on ${bare.base}; load average ${load().join(' ')}`);
  if (!opt['skip-ceiling'] && !opt['skip-rush']) {
    log(`generator ceiling: the rush (${CUSTOMERS} customers in ${SECONDS}s, ${opt.profile}) against the bare server`);
    result.generatorCeiling = await runRush(bare.base);
  }
  log('closed loop (wrk) against the bare server');
  result.bare.push(await closedLoop(bare.base));

  const targets = [{ name: 'this checkout', dir: BACKEND, dbName: 'em_bench' }];
  // The second backend shares MariaDB with the first one's leftovers (its purge and page
  // flushing of 20,000 customers): --this-first swaps the order, to see what that costs.
  if (opt.baseline) {
    const base = { name: `baseline (${opt.baseline})`, dir: path.resolve(opt.baseline), dbName: 'em_bench_base' };
    if (opt['this-first']) targets.push(base);
    else targets.unshift(base);
  }
  for (const t of targets) {
    if (!fs.existsSync(path.join(t.dir, 'src/server.js'))) throw new Error(`--baseline ${t.dir}: no src/server.js there`);
    const backend = await startBackend(t.dir, t.dbName, catalogDir);
    log(`${t.name}: backend ready on ${backend.base} (pid ${backend.child.pid}); load average ${load().join(' ')}`);
    const entry = { name: t.name, dir: t.dir };
    if (!opt['skip-rush']) {
      const c0 = cpuNow(backend.child.pid);
      // CPU ms per second of the rush too (backend / database / cache), to see where the spike's work goes
      const perSecond = [];
      let prev = c0;
      const sampler = setInterval(() => {
        const c = cpuNow(backend.child.pid);
        perSecond.push(Object.fromEntries(Object.keys(c).map((k) => [k, c[k] === null ? null : Math.round(c[k] - prev[k])])));
        prev = c;
      }, 1000);
      try {
        entry.rush = await runRush(backend.base, { kill: true });
      } finally {
        clearInterval(sampler);
      }
      entry.rush.cpu = { ...cpuSpent(c0, cpuNow(backend.child.pid), CUSTOMERS, 'Customer'), perSecond };
      entry.rush.stock = await stockTruth(t.dbName, entry.rush.ordersConfirmed);
      if (KILL_AT !== null) {
        log('restarting memcached');
        execFileSync(path.join(BACKEND, 'scripts/test-servers.sh'), ['start-cache'], { stdio: 'ignore' });
        await sleep(1500);
      }
    }
    if (opt['waiting-room']) {
      entry.closedLoop = null; // the wrk mix has no queue tokens: its orders would all be 403
    } else {
      log(`${t.name}: closed loop (wrk)`);
      entry.closedLoop = await closedLoop(backend.base, backend.child.pid);
    }
    entry.exitedOnSigterm = await stop(backend);
    entry.backendWarnings = backend.output().split('\n').filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"')).slice(0, 8);
    result.backends.push(entry);
  }
  log('closed loop (wrk) against the bare server again');
  result.bare.push(await closedLoop(bare.base));
  await stop(bare);

  const bareMix = Math.round(result.bare.reduce((n, b) => n + b.customerMix.rps, 0) / result.bare.length);
  const bareGet = Math.round(result.bare.reduce((n, b) => n + b.dropsCurrent.rps, 0) / result.bare.length);
  for (const b of result.backends) {
    if (!b.closedLoop) continue;
    b.capacity = {
      customerMixRps: b.closedLoop.customerMix.rps,
      customerMixVsBarePercent: Math.round((b.closedLoop.customerMix.rps / bareMix) * 1000) / 10,
      dropsCurrentRps: b.closedLoop.dropsCurrent.rps,
      dropsCurrentVsBarePercent: Math.round((b.closedLoop.dropsCurrent.rps / bareGet) * 1000) / 10,
    };
  }
  result.bareMean = { customerMixRps: bareMix, dropsCurrentRps: bareGet };
  result.machine.loadavgAtEnd = load();

  const stamp = result.when.replace(/[:.]/g, '-');
  const outFile = opt.out || path.join(HERE, 'results', `${stamp}${KILL_AT !== null ? '-kill-cache' : ''}.json`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  let png = null;
  if (!opt['skip-rush']) {
    try {
      png = plotRush(result, outFile.replace(/\.json$/, '.png'));
    } catch (err) {
      log(`plot skipped: ${err.message}`);
    }
  }
  if (opt['record-capacity']) {
    const mine = result.backends[result.backends.length - 1];
    const cap = {
      measuredAt: result.when,
      customerMixRpsPerProcess: mine.capacity.customerMixRps,
      requestsPerCustomer: 4,
      bareNodeHttpCustomerMixRps: bareMix,
      customerMixVsBarePercent: mine.capacity.customerMixVsBarePercent,
      loadavg: result.machine.loadavgAtEnd,
      resultFile: path.relative(BACKEND, outFile),
      note: 'one process, MariaDB, memcached and the generators on the same 2 cores; terraform/policy sizing check reads this',
    };
    fs.writeFileSync(path.join(HERE, 'capacity.json'), `${JSON.stringify(cap, null, 2)}\n`);
    log(`capacity recorded in bench/capacity.json: ${cap.customerMixRpsPerProcess} req/s of the customer mix per process`);
  }
  console.log(report(result, outFile, png));
}

function report(result, outFile, png) {
  const lines = [`midnight rush bench: ${CUSTOMERS} customers over ${SECONDS}s (${opt.profile}), one backend process per checkout`];
  const rushLine = (r) => {
    const L = r.latencyMs;
    return [
      `    requests      ${r.requests} in ${r.elapsedSeconds}s = ${r.throughputRps} req/s (peak offered ${r.peakOfferedRps} req/s in 1 s)`,
      `    latency       p50 ${L.all.p50} ms  p95 ${L.all.p95} ms  p99 ${L.all.p99} ms  max ${L.all.max} ms`,
      `    per endpoint  session p99 ${L.session.p99} | drop p99 ${L.drop.p99} | product p99 ${L.product.p99} | order p99 ${L.order.p99} ms`,
      `    per 10 s      ${r.windows.map((w) => `[${w.from}s ${w.rps}/s p99 ${w.p99}ms err ${w.errors}]`).join(' ')}`,
      `    errors        network ${r.errors.network}, unexpected status ${r.errors.unexpected}; load average after ${r.loadavgAfter.join(' ')}`,
    ];
  };
  if (result.generatorCeiling) {
    lines.push('  generator ceiling (same rush against bare node:http):', ...rushLine(result.generatorCeiling));
  }
  for (const b of result.backends) {
    lines.push(`  ${b.name}:`);
    if (b.rush) {
      lines.push(...rushLine(b.rush));
      const cpu = b.rush.cpu;
      if (cpu.backendMs !== undefined) lines.push(`    CPU           backend ${cpu.backendMsPerCustomer} ms/customer, database ${cpu.databaseMsPerCustomer ?? '?'}, cache ${cpu.cacheMsPerCustomer ?? '?'} (total ${cpu.backendMs} / ${cpu.databaseMs ?? '?'} / ${cpu.cacheMs ?? '?'} ms)`);
      const s = b.rush.stock;
      lines.push(`    orders        ${b.rush.ordersConfirmed} confirmed, ${b.rush.ordersSoldOut} sold out; units sold ${s.unitsSold}/${s.stockTotal}, in orders ${s.unitsInOrders}, oversold ${s.oversold}, consistent ${s.consistent}`);
      const w = b.rush.waitingRoom;
      if (w) {
        lines.push(`    waiting room  ${w.admitted} admitted, ${w.joinRetriedAfter503} joins retried after a 503 (wait p50 ${w.waitMs.p50} ms, p99 ${w.waitMs.p99} ms), ${w.toldSoldOut} told sold out (notice p99 ${w.soldOutNoticeMs.p99} ms), ${w.leftWaiting} left waiting; admitted requests p99 ${w.admittedRequestsMs.p99} ms`);
      }
    }
    const c = b.closedLoop;
    if (c) lines.push(`    closed loop   customer mix ${c.customerMix.rps} req/s (${b.capacity.customerMixVsBarePercent} % of bare, p99 ${c.customerMix.latencyMs.p99} ms, unexpected ${c.customerMix.unexpectedStatuses})`,
      `                  GET /api/drops/current ${c.dropsCurrent.rps} req/s (${b.capacity.dropsCurrentVsBarePercent} % of bare)`);
    if (c?.customerMix.cpu) {
      lines.push(`    CPU closed    mix: backend ${c.customerMix.cpu.backendMsPerKRequests} ms per 1,000 requests, database ${c.customerMix.cpu.databaseMsPerKRequests ?? '?'}; GET: backend ${c.dropsCurrent.cpu.backendMsPerKRequests}`);
    }
  }
  lines.push(`  bare node:http  customer mix ${result.bare.map((b) => b.customerMix.rps).join(' / ')} req/s, GET ${result.bare.map((b) => b.dropsCurrent.rps).join(' / ')} req/s (before / after)`,
    `  machine         ${result.machine.cpus} CPUs; load average at start ${result.machine.loadavgAtStart.join(' ')}, at end ${result.machine.loadavgAtEnd.join(' ')}`,
    `  result file     ${path.relative(BACKEND, outFile)}${png ? `\n  plot            ${path.relative(BACKEND, png)}` : ''}`);
  return lines.join('\n');
}

main().catch((err) => {
  console.error('bench failed:', err);
  process.exit(1);
});
