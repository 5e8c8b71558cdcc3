// The waiting room (off by default; WAITING_ROOM=on for drops whose expected peak exceeds the
// service's capacity). Fair before midnight, FIFO after, an inlet at a configured rate that
// pauses while the service is degraded, and a sold-out notice within a second.
//
// A buyer with a session takes a signed queue token (POST /api/queue), bound to the drop and to
// the session's customer:
//   * before the drop starts (the pre-queue, opening WAITING_ROOM_OPENS_MINUTES before): an
//     arrival number p. At midnight the pre-queue's N buyers are ranked by a keyed pseudo-random
//     permutation of 1..N (a Feistel network over the key, the drop and N): a fair shuffle of
//     everyone who came early, whoever's script was fastest, and no one can predict it;
//   * after the start: a sequence number (memcached increment): first come, first served, behind
//     the whole pre-queue.
// The inlet is ONE counter per drop in memcached, "admitted so far", raised by inletPerSec once a
// second by whichever task wins that second's lock, unless that task sees the service degraded,
// and never beyond the buyers who joined (an idle second banks no admissions for a later burst).
// A pre-queue buyer is admitted when rank(p) <= admitted; a later one (sequence s) when
// s <= admitted - preCount. So everything a waiting buyer needs is in ONE document shared by all
// (GET /api/queue/state: admitted, preCount, soldOut, inlet), micro-cached at the edge like the
// drop (1 s): a live buyer's place is preCount + s - admitted, computed in the browser, so a
// hundred thousand waiting buyers cost the origin about a request per second per edge location
// (a pre-queue buyer's rank needs the key: GET /api/queue/status, once, after the draw).
// Orders then require an admitted token (checked from the same counter, no database).
//
// Keys: the queue's keys are derived from the session signing keys (SESSION_KEYS, "current,
// previous", from the secret the release writes and session-keys.js rotates), so they rotate with
// them, in the same step: the current key signs, the previous one still verifies, and a key that
// left the list (retired by the second rotation) is refused with a message saying so. A queue
// token is worth nothing without its session, which the same keys sign. The token names its key
// (8 hex characters, a hash prefix of the derived key). The pre-queue's draw is keyed by ONE key
// per drop, named in memcached (`wr:<drop>:drawkid`, the key id only, never a key): the signing key
// of the task that first opens the drop's pre-queue. Every task that holds that key draws with
// it, whatever the order of its list, so neither step of a rotation (staging a new key second,
// promoting it first), rolled in the middle of a queue, moves anybody's place; only retiring
// that key (a session lifetime after a promotion) would. Without a recorded id (memcached lost
// it, or only tasks of the earlier version ran), the last listed key draws, as before.
import crypto from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Shop } from './shop.js';
import { ShopError } from './lib/errors.js';

/**
 * A keyed pseudo-random permutation of 1..n (balanced Feistel network with cycle-walking):
 * rank(p) for p in 1..n is a bijection onto 1..n.
 */
function shuffleRank(key, salt, n, p) {
  if (n <= 1) return 1;
  let bits = Math.max(2, Math.ceil(Math.log2(n)));
  if (bits % 2) bits++;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  const f = (round, r) => crypto.createHmac('sha256', key).update(`${salt}:${n}:${round}:${r}`).digest().readUInt32BE(0) & mask;
  let x = p - 1;
  do {
    let l = x >>> half;
    let r = x & mask;
    for (let round = 0; round < 4; round++) {
      const t = l ^ f(round, r);
      l = r;
      r = t;
    }
    x = (l << half) | r;
  } while (x >= n);
  return x + 1;
}
// q2.<drop>.<p|l>.<n>.<customer, 16 characters>.<key id, 8 hex>.<mac>
export const TOKEN_RE = /^q2\.([a-z0-9-]{1,64})\.([pl])\.(\d{1,10})\.([A-Za-z0-9_-]{16})\.([0-9a-f]{8})\.([A-Za-z0-9_-]{43})$/;

