// Per-client rate limits on session and order creation, counted in memcached so every task sees
// the same count (fixed 10-s windows, one atomic increment per request).
//
// The client is the address CloudFront saw (the CloudFront-Viewer-Address header, "ip:port",
// which CloudFront sets itself; the internal ALB is reached only through the CloudFront VPC origin),
// never a client-supplied X-Forwarded-For. IPv6 addresses count per /64 (one subscriber's
// prefix). Without the header (local shop, tests) the socket's peer address is the client.
//
// memcached down: the limit fails open (requests are served) with one warning per outage, so a
// cache failure never locks buyers out; the WAF's rate rules at the edge still apply.
import net from 'node:net';

const WINDOW_SEC = 10;

function expandV6(ip) {
  const [head, tail = null] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === null ? [] : (tail ? tail.split(':') : []);
  if (t.length && t[t.length - 1].includes('.')) t.splice(-1, 1, '0', '0'); // v4-mapped tail
  const fill = tail === null ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => x.toLowerCase().padStart(4, '0'));
}

/** The rate-limit key of an address: the IPv4 address, or the /64 of an IPv6 address. */
function clientKey(ip) {
  const v = net.isIP(ip);
  if (v === 4) return ip;
  if (v === 6) {
    if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip.slice(7);
    return `${expandV6(ip).slice(0, 4).join(':')}::/64`;
  }
  return null;
}

/** The client address of a request: CloudFront's viewer address when trusted, else the peer. */
export function clientAddress(req, header) {
  if (header) {
    const v = req.headers[header];
    if (typeof v === 'string' && v.length < 80) {
      const i = v.lastIndexOf(':');
      const ip = i > 0 ? v.slice(0, i).replace(/^\[|\]$/g, '') : v;
      const k = clientKey(ip);
      if (k) return k;
    }
  }
  return clientKey(req.socket?.remoteAddress ?? '') ?? 'unknown';
}

export class RateLimiter {
  /**
   * @param {{cache: any, logger?: any, limits: Record<string, number>, now?: () => number}} o
   *   limits: requests per WINDOW_SEC per client, by kind; 0 disables that kind
   */
  constructor({ cache, logger, limits, now = Date.now }) {
    this.cache = cache;
    this.logger = logger;
    this.limits = limits;
    this.now = now;
    this.over = new Map(); // `${kind}:${client}:${window}` -> true: known over, no memcached call
    this.warned = false;
  }

  /**
   * Count one request. @returns {Promise<{ok: boolean, retryAfterSec: number, failedOpen?: boolean}>}
   */
  async hit(kind, client) {
    const limit = this.limits[kind] ?? 0;
    if (!limit) return { ok: true, retryAfterSec: 0 };
    const nowSec = this.now() / 1000;
    const win = Math.floor(nowSec / WINDOW_SEC);
    const retryAfterSec = Math.max(1, Math.ceil((win + 1) * WINDOW_SEC - nowSec));
    const key = `${kind}:${client}:${win}`;
    if (this.over.has(key)) return { ok: false, retryAfterSec };
    const n = await this.cache.incr(`rl:${key}`, WINDOW_SEC * 2);
    if (n === null) {
      if (!this.warned) {
        this.warned = true;
        this.logger?.warn({ kind }, 'rate limits not enforced: memcached unavailable (failing open)');
      }
      return { ok: true, retryAfterSec: 0, failedOpen: true };
    }
    if (this.warned) {
      this.warned = false;
      this.logger?.info('rate limits enforced again: memcached is back');
    }
    if (n > limit) {
      if (this.over.size > 10_000) this.over.clear();
      for (const k of this.over.keys()) if (!k.endsWith(`:${win}`)) this.over.delete(k);
      this.over.set(key, true);
      return { ok: false, retryAfterSec };
    }
    return { ok: true, retryAfterSec: 0 };
  }
}
