#!/usr/bin/env node
// A small stand-in for the eventmall backend, following the same API contract (see README.md), so the
// frontend can be developed and tested end to end before/without the real backend. No dependencies.
// It also serves the built site (dist/) with the production caching rule.
//
//   node e2e/stand-in-server.mjs [--port 8080] [--static dist]
//
// Env: STAND_IN_ORDER_DELAY_MS adds latency to POST /api/orders (to make double taps observable).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { productArtSvg } from './product-art.mjs';

const KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const EVENT = { id: 'evt-midnight-market', name: 'Midnight Market', timeZone: 'Europe/Berlin' };

const CATALOG = [
  { id: 'p-lantern', name: 'Paper Moon Lantern', description: 'Hand-folded rice-paper lantern that glows like a harvest moon. Flat-packed, bulb included.', priceCents: 3900, stockTotal: 40, limitPerCustomer: 2 },
  { id: 'p-sneaker', name: 'Midnight Runner Sneakers', description: 'Reflective knit runners in a one-night-only colourway. Numbered insole.', priceCents: 12900, stockTotal: 25, limitPerCustomer: 1 },
  { id: 'p-mug', name: 'Enamel Camp Mug', description: 'Speckled enamel mug, hand-dipped. Only a handful were made for tonight.', priceCents: 1800, stockTotal: 3, limitPerCustomer: 5 },
  { id: 'p-vinyl', name: 'Limited Vinyl Pressing', description: 'Glow-in-the-dark 12" pressing of the midnight set. Gone within minutes.', priceCents: 4500, stockTotal: 0, limitPerCustomer: 1 },
  { id: 'p-tote', name: 'Canvas Night Tote', description: 'Heavy organic canvas, screen-printed star map of tonight’s sky.', priceCents: 2400, stockTotal: 120, limitPerCustomer: 3 },
  { id: 'p-candle', name: 'Smoke & Cedar Candle', description: 'Soy candle poured in small batches; 50 hours of cedar, smoke and vetiver.', priceCents: 3200, stockTotal: 8, limitPerCustomer: 2 },
];

