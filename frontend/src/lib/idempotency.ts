/** Idempotency keys: 8–128 chars of [A-Za-z0-9_-] (the API's contract). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

export function newIdempotencyKey(cryptoImpl: Pick<Crypto, 'getRandomValues'> | undefined = globalThis.crypto): string {
  if (cryptoImpl && 'randomUUID' in cryptoImpl && typeof cryptoImpl.randomUUID === 'function') {
    return `ord_${(cryptoImpl as Crypto).randomUUID()}`;
  }
  const bytes = new Uint8Array(16);
  if (cryptoImpl) {
    cryptoImpl.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return `ord_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
