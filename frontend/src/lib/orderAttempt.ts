import { newIdempotencyKey } from './idempotency';

/**
 * One order attempt = one idempotency key. The key is made when the customer first presses "Buy" and
 * kept (in sessionStorage, so even a reload keeps it) until the attempt ends with an answer we trust:
 * a confirmed order or a definite refusal. A retry after a timeout or a 5xx re-sends the SAME key, so the
 * server can never create a second order for it.
 */
export interface OrderAttempt {
  key: string;
  productId: string;
  quantity: number;
  startedAt: number;
}

const PREFIX = 'eventmall.attempt.';
const MAX_AGE_MS = 12 * 3600 * 1000;

function storage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

export function loadAttempt(productId: string, now = Date.now()): OrderAttempt | null {
  try {
    const raw = storage()?.getItem(PREFIX + productId);
    if (!raw) return null;
    const a = JSON.parse(raw) as OrderAttempt;
    if (a.productId !== productId || typeof a.key !== 'string' || now - a.startedAt > MAX_AGE_MS) {
      storage()?.removeItem(PREFIX + productId);
      return null;
    }
    return a;
  } catch {
    return null;
  }
}

export function startAttempt(productId: string, quantity: number, now = Date.now(), key = newIdempotencyKey()): OrderAttempt {
  const a: OrderAttempt = { key, productId, quantity, startedAt: now };
  try {
    storage()?.setItem(PREFIX + productId, JSON.stringify(a));
  } catch {
    /* memory only */
  }
  return a;
}

export function clearAttempt(productId: string) {
  try {
    storage()?.removeItem(PREFIX + productId);
  } catch {
    /* ignore */
  }
}
