// Signed, expiring session tokens: creating one costs no database write and checking one no
// database or cache look-up (HMAC-SHA256 over the random id and the expiry).
//
//   token = <id>.<expiry, ms, base36>.<key id>.<mac>
//     id      32 random bytes, base64url (43 characters): the secret part, never stored
//     key id  8 hex characters naming the signing key (its SHA-256 prefix), so a token signed
//             with the previous key still verifies after a rotation
//     mac     HMAC-SHA256(key, "<id>.<expiry>"), base64url
//
// Two keys: the first signs, every listed key verifies. A rotation is staged (sessionKeysToWrite):
// the new key is listed second first (accepted everywhere once the service has rolled), then
// promoted to first (signs), and the old one dropped a session lifetime later. The customer identity the database
// sees is SHA-256(id), base64url (43 characters): the stored value cannot be turned back into a
// token, and a token cannot be forged without a key.
import crypto from 'node:crypto';

const SIGNED_TOKEN_RE = /^([A-Za-z0-9_-]{43})\.([0-9a-z]{1,11})\.([0-9a-f]{8})\.([A-Za-z0-9_-]{43})$/;
const MIN_KEY_BYTES = 32;
// Tokens this process minted or verified, remembered (oldest dropped first) so that a customer's
// every request after the first costs a Map look-up, not an HMAC and a SHA-256 (among the top
// JS entries of the customer mix's profile after the socket writes, backend/README.md).
// Only tokens that verified are kept; their expiry is still checked on every use. ~250 bytes each.
export const VERIFIED_TOKENS_MAX = 32_768;
// Session ids are drawn from one random buffer refilled every ID_POOL ids, not one call per id.
const ID_BYTES = 32;
const ID_POOL = 256;

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

/** The key ids (8 hex characters, as tokens name them; not secret) of a SESSION_KEYS value, in order. */
export function sessionKeyIds(value) {
  return parseSessionKeys(value).map(kidOf);
}

const listed = (value) => String(value).split(',').map((x) => x.trim()).filter(Boolean);

/**
 * What session-keys.js writes given the secret's current value (null: none yet), or null when
 * there is nothing to change. A rotation is staged, because an ECS roll runs tasks on the
 * previous value next to tasks on the new one, and a task only accepts the keys it was started
 * with:
 *   1. (no option) the first key for an empty secret; else STAGE a new key: listed second, so
 *      every task started from now on accepts it while the current key still signs ("A" ->
 *      "A,N"). Roll the service;
 *   2. promote: N (its key id) signs, the previous key still verifies ("A,N" -> "N,A"). Both
 *      kinds of tasks of that roll accept both keys. Roll the service;
 *   3. retire: a session lifetime (7 days) after the promotion, drop the previous key
 *      ("N,A" -> "N"); its tokens have expired. Roll the service (at any time).
 * ifEmpty: the deploy's release step (create the first key once, never rotate as a side effect).
 * Promote and retire name the key they expect (sessionKeyIds), so a repeated or mistaken run
 * changes nothing or is refused, never swaps keys back.
 */
export function sessionKeysToWrite(current, { ifEmpty = false, promote = null, retire = null } = {}) {
  const empty = current === null || current === undefined || String(current).trim() === '';
  if (empty) {
    if (promote || retire) throw new Error('the secret holds no keys: nothing to promote or retire');
    return crypto.randomBytes(32).toString('base64');
  }
  const ids = sessionKeyIds(current); // refuse to change a value the API would not accept
  const keys = listed(current);
  if (ifEmpty) return null;
  if (promote) {
    if (ids[0] === promote) return null; // already signing
    if (ids[1] !== promote) throw new Error(`key ${promote} is not listed second (listed: ${ids.join(', ')}): nothing promoted`);
    return `${keys[1]},${keys[0]}`;
  }
  if (retire) {
    if (!ids.includes(retire)) return null; // already retired
    if (ids[0] === retire) throw new Error(`key ${retire} is the signing key: promote another key first`);
    return keys[0];
  }
  if (keys.length > 1) {
    throw new Error(`two keys are listed already (${ids.join(', ')}): promote the second (--promote=${ids[1]}) once the service has rolled, or retire it (--retire=${ids[1]}) a session lifetime after it was promoted, then stage a new one`);
  }
  return `${keys[0]},${crypto.randomBytes(32).toString('base64')}`;
}

export class SessionSigner {
  /** @param {Buffer[]} keys first signs, all verify  @param {number} ttlMs */
  constructor(keys, ttlMs) {
    if (!keys.length) throw new Error('SessionSigner needs at least one key');
    this.keys = keys.map((k) => ({ kid: kidOf(k), key: k }));
    this.ttlMs = ttlMs;
    /** @type {Map<string, {customerId: string, expiresAt: number}>} */
    this.verified = new Map();
    this.idPool = Buffer.alloc(ID_BYTES * ID_POOL);
    this.idNext = ID_POOL;
  }

  _randomId() {
    if (this.idNext === ID_POOL) {
      crypto.randomFillSync(this.idPool);
      this.idNext = 0;
    }
    const at = ID_BYTES * this.idNext++;
    return this.idPool.toString('base64url', at, at + ID_BYTES);
  }

  _remember(token, session) {
    if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.delete(this.verified.keys().next().value);
    this.verified.set(token, session);
  }

  _mac(key, id, exp) {
    return crypto.createHmac('sha256', key).update(`${id}.${exp}`).digest('base64url');
  }

  /** A new token expiring ttlMs after now. */
  mint(now) {
    const id = this._randomId();
    const expiresAt = now + this.ttlMs;
    const exp = expiresAt.toString(36);
    const { kid, key } = this.keys[0];
    const token = `${id}.${exp}.${kid}.${this._mac(key, id, exp)}`;
    const customerId = customerIdOf(id);
    this._remember(token, Object.freeze({ customerId, expiresAt }));
    return { token, customerId, expiresAt };
  }

  /**
   * @returns {{customerId: string, expiresAt: number} | null} null when malformed, signed with
   *   an unknown key, tampered with or expired
   */
  verify(token, now) {
    if (typeof token !== 'string' || token.length > 120) return null;
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (known.expiresAt > now) return known;
      this.verified.delete(token);
      return null;
    }
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
    const session = Object.freeze({ customerId: customerIdOf(id), expiresAt });
    this._remember(token, session);
    return session;
  }
}
