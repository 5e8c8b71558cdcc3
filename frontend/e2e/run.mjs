#!/usr/bin/env node
// npm run e2e: build the site, start a backend serving it, run the browser scenarios, stop everything.
//
// Which backend:
//   E2E_BASE_URL=http://host:port   an already-running backend that serves the built site (its
//                                   STATIC_DIR=frontend/dist): nothing is started or stopped here
//   E2E_BACKEND=real                start ../backend (MariaDB + memcached via its test-servers.sh)
//   E2E_BACKEND=stand-in            start e2e/stand-in-server.mjs (the API contract, in memory)
//   (default: auto)                 real if ../backend is present, else the stand-in
// E2E_SKIP_BUILD=1 reuses dist/ (the default with E2E_BASE_URL; E2E_SKIP_BUILD=0 forces a build).
// Screenshots of failures go to test-results/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend } from './backend.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function step(name, cmd, args) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`e2e: ${name} failed`);
    process.exit(r.status || 1);
  }
  console.log(`e2e: ${name} done in ${secs(Date.now() - t)}`);
}

step('chromium check', 'bash', ['scripts/ensure-chromium.sh']);
// An external backend (E2E_BASE_URL) already serves a built dist/: rebuilding under it is pointless.
const skipBuild = process.env.E2E_SKIP_BUILD === '1' || (process.env.E2E_BASE_URL && process.env.E2E_SKIP_BUILD !== '0');
if (!skipBuild || !existsSync(join(root, 'dist', 'index.html'))) {
  step('build', 'npm', ['run', 'build', '--silent']);
}
rmSync(join(root, 'test-results'), { recursive: true, force: true });
mkdirSync(join(root, 'test-results'), { recursive: true });

const tBackend = Date.now();
const backend = await startBackend({ staticDir: join(root, 'dist') });
const { url: baseUrl, kind, stop } = backend;
console.log(`e2e: ${kind} backend at ${baseUrl} (ready in ${secs(Date.now() - tBackend)})`);

const tTests = Date.now();
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', 'e2e/shop.e2e.mjs'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, E2E_BASE_URL: baseUrl, E2E_BACKEND_KIND: kind },
});
const code = await new Promise((ok) => child.on('exit', (c, sig) => ok(c ?? (sig ? 1 : 0))));
const testsMs = Date.now() - tTests;
await stop().catch((e) => console.error('e2e: stopping the backend failed:', e.message));
console.log(`e2e: ${code === 0 ? 'PASSED' : 'FAILED'} against the ${kind} backend; browser tests ${secs(testsMs)}, whole run (build + backend + tests) ${secs(Date.now() - t0)}`);
if (code !== 0) console.log('e2e: failure screenshots are in frontend/test-results/');
process.exit(code);
