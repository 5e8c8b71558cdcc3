// CPU time of processes from Linux /proc: the work a step cost, which a busy machine changes far
// less than it changes latency. Used by bench/run.js and bench/order-tx.js.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const TICK_MS = 1000 / Number((() => {
  try {
    return execFileSync('getconf', ['CLK_TCK']).toString().trim();
  } catch {
    return '100';
  }
})());

/** CPU ms (user + system) a process has used so far, or null (no such process, no /proc). */
export function cpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
  } catch {
    return null;
  }
}

/** The pid of the server `binary` listening on `port` (its command line names it: -p N or --port=N), or null. */
export function serverPid(binary, port) {
  if (!fs.existsSync('/proc')) return null;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!path.basename(cmd[0] ?? '').startsWith(binary)) continue;
    const i = cmd.findIndex((a) => a === '-p' || a === '--port' || a.startsWith('--port='));
    const p = i < 0 ? null : (cmd[i].startsWith('--port=') ? cmd[i].slice(7) : cmd[i + 1]);
    if (p === String(port)) return Number(d);
  }
  return null;
}
