// The open-loop rush generator (undici): customers arrive on a schedule whatever the server's
// speed (a closed-loop tool would slow down with the server and hide the queueing), and each
// walks the customer flow. Used by bench/run.js against the backend and, for the generator's own
// ceiling, against the bare node:http server.
import crypto from 'node:crypto';
import { request } from 'undici';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** p50/p95/p99/max of latency samples in ms (rounded to 0.1 ms). */
export function summarize(samples) {
  const s = Float64Array.from(samples).sort();
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  return { count: s.length, p50: r(pct(s, 50)), p95: r(pct(s, 95)), p99: r(pct(s, 99)), max: r(s.length ? s[s.length - 1] : null) };
}

/**
 * Arrival times in ms: uniform, or a midnight spike (rate decaying as e^(-t/(seconds/3)):
 * about 40 % of the customers in the first sixth of the time).
 */
export function arrivalTimes(customers, seconds, profile) {
  const out = new Float64Array(customers);
  const tau = seconds / 3;
  for (let i = 0; i < customers; i++) {
    const u = (i + 0.5) / customers;
    out[i] = profile === 'uniform' ? u * seconds * 1000 : -tau * Math.log(1 - u * (1 - Math.exp(-seconds / tau))) * 1000;
  }
  return out;
}

/**
 * Run the rush. Returns latency summaries per request kind, statuses, errors, 10-s windows and a
 * per-second series: customers scheduled and actually started (a generator falling behind its
 * schedule shows here), requests and their p50/p99 latency (by request start), orders answered
 * and confirmed (by answer time).
 */