/** The queue key derived from one session signing key, with its id. */
function queueKey(sessionKey) {
  const key = crypto.createHmac('sha256', sessionKey).update('eventmall waiting room v1').digest();
  return { kid: crypto.createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** Why a queue token was refused: the message a buyer (and a support person) reads. */
export const REFUSAL = Object.freeze({
  malformed: 'This is not a queue token: send the X-Queue-Token POST /api/queue gave you.',
  retired_key: 'This queue token was signed with a key this server does not hold: one retired by a key rotation (join the queue again, POST /api/queue) or, while the service rolls onto new keys, a newer one (retry in a moment).',
  forged: 'This queue token is not valid (its signature does not match): send the X-Queue-Token POST /api/queue gave you.',
  not_yours: 'This queue token belongs to another session: join the queue with yours (POST /api/queue).',
});

export class WaitingRoom {
  /**
   * @param {{shop: import('./shop.js').Shop, cache: any, keys: Buffer[], inletPerSec: number,
   *   opensMinutesBefore: number, logger?: any, degraded?: () => boolean}} o
   *   keys: the session signing keys, current first (SESSION_KEYS order)
   */
  constructor({ shop, cache, keys, inletPerSec, opensMinutesBefore, logger, degraded }) {
    if (!Array.isArray(keys) || keys.length < 1) throw new Error('WaitingRoom needs the session signing keys (current first)');
    this.shop = shop;
    this.cache = cache;
    this.keys = keys.map(queueKey); // the first signs, every one verifies
    // the pre-queue's draw: the key the drop's pre-queue was opened with (see the top of the file)
    for (const k of this.keys) k.draw = crypto.createHmac('sha256', k.key).update('eventmall pre-queue draw v1').digest();
    this.drawKids = new Map(); // dropId -> key id of its draw, as read from memcached
    this.inletPerSec = inletPerSec;
    this.opensMs = opensMinutesBefore * 60_000;
    this.logger = logger;
    this.local = new Map(); // dropId -> {until, state}
    if (degraded) {
      this.degraded = degraded;
    } else {
      const lag = monitorEventLoopDelay({ resolution: 20 });
      lag.enable();
      this._lag = lag;
      // degraded: the event loop lags (the process is saturated), or the database failed lately
      this.degraded = () => {
        const p99 = lag.percentile(99) / 1e6;
        lag.reset();
        return p99 > 250 || this.shop.lastUnavailableAt > Date.now() - 5000;
      };
    }
    this.paused = false;
  }

  _mac(key, s) {
    return crypto.createHmac('sha256', key).update(s).digest('base64url');
  }

  /** The drop the queue is for at `now`: the live one, or the next one once its pre-queue opened. */
  async _drop(now) {
    const view = Shop.pick(await this.shop.schedule(), now);
    if (!view) return null;
    if (view.drop) return view.drop;
    if (view.next && view.next.startsAt - now <= this.opensMs) return view.next;
    return null;
  }

  /** Join the queue for the current drop (queue_closed when none is open). */
  async join(customerId) {
    const now = this.shop.clock.now();
    const drop = await this._drop(now);
    if (!drop) throw new ShopError('queue_closed', 'No drop is queuing now (the queue opens before the drop).');
    const pre = now < drop.startsAt;
    const n = await this.cache.incr(`wr:${drop.id}:${pre ? 'pre' : 'seq'}`, 3 * 86400);
    if (n === null) throw this.shop.unavailable(null, 'The waiting room is temporarily unavailable, please retry in a moment.');
    // the first task to open the pre-queue names the key of its draw (kept if already named)
    if (pre && !this.drawKids.has(drop.id)) {
      if ((await this.cache.add(`wr:${drop.id}:drawkid`, this.keys[0].kid, 3 * 86400)) === true) this.drawKids.set(drop.id, this.keys[0].kid);
    }
    const { kid, key } = this.keys[0];
    const body = `q2.${drop.id}.${pre ? 'p' : 'l'}.${n}.${customerId.slice(0, 16)}.${kid}`;
    return { queueToken: `${body}.${this._mac(key, body)}`, dropId: drop.id, kind: pre ? 'pre_queue' : 'queue' };
  }

  /**
   * Verify a queue token for this customer.
   * @returns {{token: {dropId: string, pre: boolean, n: number}} | {refused: keyof typeof REFUSAL}}
   */
  verify(token, customerId) {
    if (typeof token !== 'string' || token.length > 200) return { refused: 'malformed' };
    const m = TOKEN_RE.exec(token);
    if (!m) return { refused: 'malformed' };
    const [, dropId, kind, n, cust, kid, mac] = m;
    const k = this.keys.find((x) => x.kid === kid);
    if (!k) return { refused: 'retired_key' };
    const want = Buffer.from(this._mac(k.key, token.slice(0, token.length - mac.length - 1)));
    if (!crypto.timingSafeEqual(want, Buffer.from(mac))) return { refused: 'forged' };
    if (customerId !== undefined && cust !== customerId.slice(0, 16)) return { refused: 'not_yours' };
    return { token: { dropId, pre: kind === 'p', n: Number(n) } };
  }

  /** The verified token, or null. */
  parse(token, customerId) {
    return this.verify(token, customerId).token ?? null;
  }

  /** The verified token, or a 403 queue_required saying why it was refused. */
  require(token, customerId) {
    const v = this.verify(token, customerId);
    if (v.refused) throw new ShopError('queue_required', REFUSAL[v.refused], { field: 'X-Queue-Token' });
    return v.token;
  }

  /** The one document every waiting buyer reads (cached 1 s in process; at the edge too). */
  async state() {
    const now = this.shop.clock.now();
    const drop = await this._drop(now);
    if (!drop) return { open: false };
    const hit = this.local.get(drop.id);
    if (hit && hit.until > Date.now()) return hit.state;
    const started = now >= drop.startsAt;
    const [admitted, preCount, products, drawKid] = await Promise.all([
      this.cache.getStrict(`wr:${drop.id}:admitted`),
      this.cache.getStrict(`wr:${drop.id}:pre`),
      started ? this.shop.dropProducts(drop.id).catch(() => null) : null,
      this.cache.getStrict(`wr:${drop.id}:drawkid`),
    ]);
    if (typeof drawKid === 'string') this.drawKids.set(drop.id, drawKid);
    // memcached did not answer (undefined): keep the last values seen (never move a buyer back)
    const last = hit?.state ?? this.lastGood?.get(drop.id);
    const state = {
      open: true,
      dropId: drop.id,
      startsAt: new Date(drop.startsAt).toISOString(),
      secondsUntilDrop: Math.max(0, Math.ceil((drop.startsAt - now) / 1000)),
      admitted: admitted === undefined ? (last?.admitted ?? 0) : Number(admitted ?? 0),
      preCount: preCount === undefined ? (last?.preCount ?? 0) : Number(preCount ?? 0),
      inletPerSec: this.inletPerSec,
      paused: this.paused,
      soldOut: Array.isArray(products) && products.length > 0 && products.every((p) => p.soldOut),
      // the items already gone: a buyer waiting for one of them is told at once
      soldOutProducts: Array.isArray(products) ? products.filter((p) => p.soldOut).map((p) => p.id) : (last?.soldOutProducts ?? []),
      serverTime: new Date(now).toISOString(),
    };
    this.local.set(drop.id, { until: Date.now() + 1000, state });
    (this.lastGood ??= new Map()).set(drop.id, state);
    return state;
  }

  /** The draw key of a drop's pre-queue: the named key if this task holds it, else the last listed. */
  _drawKey(dropId) {
    const kid = this.drawKids.get(dropId);
    return (this.keys.find((k) => k.kid === kid) ?? this.keys[this.keys.length - 1]).draw;
  }

  /** Place of a token given a state document: 0 when admitted, null before the draw. */
  place(t, s) {
    if (!s.open || t.dropId !== s.dropId) return null;
    if (s.secondsUntilDrop > 0) return null; // pre-queue: the draw happens at the start
    if (t.pre) return Math.max(0, shuffleRank(this._drawKey(t.dropId), t.dropId, Math.max(s.preCount, t.n), t.n) - s.admitted);
    return Math.max(0, s.preCount + t.n - s.admitted);
  }

  /** @param {string} [productId] the item the buyer waits for: sold out when it is gone */
  async status(token, customerId, productId) {
    const t = this.require(token, customerId);
    const s = await this.state();
    const place = this.place(t, s);
    let stateName = 'waiting';
    if (s.soldOut || (productId && s.soldOutProducts?.includes(productId))) stateName = 'sold_out';
    else if (place === 0) stateName = 'admitted';
    else if (place === null && s.secondsUntilDrop > 0) stateName = 'pre_queue';
    return {
      state: stateName, position: place, secondsUntilDrop: s.secondsUntilDrop,
      estimatedWaitSeconds: place ? Math.ceil(place / Math.max(1, s.inletPerSec)) : 0, paused: s.paused, soldOut: s.soldOut,
    };
  }

  async isAdmitted(token, customerId) {
    const t = this.parse(token, customerId);
    if (!t) return false;
    return this.place(t, await this.state()) === 0;
  }

  /** One inlet step: call once a second in every task; one task per second raises the counter by
   *  the inlet rate, at most up to the buyers who joined. @returns whether it raised it */
  async tick() {
    const now = this.shop.clock.now();
    const drop = await this._drop(now);
    if (!drop || now < drop.startsAt) return false;
    const degraded = this.degraded();
    if (degraded !== this.paused) {
      this.paused = degraded;
      this.logger?.warn({ dropId: drop.id }, degraded ? 'waiting room inlet paused: service degraded' : 'waiting room inlet resumed');
    }
    if (degraded) return false;
    const sec = Math.floor(now / 1000);
    if ((await this.cache.add(`wr:${drop.id}:tick:${sec}`, '1', 5)) !== true) return false;
    // Admit only buyers who are there: a second nobody waited banks nothing (else an idle hour at
    // 200/s would let the next 720,000 arrivals straight through, the inlet never holding a burst).
    const [admitted, pre, seq] = await Promise.all(['admitted', 'pre', 'seq'].map((k) => this.cache.getStrict(`wr:${drop.id}:${k}`)));
    if (admitted === undefined || pre === undefined || seq === undefined) return false; // memcached did not answer
    const step = Math.min(this.inletPerSec, Number(pre ?? 0) + Number(seq ?? 0) - Number(admitted ?? 0));
    if (step <= 0) return false;
    for (let i = 0; i < step; i += 1000) {
      // memcached increments by 1 in this client: batch the step (one call per 1,000 admissions)
      await this.cache.incrBy(`wr:${drop.id}:admitted`, Math.min(1000, step - i), 3 * 86400);
    }
    this.local.delete(drop.id);
    return true;
  }

  close() {
    this._lag?.disable();
  }
}

