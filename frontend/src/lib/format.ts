const formatters = new Map<string, Intl.NumberFormat>();

export function formatPrice(cents: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      // Unknown currency code: fall back to a plain number with the code.
      return `${(cents / 100).toFixed(2)} ${currency}`;
    }
    formatters.set(key, f);
  }
  return f.format(cents / 100);
}

export type StockLevel = 'sold-out' | 'low' | 'available';

/** Low stock: at most 5 left, or at most 10% of the drop's stock. */
export function stockLevel(p: { soldOut: boolean; stockRemaining: number; stockTotal: number }): StockLevel {
  if (p.soldOut || p.stockRemaining <= 0) return 'sold-out';
  if (p.stockRemaining <= 5 || p.stockRemaining <= p.stockTotal * 0.1) return 'low';
  return 'available';
}

export function stockLabel(p: { soldOut: boolean; stockRemaining: number; stockTotal: number }): string {
  switch (stockLevel(p)) {
    case 'sold-out':
      return 'Sold out';
    case 'low':
      return `Only ${p.stockRemaining} left`;
    default:
      return `${p.stockRemaining} in stock`;
  }
}

export function formatDropDate(date: string, locale?: string): string {
  // date is YYYY-MM-DD in the event's zone; format it as a calendar date, never shifted by the viewer's zone.
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
}

/** "Fri 00:00 GMT+1": when the next drop starts, on the event's wall clock (24-hour, so midnight reads 00:00). */
export function formatTimeInZone(ms: number, timeZone: string, locale?: string): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const opts: Intl.DateTimeFormatOptions = { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(d); // unknown zone name
  }
}

export function formatDateTime(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}
