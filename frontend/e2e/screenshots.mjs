#!/usr/bin/env node
// npm run screenshots: the drop page at phone (390×844) and desktop (1440×900) width, saved to
// ../docs/screenshots/drop-{phone,desktop}.png, from the backend at E2E_BASE_URL (as the e2e tests, e2e/backend.mjs).
// E2E_SKIP_BUILD=1 reuses dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBackend } from './backend.mjs';
import { launchBrowser } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.env.SCREENSHOT_DIR || join(root, '..', 'docs', 'screenshots');

for (const [cmd, args, skip] of [
  ['bash', ['scripts/ensure-chromium.sh'], false],
  ['npm', ['run', 'build', '--silent'], process.env.E2E_SKIP_BUILD === '1' && existsSync(join(root, 'dist', 'index.html'))],
]) {
  if (skip) continue;
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}

mkdirSync(outDir, { recursive: true });
const backend = await connectBackend().catch((e) => {
  console.error(`screenshots: ${e.message}`);
  process.exit(1);
});
const { browser, close } = await launchBrowser();
try {
  for (const [name, viewport] of [
    ['drop-phone', { width: 390, height: 844 }],
    ['drop-desktop', { width: 1440, height: 900 }],
  ]) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-US', baseURL: backend.url });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByTestId('product-grid').waitFor();
    await page.waitForFunction(() => [...document.images].every((i) => i.complete));
    await page.waitForTimeout(200);
    const file = join(outDir, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`screenshots: ${file} (${viewport.width}×${viewport.height}, backend ${backend.url})`);
    await context.close();
  }
} finally {
  await close();
}
