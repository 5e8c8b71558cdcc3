// Start the project's real backend (../backend) for the e2e tests: MariaDB + memcached from its own
// scripts/test-servers.sh, a fresh database for this run, the catalogue shifted so a drop is live today,
// and the built site served from STATIC_DIR (same origin, as behind CloudFront).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BACKEND_DIR = resolve(process.env.E2E_BACKEND_DIR || join(here, '..', '..', 'backend'));

export function realBackendAvailable() {
  return existsSync(join(BACKEND_DIR, 'package.json')) && existsSync(join(BACKEND_DIR, 'src', 'server.js')) && existsSync(join(BACKEND_DIR, 'scripts', 'test-servers.sh'));
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: BACKEND_DIR, encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout || ''}${r.stderr || ''}`);
  return r.stdout;
}

export async function waitForReady(url, timeoutMs = 60_000, proc = null) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`backend exited with code ${proc.exitCode} before it was ready`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) return;
      last = `readyz ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`backend at ${url} not ready after ${timeoutMs} ms (${last})`);
}

/** @returns {Promise<{url: string, stop: () => Promise<void>, logs: () => string}>} */
export async function startRealBackend({ staticDir }) {
  if (!realBackendAvailable()) throw new Error(`no backend at ${BACKEND_DIR}`);
  if (!existsSync(join(BACKEND_DIR, 'node_modules'))) {
    console.log('e2e: installing backend dependencies (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  }
  const servers = join(BACKEND_DIR, 'scripts', 'test-servers.sh');
  const wasRunning = /mariadb: running/.test(run('bash', [servers, 'status'])) && /memcached: running/.test(run('bash', [servers, 'status']));
  if (!wasRunning) {
    console.log('e2e: starting MariaDB + memcached (backend/scripts/test-servers.sh start)');
    run('bash', [servers, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const env = { ...process.env };
  for (const m of run('bash', [servers, 'env']).matchAll(/^export (\w+)=(?:'([^']*)'|(\S*))$/gm)) env[m[1]] = m[2] ?? m[3];
  const port = await freePort();
  const database = `em_e2e_${Date.now().toString(36)}_${process.pid}`;
  Object.assign(env, {
    PORT: String(port),
    DB_NAME: database,
    STATIC_DIR: resolve(staticDir),
    CATALOG_SHIFT_TO_TODAY: 'true',
    LOG_LEVEL: process.env.E2E_BACKEND_LOG_LEVEL || 'warn',
    NODE_ENV: 'production',
  });
  // Schema and catalogue, once, as a deploy does (the server never loads at start).
  run(process.execPath, ['src/cli/db-release.js'], { env });
  let output = '';
  const proc = spawn(process.execPath, ['src/server.js'], { cwd: BACKEND_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, 90_000, proc);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\n--- backend output ---\n${output.slice(-4000)}`);
  }

  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    if (wasRunning) {
      // Someone else's servers: leave them running, just drop this run's database.
      spawnSync('mariadb', ['--no-defaults', '-h', env.DB_HOST, '-P', env.DB_PORT, '-u', env.DB_USER, `-p${env.DB_PASSWORD}`, '-e', `DROP DATABASE IF EXISTS \`${database}\``], { stdio: 'ignore' });
    } else {
      spawnSync('bash', [servers, 'stop'], { cwd: BACKEND_DIR, stdio: 'ignore' });
    }
  };
  return { url, stop, logs: () => output };
}
