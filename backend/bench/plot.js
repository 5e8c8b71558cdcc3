// Plot a bench result with gnuplot (Debian's gnuplot-nox): per second of the rush, the p99 latency
// of the requests started in that second (log scale, left axis) for every backend measured and
// for the generator against the bare server, and the customers offered / admitted per second
// (right axis). Without a waiting room every arrival is admitted at once; with one, "admitted"
// counts the buyers the inlet let through.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Write `png` from a bench result object; returns the PNG path. Throws when gnuplot is missing. */
export function plotRush(result, png) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'em-bench-plot-'));
  const series = [];
  if (result.generatorCeiling) series.push({ name: 'generator vs bare node:http', rush: result.generatorCeiling });
  for (const b of result.backends) if (b.rush) series.push({ name: b.name, rush: b.rush });
  const plots = [];
  series.forEach((s, i) => {
    const file = path.join(dir, `s${i}.dat`);
    fs.writeFileSync(file, `${s.rush.perSecond.map((p) => `${p.t} ${p.p99 ?? 'NaN'} ${p.scheduled} ${p.admitted ?? p.arrivals}`).join('\n')}\n`);
    plots.push(`'${file}' using 1:2 axes x1y1 with linespoints lw 2 pt 7 ps 0.4 title 'p99 ms: ${s.name.replace(/'/g, '')}'`);
    if (i === series.length - 1) {
      plots.push(`'${file}' using 1:3 axes x1y2 with boxes fs transparent solid 0.15 noborder lc rgb '#888888' title 'customers scheduled /s'`);
      plots.push(`'${file}' using 1:4 axes x1y2 with lines lw 1 dt 2 lc rgb '#222222' title 'admitted /s (${s.name.replace(/'/g, '')})'`);
    }
  });
  const la = result.machine;
  const title = `${result.scenario.customers} customers in ${result.scenario.arrivalSeconds} s (${result.scenario.profile}), one process; load avg ${la.loadavgAtStart[0]} -> ${la.loadavgAtEnd[0]}`;
  const gp = [
    "set terminal pngcairo size 1100,520 font 'sans,10'",
    `set output '${png}'`,
    `set title '${title}'`,
    "set xlabel 'second of the rush (request start)'",
    "set ylabel 'p99 latency, ms (log)'",
    'set logscale y',
    "set y2label 'customers per second'",
    'set y2tics',
    'set ytics nomirror',
    'set grid',
    'set xrange [0:*]',
    'set y2range [0:*]',
    'set key top right',
    'set boxwidth 0.9',
    `plot ${plots.join(', \\\n  ')}`,
  ].join('\n');
  const script = path.join(dir, 'plot.gp');
  fs.writeFileSync(script, `${gp}\n`);
  execFileSync('gnuplot', [script], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.rmSync(dir, { recursive: true, force: true });
  return png;
}
