// Signed, expiring session tokens: creating one costs no database write and checking one no
// look-up of any kind (HMAC-SHA256 over the random id and the expiry).
//
//   token = <id>.<expiry, ms, base36>.<key id>.<mac>
//     id      32 random bytes, base64url (43 characters): the secret part, never stored
//     key id  8 hex characters naming the signing key (its SHA-256 prefix), so a token signed
//             with the previous key still verifies after a rotation
//     mac     HMAC-SHA256(key, "<id>.<expiry>"), base64url
//
// Two keys: the first signs, every listed key verifies (rotation: put the new key first and keep
// the old one second for one session lifetime, then drop it). The customer identity the database
// sees is SHA-256(id), base64url (43 characters): the stored value cannot be turned back into a
// token, and a token cannot be forged without a key.
import crypto from 'node:crypto';

const SIGNED_TOKEN_RE = /^([A-Za-z0-9_-]{43})\.([0-9a-z]{1,11})\.([0-9a-f]{8})\.([A-Za-z0-9_-]{43})$/;
const MIN_KEY_BYTES = 32;

const kidOf = (key) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);

/** The stored customer id of a session id: SHA-256, base64url (43 characters). */
export function customerIdOf(id) {
  return crypto.createHash('sha256').update(id).digest('base64url');
}

/**
 * Parse SESSION_KEYS: one or two keys, comma-separated, each base64 / base64url of at least 32
 * bytes. Throws an Error naming the problem (never the key).
 * @returns {Buffer[]}
 */
export function parseSessionKeys(raw) {
  const parts = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length < 1 || parts.length > 2) throw new Error(`SESSION_KEYS must hold one or two comma-separated keys (got ${parts.length})`);
  return parts.map((p, i) => {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(p)) throw new Error(`SESSION_KEYS key ${i + 1} is not base64`);
    const b = Buffer.from(p.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length < MIN_KEY_BYTES) throw new Error(`SESSION_KEYS key ${i + 1} is ${b.length} bytes; at least ${MIN_KEY_BYTES} are needed`);
    return b;
  });
}

export class SessionSigner {
  /** @param {Buffer[]} keys first signs, all verify  @param {number} ttlMs */
  constructor(keys, ttlMs) {
    if (!keys.length) throw new Error('SessionSigner needs at least one key');
    this.keys = keys.map((k) => ({ kid: kidOf(k), key: k }));
    this.ttlMs = ttlMs;
  }

  _mac(key, id, exp) {
    return crypto.createHmac('sha256', key).update(`${id}.${exp}`).digest('base64url');
  }

  /** A new token expiring ttlMs after now. */
  mint(now) {
    const id = crypto.randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    const exp = expiresAt.toString(36);
    const { kid, key } = this.keys[0];
    return { token: `${id}.${exp}.${kid}.${this._mac(key, id, exp)}`, customerId: customerIdOf(id), expiresAt };
  }

  /**
   * @returns {{customerId: string, expiresAt: number} | null} null when malformed, signed with
   *   an unknown key, tampered with or expired
   */
  verify(token, now) {
    if (typeof token !== 'string' || token.length > 120) return null;
    const m = SIGNED_TOKEN_RE.exec(token);
    if (!m) return null;
    const [, id, exp, kid, mac] = m;
    const k = this.keys.find((x) => x.kid === kid);
    if (!k) return null;
    const want = Buffer.from(this._mac(k.key, id, exp));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) return null;
    const expiresAt = parseInt(exp, 36);
    if (!(expiresAt > now)) return null;
    return { customerId: customerIdOf(id), expiresAt };
  }
}
