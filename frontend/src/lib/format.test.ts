import { describe, expect, it } from 'vitest';
import { formatDropDate, formatPrice, formatTimeInZone, stockLabel, stockLevel } from './format';

describe('format', () => {
  it('formats prices from cents', () => {
    expect(formatPrice(3900, 'EUR', 'en-US')).toBe('€39.00');
    expect(formatPrice(1999, 'USD', 'en-US')).toBe('$19.99');
    expect(formatPrice(1000, 'XX1', 'en-US')).toBe('10.00 XX1');
  });

  it('classifies stock', () => {
    expect(stockLevel({ soldOut: true, stockRemaining: 3, stockTotal: 10 })).toBe('sold-out');
    expect(stockLevel({ soldOut: false, stockRemaining: 0, stockTotal: 10 })).toBe('sold-out');
    expect(stockLevel({ soldOut: false, stockRemaining: 5, stockTotal: 500 })).toBe('low');
    expect(stockLevel({ soldOut: false, stockRemaining: 9, stockTotal: 100 })).toBe('low');
    expect(stockLevel({ soldOut: false, stockRemaining: 40, stockTotal: 40 })).toBe('available');
    expect(stockLabel({ soldOut: false, stockRemaining: 3, stockTotal: 3 })).toBe('Only 3 left');
    expect(stockLabel({ soldOut: false, stockRemaining: 40, stockTotal: 40 })).toBe('40 in stock');
    expect(stockLabel({ soldOut: true, stockRemaining: 0, stockTotal: 40 })).toBe('Sold out');
  });

  it('formats the drop date as a calendar date, whatever the viewer’s zone', () => {
    expect(formatDropDate('2026-03-10', 'en-US')).toBe('Tuesday, March 10');
    expect(formatDropDate('not-a-date')).toBe('not-a-date');
  });

  it('shows the next drop on the event’s wall clock', () => {
    expect(formatTimeInZone(Date.parse('2026-03-10T23:00:00Z'), 'Europe/Berlin', 'en-GB')).toMatch(/^Wed,? 00:00 (CET|GMT\+1)$/);
    expect(formatTimeInZone(Date.parse('2026-03-10T23:00:00Z'), 'Not/AZone', 'en-GB')).toMatch(/23:00 (UTC|GMT)/);
  });
});