export async function rush({ base, agent, arrivals, products, onTick = null, waitingRoom = false }) {
  const lat = { session: [], drop: [], product: [], order: [], all: [], customer: [], queue: [], queue_state: [] };
  const status = {};
  const windows = [];
  const seconds = [];
  const errors = { network: 0, unexpected: 0, samples: [] };
  let sold = 0;
  let soldOut = 0;
  const t0 = performance.now();
  const sec = (t) => (seconds[Math.floor((t - t0) / 1000)] ??= { arrivals: 0, requests: 0, lat: [], ordersAnswered: 0, ordersConfirmed: 0, admitted: 0 });
  // Waiting room: the generator plays CloudFront's micro-cache of GET /api/queue/state (one
  // fetch a second, shared by every waiting buyer) and each buyer computes its place from its
  // token, as the browser does. Buyers are "told" each second: their place, or sold out.
  const wr = { waiters: new Set(), state: null, polling: false, retries: 0, toldSoldOut: 0, admitted: 0, waitMs: [], soldOutAt: null, soldOutNoticeMs: [] };
  async function pollState() {
    if (wr.polling) return;
    wr.polling = true;
    while (wr.waiters.size) {
      const st = await call('queue_state', 'GET', '/api/queue/state', { expect: [200] });
      if (st.code === 200) {
        wr.state = st.json;
        if (st.json.soldOut && wr.soldOutAt === null) wr.soldOutAt = performance.now();
        for (const w of [...wr.waiters]) {
          if (st.json.soldOut || st.json.soldOutProducts?.includes(w.pid)) {
            wr.waiters.delete(w);
            w.resolve('sold_out');
          } else if (st.json.preCount + w.n <= st.json.admitted) {
            wr.waiters.delete(w);
            w.resolve('admitted');
          }
        }
      }
      await sleep(1000);
    }
    wr.polling = false;
  }
  const waitTurn = (n, pid) => new Promise((resolve) => {
    wr.waiters.add({ n, pid, resolve });
    pollState();
  });
  const win = (t) => (windows[Math.floor((t - t0) / 10000)] ??= { requests: 0, errors: 0, lat: [] });

  async function call(name, method, urlPath, { headers = {}, body, expect }) {
    const start = performance.now();
    let code;
    let json;
    try {
      const res = await request(base + urlPath, { method, headers, body, dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      code = res.statusCode;
      const text = await res.body.text();
      try { json = JSON.parse(text); } catch { json = null; }
    } catch (err) {
      code = 'network';
      if (errors.samples.length < 5) errors.samples.push(`${name}: ${err.code || err.message}`);
    }
    const ms = performance.now() - start;
    lat[name].push(ms);
    lat.all.push(ms);
    const w = win(start);
    w.requests++;
    w.lat.push(ms);
    const s = sec(start);
    s.requests++;
    s.lat.push(ms);
    status[`${name} ${code}`] = (status[`${name} ${code}`] ?? 0) + 1;
    if (code === 'network') {
      errors.network++;
      w.errors++;
    } else if (!expect.includes(code)) {
      errors.unexpected++;
      w.errors++;
      if (errors.samples.length < 10) errors.samples.push(`${name} ${code} ${JSON.stringify(json)?.slice(0, 160)}`);
    }
    return { code, json };
  }

  async function customer(i) {
    const start = performance.now();
    sec(start).arrivals++;
    const s = await call('session', 'POST', '/api/session', { expect: [201] });
    if (s.code !== 201) return;
    const sid = s.json.sessionId;
    const d = await call('drop', 'GET', '/api/drops/current', { headers: { 'x-session-id': sid }, expect: [200] });
    const pid = products[i % products.length];
    let queueHeader = {};
    if (waitingRoom) {
      // as a browser does: a 503 (memcached busy) is retried after its Retry-After
      let q;
      for (let attempt = 1; attempt <= 5; attempt++) {
        q = await call('queue', 'POST', '/api/queue', { headers: { 'x-session-id': sid }, expect: attempt < 5 ? [201, 503] : [201] });
        if (q.code !== 503) break;
        wr.retries++;
        await sleep(2000);
      }
      if (q.code !== 201) return;
      const joined = performance.now();
      let outcome = q.json.state === 'sold_out' ? 'sold_out' : (q.json.state === 'admitted' ? 'admitted' : null);
      if (!outcome) outcome = await waitTurn(Number(q.json.queueToken.split('.')[3]), pid);
      if (outcome === 'sold_out') {
        wr.toldSoldOut++;
        if (wr.soldOutAt !== null) wr.soldOutNoticeMs.push(Math.max(0, performance.now() - Math.max(wr.soldOutAt, joined)));
        lat.customer.push(performance.now() - start);
        return;
      }
      wr.admitted++;
      wr.waitMs.push(performance.now() - joined);
      sec(performance.now()).admitted++;
      queueHeader = { 'x-queue-token': q.json.queueToken };
    }
    await call('product', 'GET', `/api/products/${pid}`, { headers: { 'x-session-id': sid }, expect: [200] });
    if (d.code !== 200) return;
    const o = await call('order', 'POST', '/api/orders', {
      headers: { 'x-session-id': sid, 'idempotency-key': `bench-${i}-${crypto.randomBytes(6).toString('hex')}`, 'content-type': 'application/json', ...queueHeader },
      body: JSON.stringify({ productId: pid, quantity: 1 }),
      expect: [201, 409],
    });
    const done = sec(performance.now());
    done.ordersAnswered++;
    if (o.code === 201) {
      sold++;
      done.ordersConfirmed++;
    }
    if (o.code === 409) soldOut++;
    lat.customer.push(performance.now() - start);
  }

  const inflight = new Set();
  let next = 0;
  while (next < arrivals.length) {
    const now = performance.now() - t0;
    onTick?.(now);
    while (next < arrivals.length && arrivals[next] <= now) {
      const p = customer(next).finally(() => inflight.delete(p));
      inflight.add(p);
      next++;
    }
    await sleep(2);
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  const total = lat.all.length;
  const perSecond = [];
  const scheduled = [];
  for (const a of arrivals) scheduled[Math.floor(a / 1000)] = (scheduled[Math.floor(a / 1000)] ?? 0) + 1;
  for (let i = 0; i < Math.max(seconds.length, scheduled.length); i++) {
    const s = seconds[i] ?? { arrivals: 0, requests: 0, lat: [], ordersAnswered: 0, ordersConfirmed: 0, admitted: 0 };
    const L = summarize(s.lat);
    perSecond.push({ t: i, scheduled: scheduled[i] ?? 0, arrivals: s.arrivals, requests: s.requests, p50: L.p50, p99: L.p99, ordersAnswered: s.ordersAnswered, ordersConfirmed: s.ordersConfirmed, ...(waitingRoom ? { admitted: s.admitted } : {}) });
  }
  return {
    customers: arrivals.length,
    elapsedSeconds: Math.round(elapsed * 10) / 10,
    requests: total,
    throughputRps: Math.round(total / elapsed),
    // customers scheduled in the busiest second x 4 requests each
    peakOfferedRps: Math.max(...perSecond.map((s) => s.scheduled)) * 4,
    latencyMs: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, summarize(v)])),
    statuses: status,
    errors: { network: errors.network, unexpected: errors.unexpected, samples: errors.samples },
    ordersConfirmed: sold,
    ...(waitingRoom ? {
      waitingRoom: {
        admitted: wr.admitted, joinRetriedAfter503: wr.retries, toldSoldOut: wr.toldSoldOut, leftWaiting: wr.waiters.size,
        waitMs: summarize(wr.waitMs), soldOutNoticeMs: summarize(wr.soldOutNoticeMs),
        // the admitted buyers' own requests (product read and order), the waiting room's promise
        admittedRequestsMs: summarize([...lat.product, ...lat.order]),
      },
    } : {}),
    ordersSoldOut: soldOut,
    windows: windows.map((w, i) => ({ from: i * 10, requests: w.requests, errors: w.errors, rps: Math.round(w.requests / 10), ...summarize(w.lat) })),
    perSecond,
  };
}
