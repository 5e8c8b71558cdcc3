import { describe, expect, it } from 'vitest';
import {
  clockOffsetMs,
  describeCountdown,
  formatCountdown,
  msUntilNextTick,
  nextDropTarget,
  nextMidnightInZone,
  remainingMs,
  splitDuration,
  zoneOffsetMs,
} from './countdown';

const t = (iso: string) => Date.parse(iso);

describe('clock offset', () => {
  it('is zero when both clocks agree', () => {
    expect(clockOffsetMs({ serverTime: '2026-03-10T12:00:00.100Z', requestStartedAt: t('2026-03-10T12:00:00.000Z'), responseReceivedAt: t('2026-03-10T12:00:00.200Z') })).toBe(0);
  });

  it('measures a phone clock 5 minutes fast, using the midpoint of the round trip', () => {
    // phone says 12:05:00.000 → 12:05:00.400 (400 ms round trip); server stamped 12:00:00.200
    const off = clockOffsetMs({ serverTime: '2026-03-10T12:00:00.200Z', requestStartedAt: t('2026-03-10T12:05:00.000Z'), responseReceivedAt: t('2026-03-10T12:05:00.400Z') });
    expect(off).toBe(-300_000);
  });

  it('measures a phone clock behind the server', () => {
    const off = clockOffsetMs({ serverTime: '2026-03-10T12:00:30.000Z', requestStartedAt: t('2026-03-10T12:00:00.000Z'), responseReceivedAt: t('2026-03-10T12:00:00.000Z') });
    expect(off).toBe(30_000);
  });

  it('falls back to 0 for an unparseable server time', () => {
    expect(clockOffsetMs({ serverTime: 'garbage', requestStartedAt: 1, responseReceivedAt: 2 })).toBe(0);
  });
});

describe('remaining time', () => {
  const target = t('2026-03-10T23:00:00.000Z');

  it('counts down in server time, not the phone clock', () => {
    // Phone 5 min fast: its clock already says 23:04:50, server time is 22:59:50 → 10 s left.
    const phoneNow = t('2026-03-10T23:04:50.000Z');
    expect(remainingMs(target, phoneNow, -300_000)).toBe(10_000);
  });

  it('never goes negative', () => {
    expect(remainingMs(target, t('2026-03-11T01:00:00Z'), 0)).toBe(0);
  });

  it('prefers nextDropAt, falls back to serverTime + secondsUntilNextDrop, else null', () => {
    const base = { serverTime: '2026-03-10T22:00:00.000Z', event: { timeZone: 'Europe/Berlin' } };
    expect(nextDropTarget({ ...base, nextDropAt: '2026-03-10T23:00:00.000Z', secondsUntilNextDrop: 99 })).toBe(target);
    expect(nextDropTarget({ ...base, nextDropAt: null, secondsUntilNextDrop: 3600 })).toBe(target);
    expect(nextDropTarget({ ...base, nextDropAt: 'nope', secondsUntilNextDrop: 3600 })).toBe(target);
    expect(nextDropTarget({ ...base, nextDropAt: null, secondsUntilNextDrop: null })).toBeNull();
  });
});

describe('formatting', () => {
  it('rounds up to whole seconds so 00:00:00 appears only when the drop is live', () => {
    expect(formatCountdown(400)).toBe('00:00:01');
    expect(formatCountdown(1000)).toBe('00:00:01');
    expect(formatCountdown(1001)).toBe('00:00:02');
    expect(formatCountdown(0)).toBe('00:00:00');
  });

  it('formats hours, minutes and seconds with leading zeros, and days when needed', () => {
    expect(formatCountdown((5 * 3600 + 4 * 60 + 3) * 1000)).toBe('05:04:03');
    expect(formatCountdown(24 * 3600 * 1000 - 1)).toBe('1d 00:00:00');
    expect(formatCountdown((2 * 86400 + 3661) * 1000)).toBe('2d 01:01:01');
  });

  it('splits durations', () => {
    expect(splitDuration(90_061_000)).toEqual({ days: 1, hours: 1, minutes: 1, seconds: 1, totalSeconds: 90_061 });
    expect(splitDuration(-5)).toMatchObject({ totalSeconds: 0 });
  });

  it('describes the time left in words for screen readers', () => {
    expect(describeCountdown((5 * 3600 + 4 * 60 + 3) * 1000)).toBe('5 hours 4 minutes');
    expect(describeCountdown((61) * 1000)).toBe('1 minute 1 second');
    expect(describeCountdown(45_000)).toBe('45 seconds');
    expect(describeCountdown(3600_000)).toBe('1 hour');
    expect(describeCountdown(0)).toBe('now');
  });

  it('schedules the next tick for when the displayed second changes', () => {
    expect(msUntilNextTick(10_250)).toBe(250);
    expect(msUntilNextTick(10_000)).toBe(1000);
    expect(msUntilNextTick(0)).toBe(1000);
  });
});

describe('midnight in the event time zone', () => {
  it('knows zone offsets, including DST', () => {
    expect(zoneOffsetMs(t('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(3600_000);
    expect(zoneOffsetMs(t('2026-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(7200_000);
    expect(zoneOffsetMs(t('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3600_000);
    expect(zoneOffsetMs(t('2026-07-15T12:00:00Z'), 'UTC')).toBe(0);
  });

  it('finds the next local midnight', () => {
    expect(nextMidnightInZone(t('2026-03-10T22:59:50Z'), 'Europe/Berlin')).toBe(t('2026-03-10T23:00:00Z'));
    expect(nextMidnightInZone(t('2026-03-10T23:00:00Z'), 'Europe/Berlin')).toBe(t('2026-03-11T23:00:00Z'));
    expect(nextMidnightInZone(t('2026-07-01T12:00:00Z'), 'Asia/Tokyo')).toBe(t('2026-07-01T15:00:00Z'));
    expect(nextMidnightInZone(t('2026-07-01T12:00:00Z'), 'America/Los_Angeles')).toBe(t('2026-07-02T07:00:00Z'));
  });

  it('handles the nights around a DST change (the day is 23 or 25 hours long)', () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00; midnight of the 30th is 22:00Z on the 29th.
    expect(nextMidnightInZone(t('2026-03-29T12:00:00Z'), 'Europe/Berlin')).toBe(t('2026-03-29T22:00:00Z'));
    // …and falls back on 2026-10-25; midnight of the 26th is 23:00Z on the 25th.
    expect(nextMidnightInZone(t('2026-10-25T12:00:00Z'), 'Europe/Berlin')).toBe(t('2026-10-25T23:00:00Z'));
  });

  it('handles zones where midnight itself is skipped by DST', () => {
    // America/Santiago: 2026-09-06 00:00 local does not exist (clocks go 24:00 → 01:00 at -04 → -03).
    const next = nextMidnightInZone(t('2026-09-05T12:00:00Z'), 'America/Santiago');
    expect(next).toBe(t('2026-09-06T04:00:00Z')); // 01:00 -03, the first instant of the 6th
  });
});
