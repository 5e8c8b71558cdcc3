/**
 * Countdown logic, pure and with time injected: every function takes "now" as an argument so tests
 * never sleep and never depend on the machine's clock or time zone.
 *
 * Two clocks are involved. The server says what time it is (`serverTime`) and when the next drop
 * starts (`nextDropAt`, in the server's clock). The phone's clock may be minutes off, so we never
 * compare `nextDropAt` with the phone's clock directly: we estimate the offset between the two clocks
 * once per response and count down in server time.
 */
import type { CurrentDrop } from './types';

export interface ClockSample {
  /** server time as reported in the response (ISO 8601) */
  serverTime: string;
  /** client clock (ms) just before the request was sent */
  requestStartedAt: number;
  /** client clock (ms) when the response arrived */
  responseReceivedAt: number;
}

/**
 * Offset (ms) to add to the client clock to get the server clock. The server stamped its time somewhere
 * during the round trip; the midpoint is the best estimate (as in NTP), error at most half the round trip.
 */
export function clockOffsetMs(sample: ClockSample): number {
  const server = Date.parse(sample.serverTime);
  if (Number.isNaN(server)) return 0;
  const start = Math.min(sample.requestStartedAt, sample.responseReceivedAt);
  const end = Math.max(sample.requestStartedAt, sample.responseReceivedAt);
  return Math.round(server - (start + end) / 2);
}

/** Current time on the server's clock, estimated from the client's clock and the offset. */
export function serverNow(clientNowMs: number, offsetMs: number): number {
  return clientNowMs + offsetMs;
}

/** Offset in ms of `timeZone` from UTC at the instant `utcMs` (e.g. +3_600_000 for CET in winter). */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const dtf = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts: Record<string, number> = {};
  for (const p of dtf.formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
  const truncated = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return asUtc - truncated;
}

/** Calendar date (y, m 1-12, d) of the instant `utcMs` in `timeZone`. */
export function localDate(utcMs: number, timeZone: string): { year: number; month: number; day: number } {
  const local = new Date(utcMs + zoneOffsetMs(utcMs, timeZone));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/**
 * The first instant strictly after `utcMs` at which the wall clock in `timeZone` reads 00:00 (the
 * next drop). Only a fallback: the server normally says when the next drop is (`nextDropAt`).
 * Where a DST change skips midnight, returns the first instant of the new day.
 */
export function nextMidnightInZone(utcMs: number, timeZone: string): number {
  const { year, month, day } = localDate(utcMs, timeZone);
  const wallMidnight = Date.UTC(year, month - 1, day + 1); // tomorrow 00:00 as if it were UTC
  // Resolve wall time → instant; two passes settle the offset across a DST change.
  let guess = wallMidnight - zoneOffsetMs(wallMidnight, timeZone);
  guess = wallMidnight - zoneOffsetMs(guess, timeZone);
  // If midnight does not exist that day (clock jumps 00:00 → 01:00), the guess lands in the previous
  // day; the first instant of the new day is then the transition itself.
  const d = localDate(guess, timeZone);
  if (Date.UTC(d.year, d.month - 1, d.day) < wallMidnight) {
    guess += 3_600_000;
  }
  return guess;
}

export type DropTiming = Pick<CurrentDrop, 'serverTime' | 'nextDropAt' | 'secondsUntilNextDrop'>;

/**
 * When the next drop starts, in server-clock ms, or null if there is none scheduled. Prefers the
 * absolute `nextDropAt`; falls back to `serverTime + secondsUntilNextDrop`.
 */
export function nextDropTarget(data: DropTiming): number | null {
  if (data.nextDropAt) {
    const t = Date.parse(data.nextDropAt);
    if (!Number.isNaN(t)) return t;
  }
  if (typeof data.secondsUntilNextDrop === 'number' && Number.isFinite(data.secondsUntilNextDrop)) {
    const s = Date.parse(data.serverTime);
    if (!Number.isNaN(s)) return s + data.secondsUntilNextDrop * 1000;
  }
  return null;
}

/** Milliseconds left until `targetServerMs`, never negative. */
export function remainingMs(targetServerMs: number, clientNowMs: number, offsetMs: number): number {
  return Math.max(0, targetServerMs - serverNow(clientNowMs, offsetMs));
}

export interface Duration {
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  totalSeconds: number;
}

/**
 * Whole seconds, rounded UP: with 0.4 s left the display still says 00:00:01 and reads 00:00:00 only
 * once the drop has started, never a second early.
 */
export function splitDuration(ms: number): Duration {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  return {
    days: Math.floor(totalSeconds / 86_400),
    hours: Math.floor((totalSeconds % 86_400) / 3600),
    minutes: Math.floor((totalSeconds % 3600) / 60),
    seconds: totalSeconds % 60,
    totalSeconds,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "05:04:03", or "2d 05:04:03" when a day or more is left. */
export function formatCountdown(ms: number): string {
  const d = splitDuration(ms);
  const clock = `${pad(d.hours)}:${pad(d.minutes)}:${pad(d.seconds)}`;
  return d.days > 0 ? `${d.days}d ${clock}` : clock;
}

/** A sentence for screen readers: "5 hours 4 minutes", "45 seconds". */
export function describeCountdown(ms: number): string {
  const d = splitDuration(ms);
  if (d.totalSeconds === 0) return 'now';
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (d.days) parts.push(unit(d.days, 'day'));
  if (d.hours) parts.push(unit(d.hours, 'hour'));
  if (d.minutes) parts.push(unit(d.minutes, 'minute'));
  // Seconds only matter in the last minutes.
  if (d.days === 0 && d.hours === 0 && (d.seconds || parts.length === 0)) parts.push(unit(d.seconds, 'second'));
  return parts.join(' ');
}

/** Delay until the displayed second changes (so ticks stay aligned and never drift). */
export function msUntilNextTick(remaining: number): number {
  if (remaining <= 0) return 1000;
  const r = remaining % 1000;
  return r === 0 ? 1000 : r;
}
