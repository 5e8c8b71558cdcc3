// CPU time per request, per route, of two backend checkouts side by side: this one and
// --baseline DIR, each one process on its own database of the same MariaDB + memcached
// (scripts/test-servers.sh). CPU ms (user + system, from /proc) of the node process, of mariadbd
// and of memcached per request is what a busy machine changes least; rounds alternate which
// backend goes first, so a machine that gets busier mid-run shows as spread, not as a difference.
//
//   node bench/route-cpu.js --baseline DIR [--rounds 3] [--seconds 6] [--connections 32]
//                           [--routes mix,session,drops,product,order-soldout,session-order]
//                           [--rush N] [--stock 200] [--log-level warn] [--out FILE]
//
// Before the rounds the limited items are sold out (as after the rush of bench/run.js, which the
// closed loop there follows): the mix's orders are then sold-out refusals, as in run.js. With
// --rush N the sell-out is run.js's own rush (bench/rush.js: N customers in 60 s, spike; use
// --stock 1000 for run.js's catalogue), one backend after the other, so the rounds measure the
// state a rush leaves, as run.js's closed loop does.
// Routes (bench/wrk-route.lua, bench/wrk-mix.lua):
//   mix            the customer mix of run.js's closed loop (bench/wrk-mix.lua)
//   session        POST /api/session
//   drops          GET /api/drops/current
//   product        GET /api/products/:id (the limited items)
//   order-soldout  POST /api/orders of a sold-out item (a session of the thread, a fresh key)
//   session-order  a new session and its first order of an item in stock (1,000,000 units):
//                  "order" below is (CPU of the run - sessions x CPU per session) / orders
// --log-level: the backends' LOG_LEVEL; warn (the default) leaves out the access log, info is
// production's (a line per request).
// Env: BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") for both backends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { arrivalTimes, rush } from './rush.js';
import { createAdminConnection } from '../src/lib/db.js';
import { cpuMs, serverPid } from './proc-cpu.js';
import { benchCatalog, releaseAndServe } from './common.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BACKEND = path.resolve(HERE, '..');
const { values: opt } = parseArgs({
  options: {
    baseline: { type: 'string', default: '' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    stock: { type: 'string', default: '200' },
    rush: { type: 'string', default: '' },
    routes: { type: 'string', default: 'mix,session,drops,product,order-soldout,session-order' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string', default: '' },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNS = Number(opt.connections);
const STOCK = Number(opt.stock);
const ROUTES = opt.routes.split(',').filter(Boolean);
const KNOWN = ['mix', 'session', 'drops', 'product', 'order-soldout', 'session-order'];
for (const r of ROUTES) if (!KNOWN.includes(r)) throw new Error(`--routes: unknown route ${r} (known: ${KNOWN.join(', ')})`);
if (!opt.baseline) {
  console.error('route-cpu: --baseline DIR (a second backend checkout) is required');
  process.exit(2);
}
for (const k of ['DB_HOST', 'DB_USER', 'DB_PASSWORD', 'MEMCACHED_SERVERS']) {
  if (!process.env[k]) {
    console.error(`route-cpu: ${k} not set. Run: scripts/test-servers.sh start && eval "$(scripts/test-servers.sh env)"`);
    process.exit(2);
  }
}
const dbBase = { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD };
if (!['127.0.0.1', 'localhost'].includes(dbBase.host)) throw new Error('route-cpu: loopback database only');
const dbPid = serverPid('mariadbd', dbBase.port) ?? serverPid('mysqld', dbBase.port);
const cacheServer = process.env.MEMCACHED_SERVERS.split(',')[0];
const cachePid = /^(127\.0\.0\.1|localhost):\d+$/.test(cacheServer) ? serverPid('memcached', cacheServer.split(':')[1]) : null;

const log = (...a) => console.error(`[route-cpu ${new Date().toISOString().slice(11, 19)}]`, ...a);
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;

const LIMITED = Array.from({ length: 5 }, (_, i) => `bench-limited-${i + 1}`);

async function startBackend(name, dir, dbName, catalogDir) {
  const admin = await createAdminConnection({ ...dbBase }, { noDatabase: true });
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
  const port = 19000 + Math.floor(Math.random() * 1000);
  const env = {
    PORT: String(port), DB_NAME: dbName, CATALOG_DIR: catalogDir, CATALOG_SHIFT_TO_TODAY: 'false',
    LOG_LEVEL: opt['log-level'], STATIC_DIR: '', RATE_LIMIT_SESSIONS_PER_10S: '0', RATE_LIMIT_ORDERS_PER_10S: '0',
  };
  return { name, dir, dbName, ...(await releaseAndServe(name, dir, env, port)) };
}

function wrk(url, script, args, seconds = SECONDS) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t2', `-c${CONNS}`, `-d${seconds}s`, '--timeout', '10s', '-s', path.join(HERE, script), url, '--', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', () => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk printed no result: ${out.slice(-1000)}`));
      resolve(JSON.parse(m[1]));
    });
  });
}

async function remainingLimited(dbName) {
  const conn = await createAdminConnection({ ...dbBase, database: dbName });
  const [rows] = await conn.query("SELECT COALESCE(SUM(stock_remaining), 0) AS n FROM products WHERE id LIKE 'bench-limited-%'");
  await conn.end();
  return Number(rows[0].n);
}

async function sellOut(b) {
  for (let i = 0; i < 20; i++) {
    const left = await remainingLimited(b.dbName);
    if (left === 0) return;
    await wrk(b.base, 'wrk-route.lua', ['session-order', LIMITED.join(',')], 3);
  }
  throw new Error(`${b.name}: the limited items did not sell out`);
}

function wrkFor(route, b) {
  if (route === 'mix') return wrk(b.base, 'wrk-mix.lua', [LIMITED.join(',')]);
  const mode = route === 'order-soldout' ? 'order' : route;
  const products = route === 'session-order' ? ['bench-plenty'] : LIMITED;
  return wrk(b.base, 'wrk-route.lua', [mode, products.join(',')]);
}

async function measure(route, b) {
  const pid = b.child.pid;
  const c0 = { backend: cpuMs(pid), database: dbPid && cpuMs(dbPid), cache: cachePid && cpuMs(cachePid) };
  const w = await wrkFor(route, b);
  const c1 = { backend: cpuMs(pid), database: dbPid && cpuMs(dbPid), cache: cachePid && cpuMs(cachePid) };
  const sessions = Object.entries(w.statuses).filter(([k]) => k.startsWith('session ')).reduce((n, [, v]) => n + v, 0);
  const others = w.requests - sessions;
  const cpu = Object.fromEntries(Object.keys(c0).map((k) => [k, c0[k] === null || c1[k] === null ? null : c1[k] - c0[k]]));
  return {
    route, backend: b.name, requests: w.requests, sessions, others, rps: Math.round(w.requests / (w.durationUs / 1e6)),
    p99Ms: w.latencyUs.p99 / 1000, statuses: w.statuses, errors: w.errors, cpuMs: cpu, loadavg: load(),
    msPerRequest: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v === null ? null : r3(v / w.requests)])),
  };
}

async function main() {
  const catalogDir = benchCatalog(LIMITED, STOCK, 'em-route-cpu-catalog-');
  const result = { when: new Date().toISOString(), machine: { cpus: os.cpus().length, loadavgAtStart: load(), node: process.version }, settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNS, stock: STOCK, routes: ROUTES }, runs: [] };
  const baseline = await startBackend(`baseline (${opt.baseline})`, path.resolve(opt.baseline), 'em_rc_base', catalogDir);
  const mine = await startBackend('this checkout', BACKEND, 'em_rc_this', catalogDir);
  const pair = [baseline, mine];
  log(`backends ready: ${pair.map((b) => `${b.name} ${b.base} pid ${b.child.pid}`).join('; ')}`);
  for (const b of pair) {
    if (opt.rush) {
      const agent = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
      const c0 = cpuMs(b.child.pid);
      const r = await rush({ base: b.base, agent, arrivals: arrivalTimes(Number(opt.rush), 60, 'spike'), products: LIMITED });
      await agent.close();
      (result.rush ??= {})[b.name] = { windows: r.windows, errors: r.errors, ordersConfirmed: r.ordersConfirmed, backendCpuMsPerCustomer: r3((cpuMs(b.child.pid) - c0) / Number(opt.rush)), loadavgAfter: load() };
      log(`${b.name}: rush of ${opt.rush} done, ${r.ordersConfirmed} confirmed, p99 per 10 s ${r.windows.map((w) => w.p99).join(' / ')} ms; load ${load().join(' ')}`);
    }
    await sellOut(b);
    await wrk(b.base, 'wrk-mix.lua', [LIMITED.join(',')], 3); // warm-up
  }
  log(`limited items sold out on both; load ${load().join(' ')}`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const route of ROUTES) {
      for (const b of r % 2 ? [mine, baseline] : [baseline, mine]) {
        const m = await measure(route, b);
        m.round = r + 1;
        result.runs.push(m);
        log(`round ${r + 1} ${route.padEnd(13)} ${b === mine ? 'this    ' : 'baseline'} ${String(m.rps).padStart(6)} req/s  node ${m.msPerRequest.backend} ms/req  db ${m.msPerRequest.database}  cache ${m.msPerRequest.cache}  load ${m.loadavg[0]}`);
      }
    }
  }
  // summary: median over rounds; session-order split into session and order with the session route's CPU
  const summary = {};
  for (const route of ROUTES) {
    summary[route] = {};
    for (const b of pair) {
      const runs = result.runs.filter((m) => m.route === route && m.backend === b.name);
      const s = {};
      for (const k of ['backend', 'database', 'cache']) {
        const xs = runs.map((m) => m.msPerRequest[k]).filter((x) => x !== null);
        if (xs.length) s[`${k}MsPerRequest`] = r3(median(xs));
      }
      s.rps = median(runs.map((m) => m.rps));
      if (route === 'session-order' && ROUTES.includes('session')) {
        for (const k of ['backend', 'database', 'cache']) {
          const perSession = median(result.runs.filter((m) => m.route === 'session' && m.backend === b.name).map((m) => m.msPerRequest[k]).filter((x) => x !== null));
          const xs = runs.filter((m) => m.cpuMs[k] !== null && m.others > 0).map((m) => (m.cpuMs[k] - m.sessions * perSession) / m.others);
          if (xs.length) s[`${k}MsPerOrder`] = r3(median(xs));
        }
      }
      summary[route][b === mine ? 'this' : 'baseline'] = s;
    }
    const a = summary[route].baseline.backendMsPerRequest;
    const m = summary[route].this.backendMsPerRequest;
    summary[route].nodeCpuThisVsBaseline = r3(m / a);
  }
  result.summary = summary;
  result.machine.loadavgAtEnd = load();
  result.backendLog = {};
  for (const b of pair) {
    const lines = b.output().split('\n').filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'));
    const byMsg = {};
    for (const l of lines) {
      const m = /"msg":"([^"]*)"/.exec(l);
      byMsg[m ? m[1] : l.slice(0, 80)] = (byMsg[m ? m[1] : l.slice(0, 80)] ?? 0) + 1;
    }
    result.backendLog[b.name] = { warnOrError: lines.length, byMessage: byMsg, first: lines.slice(0, 5) };
    log(`${b.name}: ${lines.length} warn/error log lines ${JSON.stringify(byMsg)}`);
  }
  for (const b of pair) {
    b.child.kill('SIGTERM');
    await new Promise((r) => (b.child.exitCode !== null ? r() : b.child.on('exit', r)));
  }
  const out = opt.out || path.join(os.tmpdir(), `route-cpu-${result.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  console.log(`result file ${out}; load average at start ${result.machine.loadavgAtStart.join(' ')}, at end ${result.machine.loadavgAtEnd.join(' ')}`);
}

main().catch((err) => {
  console.error('route-cpu failed:', err);
  process.exit(1);
});
