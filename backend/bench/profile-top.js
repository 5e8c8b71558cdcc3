// Top entries of a V8 CPU profile (node --cpu-prof): self time per function, as a table.
//   node bench/profile-top.js FILE.cpuprofile [--top 15]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-top.js FILE.cpuprofile [--top 15]');
  process.exit(2);
}
const prof = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
// timeDeltas[i] is the time before sample i was taken: attribute it to that sample's node
for (let i = 0; i < prof.samples.length; i++) {
  const n = byId.get(prof.samples[i]);
  const cf = n.callFrame;
  const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
  const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`| self ms | % | function |\n|---:|---:|---|`);
for (const [k, us] of rows) console.log(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | \`${k}\` |`);
console.log(`\ntotal sampled: ${(total / 1e6).toFixed(1)} s`);
