// memcached wrapper: never throws, never blocks a request for long.
//
// - Every operation has a short timeout (memjs `timeout`), no retries.
// - A circuit breaker: after a failure the cache is treated as down for `breakerMs`; operations
//   return "miss" immediately instead of waiting on a dead server. After that one request probes
//   it again (half-open); success closes the breaker.
// - getOrLoad(): cache-aside with stampede protection:
//     * per-process single flight (one loader call per key at a time in this process),
//     * a memcached `add` lock so that across all tasks one caller refreshes an expired entry,
//     * stale-while-revalidate: entries carry their own freshness deadline and are kept in
//       memcached a little longer, so while one caller refreshes, others get the stale value,
//     * when the cache is down, loads go straight to the database (still single-flighted).
import memjs from 'memjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Cache {
  /**
   * @param {{servers: string[], prefix?: string, logger?: any, breakerMs?: number, timeoutSec?: number}} o
   */
  constructor({ servers, prefix = '', logger, breakerMs = 2000, timeoutSec = 0.25 }) {
    this.prefix = prefix;
    this.logger = logger;
    this.breakerMs = breakerMs;
    this.opTimeoutMs = Math.round(timeoutSec * 1000) + 50;
    this.downUntil = 0;
    this.wasDown = false;
    this.inflight = new Map();
    this.local = new Map();
    this.stats = { hits: 0, misses: 0, errors: 0, skipped: 0, loads: 0, staleServed: 0 };
    this.client = servers.length
      ? memjs.Client.create(servers.join(','), {
        retries: 1,
        retry_delay: 0,
        failover: false,
        timeout: timeoutSec,
        conntimeout: timeoutSec * 2,
        keepAlive: true,
        keepAliveDelay: 15,
        expires: 0,
        logger: { log: (msg) => logger?.debug({ msg: String(msg) }, 'memjs') },
      })
      : null;
  }

  key(k) {
    return `${this.prefix}${k}`;
  }

  isUp() {
    return this.client !== null && Date.now() >= this.downUntil;
  }

  /** Whether the breaker is currently open (cache considered down). */
  get down() {
    return !this.isUp();
  }

  _fail(op, err) {
    this.stats.errors++;
    this.downUntil = Date.now() + this.breakerMs;
    if (!this.wasDown) {
      this.wasDown = true;
      this.logger?.warn({ op, err }, 'memcached unavailable: serving from the database');
    }
  }

  _ok() {
    if (this.wasDown) {
      this.wasDown = false;
      this.logger?.info('memcached is back');
    }
  }

  async _op(op, fn, fallback) {
    if (!this.isUp()) {
      this.stats.skipped++;
      return fallback;
    }
    try {
      const r = await this._withTimeout(fn());
      this._ok();
      return r;
    } catch (err) {
      this._fail(op, err);
      return fallback;
    }
  }

  /**
   * memjs' own timeout is a socket *idle* timeout: with steady traffic to a black-holed server it
   * never fires. So every operation gets a hard deadline here; on expiry the client's sockets are
   * destroyed (memjs fails their pending callbacks and reconnects on the next use).
   */
  _withTimeout(promise) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        this._resetSockets();
        reject(new Error(`memcached operation timed out after ${this.opTimeoutMs} ms`));
      }, this.opTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  _resetSockets() {
    for (const server of this.client?.servers ?? []) {
      const sock = server._socket;
      if (sock) {
        try {
          sock.destroy(new Error('memcached operation timed out'));
        } catch { /* ignore */ }
      }
    }
  }

  /** @returns {Promise<string|null>} */
  get(k) {
    return this._op('get', async () => {
      const { value } = await this.client.get(this.key(k));
      return value ? value.toString('utf8') : null;
    }, null);
  }

  /** Like get(), but undefined (not null) when memcached did not answer: "absent" is then certain. */
  getStrict(k) {
    return this._op('get', async () => {
      const { value } = await this.client.get(this.key(k));
      return value ? value.toString('utf8') : null;
    }, undefined);
  }

  /** Atomic counter: +1, created at 1 with the TTL. @returns {Promise<number|null>} null when down */
  incr(k, ttlSec) {
    return this.incrBy(k, 1, ttlSec);
  }

  /** Atomic counter: +n, created at n. @returns {Promise<number|null>} null when down */
  incrBy(k, n, ttlSec) {
    return this._op('incr', async () => {
      const r = await this.client.increment(this.key(k), n, { initial: n, expires: ttlSec });
      return r.success ? Number(r.value) : null;
    }, null);
  }

  /** @returns {Promise<boolean>} whether the value was stored */
  set(k, value, ttlSec) {
    return this._op('set', () => this.client.set(this.key(k), value, { expires: ttlSec }), false);
  }

  /** @returns {Promise<boolean|null>} true stored, false key exists, null cache down */
  add(k, value, ttlSec) {
    return this._op('add', () => this.client.add(this.key(k), value, { expires: ttlSec }), null);
  }

  del(k) {
    this.local.delete(k);
    return this._op('delete', () => this.client.delete(this.key(k)), false);
  }

  /** Health probe that bypasses the breaker (used by /readyz). */
  async ping() {
    if (!this.client) return false;
    try {
      await this._withTimeout(this.client.get(this.key('__ping')));
      this.downUntil = 0;
      this._ok();
      return true;
    } catch (err) {
      this._fail('ping', err);
      return false;
    }
  }

  _single(k, fn) {
    let p = this.inflight.get(k);
    if (!p) {
      p = (async () => {
        try {
          return await fn();
        } finally {
          this.inflight.delete(k);
        }
      })();
      this.inflight.set(k, p);
    }
    return p;
  }

  async _load(k, loader, freshMs, staleSec, stale = null) {
    this.stats.loads++;
    let v;
    try {
      v = await loader();
    } catch (err) {
      // stale-if-error: during a database failover keep serving the last known value.
      if (stale) {
        this.stats.staleServed++;
        this.logger?.warn({ key: k, err }, 'load failed; serving stale cached value');
        return stale.v;
      }
      throw err;
    }
    const entry = JSON.stringify({ v, f: Date.now() + freshMs });
    await this.set(k, entry, Math.ceil(freshMs / 1000) + staleSec);
    return v;
  }

  /**
   * Cache-aside read with stampede protection.
   * @param {string} k cache key (prefix added)
   * @param {() => Promise<any>} loader loads the value from the database (JSON-serialisable)
   * @param {{freshMs: number, staleSec?: number, lockSec?: number, localMs?: number}} o
   */
  async getOrLoad(k, loader, { freshMs, staleSec = 30, lockSec = 5, localMs = 0 }) {
    if (localMs > 0) {
      // Tiny in-process layer in front of memcached for the hottest documents: within localMs
      // every request of this process shares one memcached read (and one JSON parse).
      const hit = this.local.get(k);
      if (hit && hit.until > Date.now()) return hit.value;
      const value = await this._single(`local:${k}`, () => this._getOrLoad(k, loader, { freshMs, staleSec, lockSec }));
      if (this.local.size > 1000) this.local.clear();
      this.local.set(k, { value, until: Date.now() + localMs });
      return value;
    }
    return this._getOrLoad(k, loader, { freshMs, staleSec, lockSec });
  }

  async _getOrLoad(k, loader, { freshMs, staleSec, lockSec }) {
    const raw = await this.get(k);
    let entry = null;
    if (raw) {
      try {
        entry = JSON.parse(raw);
      } catch {
        entry = null;
      }
    }
    if (entry && entry.f > Date.now()) {
      this.stats.hits++;
      return entry.v;
    }
    this.stats.misses++;
    return this._single(k, async () => {
      if (!this.isUp()) return this._load(k, loader, freshMs, staleSec, entry);
      const locked = await this.add(`lock:${k}`, '1', lockSec);
      if (locked !== false) {
        // We own the refresh (or the cache just failed: load from the database).
        try {
          return await this._load(k, loader, freshMs, staleSec, entry);
        } finally {
          if (locked) await this.del(`lock:${k}`);
        }
      }
      if (entry) {
        this.stats.staleServed++;
        return entry.v;
      }
      // Cold miss while another task loads it: wait (up to ~1 s) for its result, then give up
      // and load it ourselves (the database is the fallback, never a hang).
      for (let i = 1; i <= 12; i++) {
        await sleep(Math.min(10 * i, 120));
        const again = await this.get(k);
        if (again) {
          try {
            return JSON.parse(again).v;
          } catch { /* fall through */ }
        }
      }
      return this._load(k, loader, freshMs, staleSec);
    });
  }

  close() {
    try {
      this.client?.close();
    } catch { /* ignore */ }
  }
}
