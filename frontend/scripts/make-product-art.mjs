#!/usr/bin/env node
// Renders artwork for every product of the backend's catalogue to public/images/products/<id>.jpg
// (the catalogue's imageUrl is /images/products/<id>.jpg; the site's bucket serves it). A dev tool:
// run it after adding products, commit the JPEGs. Products without a picture show a drawn placeholder.
//   node scripts/make-product-art.mjs [catalogDir]
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../e2e/browser.mjs';
import { productArtSvg } from './product-art.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const catalogDir = process.argv[2] || join(root, '..', 'backend', 'catalog');
const out = join(root, 'public', 'images', 'products');
mkdirSync(out, { recursive: true });

const products = [];
for (const f of readdirSync(catalogDir).filter((f) => f.endsWith('.json'))) {
  const cat = JSON.parse(readFileSync(join(catalogDir, f), 'utf8'));
  for (const d of cat.drops ?? []) for (const p of d.products ?? []) products.push(p);
}
const { browser, close } = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 600, height: 600 } });
let n = 0;
for (const p of products) {
  const m = /^\/images\/products\/([A-Za-z0-9_-]+)\.jpg$/.exec(p.imageUrl || '');
  if (!m) continue;
  await page.setContent(`<style>html,body{margin:0}</style>${productArtSvg(p.id, p.name)}`);
  await page.screenshot({ path: join(out, `${m[1]}.jpg`), type: 'jpeg', quality: 82 });
  n++;
}
await close();
console.log(`wrote ${n} images to ${out}`);
