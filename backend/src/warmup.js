// Warm-up before the first customer. A task joins the load balancer at a scale-out, a rollout or
// at midnight itself, and without this its first second would run cold: V8 interprets a function
// until it has run often enough to be optimized, the pool opens its database connections one at
// a time while requests wait, and the first reads of the drop fill the cache under the rush.
// Measured with the rush benchmark (bench/run.js, window 0 is the first 10 s): see the README.
//
// The requests go through the whole Fastify pipeline in-process (inject: no socket, nothing
// reaches the load balancer) and change nothing: a session is signed, never stored (a session
// row is written with a customer's first order only); the drop and its products are read; an
// order asks for more than the per-customer limit and is refused before any statement. They come
// from addresses of TEST-NET-1 (RFC 5737, never a real client), spread so the per-client limits
// count each one far below its limit. Their access-log lines are not written (the level is
// raised to warn meanwhile); a server error ends the warm-up (the database is not reachable yet:
// the task starts anyway, and /readyz says so), and so does its time budget: on a starved CPU
// (or a cache that times out every call) the rounds stop at `maxMs` and the task listens, so a
// warm-up never holds a task past its container health check's start period.
import { performance } from 'node:perf_hooks';
import { MAX_ORDER_QUANTITY } from './api-schema.js';

const WARM_UP_NET = '192.0.2.'; // RFC 5737 documentation range

/**
 * Run `rounds` rounds of the customer's requests (session, drop, product, refused order) through
 * `app`, after opening every connection of `pool`, for at most `maxMs` in all. Returns what was
 * run, for the start-up log.
 * @param {{app: import('fastify').FastifyInstance, pool: any, rounds: number, maxMs?: number}} o
 */
export async function warmUp({ app, pool, rounds, maxMs = 5000 }) {
  const started = performance.now();
  const deadline = started + maxMs;
  const result = { rounds, requests: 0, connections: 0, stoppedBy: null, ms: 0 };
  if (rounds <= 0) return result;
  result.connections = await openAll(pool, deadline);
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    await run(app, rounds, result, deadline, maxMs);
  } finally {
    app.log.level = level;
  }
  result.ms = Math.round(performance.now() - started);
  return result;
}

class Stop extends Error {}

async function run(app, rounds, result, deadline, maxMs) {
  const inject = async ({ route, ...opts }) => {
    const r = await app.inject({ remoteAddress: `${WARM_UP_NET}${(result.requests % 250) + 1}`, ...opts });
    result.requests++;
    if (r.statusCode >= 500) {
      result.stoppedBy = `${opts.method} ${route ?? opts.url} answered ${r.statusCode}`;
      throw new Stop();
    }
    return r;
  };
  try {
    for (let i = 0; i < rounds; i++) {
      if (performance.now() >= deadline) {
        result.stoppedBy = `time budget of ${maxMs} ms spent after ${i} rounds`;
        return;
      }
      const session = await inject({ method: 'POST', url: '/api/session' });
      const sid = session.statusCode === 201 ? session.json().sessionId : null;
      const drop = await inject({ method: 'GET', url: '/api/drops/current' });
      const products = drop.statusCode === 200 ? drop.json().drop?.products ?? [] : [];
      const p = products[i % Math.max(products.length, 1)];
      if (!p) continue;
      await inject({ method: 'GET', url: `/api/products/${encodeURIComponent(p.id)}`, route: '/api/products/:id' });
      if (sid && p.limitPerCustomer < MAX_ORDER_QUANTITY) {
        await inject({
          method: 'POST', url: '/api/orders',
          headers: { 'x-session-id': sid, 'idempotency-key': `warm-up-${process.pid}-${i}` },
          payload: { productId: p.id, quantity: p.limitPerCustomer + 1 },
        });
      }
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
}

// Every connection of the pool opened at once and put back (a pool that cannot connect yet
// opens them on demand later, as without a warm-up). Those still opening at the deadline are
// put back when they open, and not counted.
async function openAll(pool, deadline) {
  const limit = pool.pool?.config?.connectionLimit ?? 0;
  let opened = 0;
  let late = false;
  const pending = Array.from({ length: limit }, () => pool.getConnection().then((c) => {
    c.release();
    if (!late) opened++;
  }, () => {}));
  let timer;
  const budget = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(deadline - performance.now(), 0)); });
  await Promise.race([Promise.all(pending), budget]);
  clearTimeout(timer);
  late = true;
  return opened;
}
