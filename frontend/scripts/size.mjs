#!/usr/bin/env node
// Prints the first-load JavaScript of the production build, gzipped: every script index.html loads
// (entry + modulepreloads), followed by their static imports. Run `npm run build` first.
//   node scripts/size.mjs [--json] [--max-kb 80]
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const indexFile = join(dist, 'index.html');
if (!existsSync(indexFile)) {
  console.error('dist/index.html not found: run `npm run build` first');
  process.exit(2);
}
const html = readFileSync(indexFile, 'utf8');
const urls = new Set();
for (const m of html.matchAll(/<script[^>]+src="([^"]+)"/g)) urls.add(m[1]);
for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)) urls.add(m[1]);
for (const m of html.matchAll(/<link[^>]+href="([^"]+)"[^>]+rel="modulepreload"/g)) urls.add(m[1]);

// Follow static imports between chunks (import "./x.js" / from "./x.js"), not dynamic import().
const seen = new Map();
const queue = [...urls].map((u) => u.replace(/^\//, ''));
while (queue.length) {
  const rel = queue.shift();
  if (seen.has(rel)) continue;
  const code = readFileSync(join(dist, rel));
  seen.set(rel, { raw: code.length, gzip: gzipSync(code, { level: 9 }).length });
  const text = code.toString('utf8');
  for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["']([^"']+\.js)["']/g)) {
    const next = join(dirname(rel), m[1]).replace(/\\/g, '/');
    if (!seen.has(next)) queue.push(next);
  }
}
const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1].replace(/^\//, ''));
const cssGzip = css.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
const htmlGzip = gzipSync(readFileSync(indexFile), { level: 9 }).length;

const total = [...seen.values()].reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
const kb = (n) => (n / 1024).toFixed(1);
const args = process.argv.slice(2);
const maxIdx = args.indexOf('--max-kb');
const maxKb = maxIdx >= 0 ? Number(args[maxIdx + 1]) : null;

if (args.includes('--json')) {
  console.log(JSON.stringify({ firstLoadJsGzipBytes: total.gzip, firstLoadJsRawBytes: total.raw, cssGzipBytes: cssGzip, htmlGzipBytes: htmlGzip, files: Object.fromEntries(seen) }, null, 2));
} else {
  for (const [f, s] of seen) console.log(`  ${f}  ${kb(s.raw)} KB raw, ${kb(s.gzip)} KB gzip`);
  console.log(`first-load JS (gzip): ${kb(total.gzip)} KB (${total.gzip} bytes; ${kb(total.raw)} KB raw, ${seen.size} file${seen.size === 1 ? '' : 's'})`);
  console.log(`  + CSS ${kb(cssGzip)} KB gzip, index.html ${kb(htmlGzip)} KB gzip`);
}
if (maxKb !== null && total.gzip > maxKb * 1024) {
  console.error(`over budget: ${kb(total.gzip)} KB > ${maxKb} KB`);
  process.exit(1);
}