function zoneOffsetMs(utcMs, timeZone) {
  const dtf = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = {};
  for (const x of dtf.formatToParts(new Date(utcMs))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - (utcMs - (utcMs % 1000));
}

function dayBounds(nowMs, timeZone) {
  const local = new Date(nowMs + zoneOffsetMs(nowMs, timeZone));
  const y = local.getUTCFullYear(), m = local.getUTCMonth(), d = local.getUTCDate();
  const toInstant = (wall) => {
    let g = wall - zoneOffsetMs(wall, timeZone);
    return wall - zoneOffsetMs(g, timeZone);
  };
  const date = `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return { date, start: toInstant(Date.UTC(y, m, d)), end: toInstant(Date.UTC(y, m, d + 1)) };
}

export function createStandIn({ staticDir = null, now = () => Date.now(), orderDelayMs = Number(process.env.STAND_IN_ORDER_DELAY_MS || 0) } = {}) {
  let state;
  const reset = () => {
    state = {
      stock: new Map(CATALOG.map((p) => [p.id, p.stockTotal])),
      sessions: new Map(), // id -> { expiresAt }
      bought: new Map(), // `${session}|${product}` -> qty
      keys: new Map(), // `${session}|${key}` -> { productId, quantity, order }
      orders: new Map(), // id -> { session, order }
      ordersCreated: 0,
    };
  };
  reset();

  const currentDrop = () => {
    const b = dayBounds(now(), EVENT.timeZone);
    return { id: `drop-${b.date}`, date: b.date, startsAt: new Date(b.start).toISOString(), endsAt: new Date(b.end).toISOString(), end: b.end };
  };
  const product = (p, dropId) => {
    const remaining = state.stock.get(p.id);
    return { id: p.id, dropId, name: p.name, description: p.description, priceCents: p.priceCents, currency: 'EUR', imageUrl: `/images/${p.id}.svg`, stockTotal: p.stockTotal, stockRemaining: remaining, soldOut: remaining <= 0, limitPerCustomer: p.limitPerCustomer };
  };

  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res, status, code, message, field) => send(res, status, { error: { code, message, ...(field ? { field } : {}) } });

  const sessionOf = (req) => {
    const fromHeader = req.headers['x-session-id'];
    const cookie = /(?:^|;\s*)em_session=([^;]+)/.exec(req.headers.cookie || '')?.[1];
    for (const id of [fromHeader, cookie]) {
      const s = id && state.sessions.get(id);
      if (s && s.expiresAt > now()) return id;
    }
    return null;
  };

  const readJson = (req) =>
    new Promise((resolveBody) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
        if (data.length > 65536) req.destroy();
      });
      req.on('end', () => {
        try {
          resolveBody({ ok: true, value: data ? JSON.parse(data) : {} });
        } catch {
          resolveBody({ ok: false });
        }
      });
    });

  async function api(req, res, path) {
    if (req.method === 'POST' && path === '/api/session') {
      const id = randomUUID();
      const expiresAt = now() + 24 * 3600 * 1000;
      state.sessions.set(id, { expiresAt });
      return send(res, 201, { sessionId: id, expiresAt: new Date(expiresAt).toISOString() }, { 'Set-Cookie': `em_session=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400` });
    }
    if (req.method === 'GET' && path === '/api/drops/current') {
      const d = currentDrop();
      const t = now();
      return send(res, 200, {
        serverTime: new Date(t).toISOString(),
        event: EVENT,
        drop: { id: d.id, date: d.date, startsAt: d.startsAt, endsAt: d.endsAt, products: CATALOG.map((p) => product(p, d.id)) },
        nextDropAt: new Date(d.end).toISOString(),
        secondsUntilNextDrop: Math.max(0, Math.round((d.end - t) / 1000)),
      });
    }
    let m = /^\/api\/products\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const p = CATALOG.find((x) => x.id === decodeURIComponent(m[1]));
      if (!p) return fail(res, 404, 'not_found', 'No such product.', 'id');
      return send(res, 200, product(p, currentDrop().id));
    }
    if (req.method === 'POST' && path === '/api/orders') {
      const session = sessionOf(req);
      if (!session) return fail(res, 401, 'session_required', 'Start a session first (POST /api/session).');
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || !KEY_RE.test(key)) return fail(res, 422, 'validation', 'Idempotency-Key must be 8–128 characters of A-Z, a-z, 0-9, _ or -.', 'Idempotency-Key');
      const body = await readJson(req);
      if (!body.ok || typeof body.value !== 'object' || body.value === null) return fail(res, 422, 'validation', 'Body must be a JSON object.', 'body');
      const { productId, quantity } = body.value;
      if (typeof productId !== 'string' || !productId) return fail(res, 422, 'validation', 'productId is required.', 'productId');
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) return fail(res, 422, 'validation', 'quantity must be an integer from 1 to 100.', 'quantity');
      if (orderDelayMs) await new Promise((r) => setTimeout(r, orderDelayMs));
      const kk = `${session}|${key}`;
      const prev = state.keys.get(kk);
      if (prev) {
        if (prev.productId !== productId || prev.quantity !== quantity) return fail(res, 422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different order.', 'Idempotency-Key');
        return send(res, 200, { order: prev.order });
      }
      const p = CATALOG.find((x) => x.id === productId);
      if (!p) return fail(res, 404, 'not_found', 'No such product.', 'productId');
      const bk = `${session}|${productId}`;
      const already = state.bought.get(bk) || 0;
      if (already + quantity > p.limitPerCustomer) {
        return fail(res, 429, 'limit_exceeded', `You can buy at most ${p.limitPerCustomer} of this product${already ? ` (you already have ${already})` : ''}.`, 'quantity');
      }
      const left = state.stock.get(productId);
      if (left < quantity) return fail(res, 409, 'sold_out', left <= 0 ? 'Sorry, this product is sold out.' : `Only ${left} left: lower the quantity.`, 'productId');
      state.stock.set(productId, left - quantity);
      state.bought.set(bk, already + quantity);
      const order = { id: `ord-${randomUUID().slice(0, 8)}`, productId, quantity, totalCents: p.priceCents * quantity, currency: 'EUR', status: 'confirmed', createdAt: new Date(now()).toISOString() };
      state.keys.set(kk, { productId, quantity, order });
      state.orders.set(order.id, { session, order });
      state.ordersCreated++;
      return send(res, 201, { order });
    }
    m = /^\/api\/orders\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const session = sessionOf(req);
      if (!session) return fail(res, 401, 'session_required', 'Start a session first (POST /api/session).');
      const o = state.orders.get(decodeURIComponent(m[1]));
      if (!o || o.session !== session) return fail(res, 404, 'not_found', 'No such order.', 'id');
      return send(res, 200, { order: o.order });
    }
    return fail(res, 404, 'not_found', 'No such endpoint.');
  }

  async function serveStatic(req, res, path) {
    const img = /^\/images\/([a-z0-9-]+)\.svg$/.exec(path);
    if (img) {
      const p = CATALOG.find((x) => x.id === img[1]);
      if (p) {
        res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=300' });
        return res.end(productArtSvg(p.id, p.name));
      }
    }
    if (!staticDir) return fail(res, 404, 'not_found', 'No static directory configured.');
    const root = resolve(staticDir);
    let file = normalize(join(root, decodeURIComponent(path)));
    if (file !== root && !file.startsWith(root + sep)) return fail(res, 400, 'bad_path', 'Bad path.');
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info) {
      if (path.startsWith('/assets/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end('not found');
      }
      file = join(root, 'index.html'); // SPA fallback
    }
    const rel = file.slice(root.length + 1).split(sep).join('/');
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] || 'application/octet-stream',
      // The production rule (README "Caching rule"), as the S3 sync sets it.
      'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/healthz') return send(res, 200, { status: 'ok' });
      if (path === '/readyz') return send(res, 200, { status: 'ready' });
      if (path === '/__stand-in/reset' && req.method === 'POST') {
        reset();
        return send(res, 200, { ok: true });
      }
      if (path === '/__stand-in/stats') return send(res, 200, { ordersCreated: state.ordersCreated });
      if (path.startsWith('/api/')) return await api(req, res, path);
      return await serveStatic(req, res, path);
    } catch (err) {
      if (!res.headersSent) fail(res, 500, 'internal', 'Stand-in server error.');
      console.error(err);
    }
  });

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((ok) => server.listen(port, host, () => ok(`http://${host}:${server.address().port}`)));
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const here = fileURLToPath(new URL('.', import.meta.url));
  const s = createStandIn({ staticDir: arg('static', join(here, '..', 'dist')) });
  const url = await s.listen(Number(arg('port', process.env.PORT || 8080)));
  console.log(`stand-in backend listening on ${url}`);
  const stop = () => s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
