#!/usr/bin/env node
// npm run e2e: the browser scenarios against the real backend at E2E_BASE_URL, which serves the
// built site (its STATIC_DIR=frontend/dist; see e2e/backend.mjs), and the waiting-room scenarios
// against a second one with WAITING_ROOM=on at E2E_QUEUE_BASE_URL.
// The build is skipped when dist/ exists (the backend already serves it); E2E_SKIP_BUILD=0 forces
// one. Screenshots of failures go to test-results/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBackend } from './backend.mjs';

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
if (process.env.E2E_SKIP_BUILD === '0' || !existsSync(join(root, 'dist', 'index.html'))) {
  step('build', 'npm', ['run', 'build', '--silent']);
}
rmSync(join(root, 'test-results'), { recursive: true, force: true });
mkdirSync(join(root, 'test-results'), { recursive: true });

const tBackend = Date.now();
const { url: baseUrl, queueUrl } = await connectBackend({ queue: true }).catch((e) => {
  console.error(`e2e: ${e.message}`);
  process.exit(1);
});
console.log(`e2e: backend at ${baseUrl}, with the waiting room on at ${queueUrl} (ready in ${secs(Date.now() - tBackend)})`);

const tTests = Date.now();
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', 'e2e/shop.e2e.mjs', 'e2e/queue.e2e.mjs'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, E2E_BASE_URL: baseUrl, E2E_QUEUE_BASE_URL: queueUrl },
});
const code = await new Promise((ok) => child.on('exit', (c, sig) => ok(c ?? (sig ? 1 : 0))));
console.log(`e2e: ${code === 0 ? 'PASSED' : 'FAILED'}; browser tests ${secs(Date.now() - tTests)}, whole run ${secs(Date.now() - t0)}`);
if (code !== 0) console.log('e2e: failure screenshots are in frontend/test-results/');
process.exit(code);
