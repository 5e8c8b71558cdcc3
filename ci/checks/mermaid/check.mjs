// Parses every ```mermaid block of the Markdown files named on the command line with mermaid
// itself (in jsdom), then checks that a broken diagram is rejected, so a parser that accepts
// everything cannot pass for green. Exits 1 on any invalid diagram.
//   node check.mjs FILE.md...
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
let parsed = 0;
for (const file of process.argv.slice(2)) {
  const md = readFileSync(file, 'utf8');
  const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [i, code] of blocks.entries()) {
    try {
      const r = await mermaid.parse(code);
      parsed++;
      console.log(`valid    mermaid #${i + 1} (${r.diagramType})  ${file}`);
    } catch (e) {
      failed++;
      console.log(`INVALID  mermaid #${i + 1}  ${file}: ${e.message}`);
    }
  }
}
if (parsed + failed === 0) {
  console.log('no Mermaid diagram found');
  failed++;
}
try {
  await mermaid.parse('flowchart TD\n  a --> [b');
  console.log('SELF-TEST mermaid accepted a broken diagram');
  failed++;
} catch {
  console.log('rejected mermaid  a broken diagram');
}
process.exit(failed ? 1 : 0);
