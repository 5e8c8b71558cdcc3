// What the benchmarks share: the bench catalogue and the child processes they start.
import { spawn } from 'node:child_process';
import { request } from 'undici';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// benchCatalog writes a catalogue whose first drop is today in UTC: the limited items (stock
// each, one per customer), one plentiful item, and tomorrow's drop. Returns its directory.
export function benchCatalog(limitedIds, stock, tmpPrefix) {
  const products = limitedIds.map((id, i) => ({ id, name: `Limited item ${i + 1}`, description: 'Limited-stock bench item', priceCents: 4900, currency: 'EUR', imageUrl: `/images/bench-${i + 1}.jpg`, stock, limitPerCustomer: 1 }));
  products.push({ id: 'bench-plenty', name: 'Plenty', description: 'Large stock', priceCents: 900, currency: 'EUR', imageUrl: '/images/plenty.jpg', stock: 1_000_000, limitPerCustomer: 5 });
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  fs.writeFileSync(path.join(dir, 'bench.json'), JSON.stringify({
    event: { id: 'bench-event', name: 'Bench event', timeZone: 'UTC' },
    drops: [
      { id: 'bench-d1', date: today, products },
      { id: 'bench-d2', date: tomorrow, products: [{ ...products[0], id: 'bench-next' }] },
    ],
  }));
  return dir;
}

// startChild runs a node script, its output collected; every child is killed when the benchmark exits.
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
export function startChild(args, env, cwd) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return { child, output: () => out };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// releaseAndServe prepares the database as a deploy does (db-release: schema and catalogue; the
// server never loads at start), then starts src/server.js from dir and waits for /readyz.
// BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the backend.
// name prefixes the errors. Returns the server's child process and output, and its base URL.
// A checkout from before db-release (a --baseline) migrates and loads its catalogue with its own
// two commands instead.
export async function releaseAndServe(name, dir, env, port) {
  const steps = fs.existsSync(path.join(dir, 'src/cli/db-release.js'))
    ? ['src/cli/db-release.js']
    : ['src/cli/migrate.js', 'src/cli/catalog-load.js'];
  for (const step of steps) {
    const release = startChild([step], env, dir);
    const released = await new Promise((r) => release.child.on('exit', r));
    if (released !== 0) throw new Error(`${name}: ${step} failed: ${release.output().slice(-2000)}`);
  }
  const serverArgs = (process.env.BENCH_SERVER_NODE_ARGS || '').split(' ').filter(Boolean);
  const proc = startChild([...serverArgs, 'src/server.js'], env, dir);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await request(`${base}/readyz`);
      await r.body.text();
      if (r.statusCode === 200) break;
    } catch { /* not yet */ }
    if (proc.child.exitCode !== null || i > 600) throw new Error(`${name}: backend did not start: ${proc.output().slice(-2000)}`);
    await sleep(100);
  }
  return { ...proc, base };
}
