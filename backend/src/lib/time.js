// Time-zone arithmetic on top of Intl (full ICU ships with the official Node builds).
// A drop for local date D is live from the first instant of D in the event's zone to the first
// instant of D+1. DST gaps at midnight are handled: the first instant of the day is then 01:00.

const formatters = new Map();

function formatter(timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(tz) {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts of instant `ms` in `timeZone`. */
function zonedParts(ms, timeZone) {
  const parts = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return parts;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Local calendar date (YYYY-MM-DD) of instant `ms` in `timeZone`. */
export function localDate(ms, timeZone) {
  const p = zonedParts(ms, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** true when s is a real calendar date in YYYY-MM-DD form. */
export function isValidDate(s) {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function addDays(dateStr, n) {
  const m = DATE_RE.exec(dateStr);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + n));
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function daysBetween(a, b) {
  const ma = DATE_RE.exec(a);
  const mb = DATE_RE.exec(b);
  return Math.round((Date.UTC(+mb[1], +mb[2] - 1, +mb[3]) - Date.UTC(+ma[1], +ma[2] - 1, +ma[3])) / 86400000);
}

const startCache = new Map();

/** UTC epoch ms of the first instant of local date `dateStr` in `timeZone`. */
export function startOfLocalDay(dateStr, timeZone) {
  const key = `${timeZone}|${dateStr}`;
  const hit = startCache.get(key);
  if (hit !== undefined) return hit;
  const m = DATE_RE.exec(dateStr);
  const utcMidnight = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  // Offsets are within ±14h: search [utcMidnight-15h, utcMidnight+15h] for the first second whose
  // local date is >= dateStr (local date is non-decreasing in time for every real zone at midnight).
  let lo = Math.floor((utcMidnight - 15 * 3600e3) / 1000);
  let hi = Math.floor((utcMidnight + 15 * 3600e3) / 1000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid * 1000, timeZone) >= dateStr) hi = mid;
    else lo = mid + 1;
  }
  const result = lo * 1000;
  if (startCache.size > 10000) startCache.clear();
  startCache.set(key, result);
  return result;
}
