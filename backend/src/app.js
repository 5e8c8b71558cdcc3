// The HTTP application (Fastify). buildApp() wires routes to injected dependencies so tests can
// run it against real servers with a controllable clock.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController } from 'fastify';
import fastifyStatic from '@fastify/static';
import { HttpError, errorBody, isDbUnavailable } from './lib/errors.js';
import { serializeError } from './lib/logsafe.js';
import { ID_RE } from './catalog/validate.js';
import { IDEMPOTENCY_KEY_RE, SESSION_TTL_MS } from './shop.js';
import { clientAddress } from './lib/rate-limit.js';

export const SESSION_COOKIE = 'em_session';
// The rush's reads are the same for every customer: CloudFront keeps them for 1 s in their own
// cache behaviour (terraform/modules/edge) and may serve them 2 s stale while it refreshes, so
// each edge location asks the origin about once a second however many buyers read them.
export const MICRO_CACHE = 'public, max-age=1, stale-while-revalidate=2';
// An unknown / not yet revealed product: the same 1 s at the edge (bots probing ids stop there).
export const MICRO_CACHE_404 = 'public, max-age=1';
const BODY_LIMIT = 16 * 1024;

export function loggerOptions(level) {
  return {
    level,
    base: { service: 'eventmall-backend' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    // Errors are logged by class, never with mysql2's `sql` or values quoted in a message.
    serializers: { err: serializeError, error: serializeError, cause: serializeError },
    redact: {
      paths: ['req.headers.cookie', 'req.headers["x-session-id"]', 'req.headers.authorization',
        'req.headers["idempotency-key"]', 'res.headers["set-cookie"]', 'password', '*.password', 'db.password',
        'sessionId', '*.sessionId', 'sql', '*.sql', 'idempotencyKey'],
      censor: '[redacted]',
    },
  };
}

function readCookie(header, name) {
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function isHttps(req) {
  const p = req.headers['x-forwarded-proto'] ?? req.headers['cloudfront-forwarded-proto'];
  return typeof p === 'string' && p.split(',')[0].trim() === 'https';
}

function fastifyErrorToHttp(err) {
  const status = err.statusCode;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'Send the request body as application/json.', 'Content-Type');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', `The request body is larger than ${BODY_LIMIT} bytes.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (status === 404) return new HttpError(404, 'not_found', 'No such resource.');
  if (status === 405) return new HttpError(405, 'method_not_allowed', 'Method not allowed.');
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return new HttpError(status, 'bad_request', 'The request could not be understood.');
  }
  return null;
}

/** Validate an order request body; errors name the field. */
function parseOrderBody(body) {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object like {"productId": "...", "quantity": 1}.');
  }
  for (const k of Object.keys(body)) {
    if (k !== 'productId' && k !== 'quantity') {
      throw new HttpError(400, 'unknown_field', `Unknown field "${k.slice(0, 40)}".`, k.slice(0, 64));
    }
  }
  const { productId, quantity } = body;
  if (productId === undefined) throw new HttpError(400, 'missing_field', 'productId is required.', 'productId');
  if (typeof productId !== 'string' || !ID_RE.test(productId)) {
    throw new HttpError(400, 'invalid_field', 'productId must be a product id (lowercase letters, digits and "-").', 'productId');
  }
  const qty = quantity === undefined ? 1 : quantity;
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > 100) {
    throw new HttpError(400, 'invalid_field', 'quantity must be a whole number between 1 and 100.', 'quantity');
  }
  return { productId, quantity: qty };
}

/**
 * @param {{shop: import('./shop.js').Shop, cache: any, logger: any|object, staticDir?: string|null, state?: {shuttingDown: boolean}, auth?: import('./lib/dbauth.js').DbAuth|null,
 *   rateLimiter?: import('./lib/rate-limit.js').RateLimiter|null, clientAddressHeader?: string,
 *   waitingRoom?: import('./waiting-room.js').WaitingRoom|null, imageRef?: string|null}} deps
 *   imageRef: the image this task runs (IMAGE_REF), reported by /healthz
 *   waitingRoom: when given, orders need an admitted queue token (X-Queue-Token)
 *   clientAddressHeader: the header naming the viewer's address (CloudFront's), '' for the peer address only
 */
export async function buildApp({ shop, cache, logger, staticDir = null, state = { shuttingDown: false }, auth = null, rateLimiter = null, clientAddressHeader = 'cloudfront-viewer-address', waitingRoom = null, imageRef = null }) {
  const app = Fastify({
    ...(logger && typeof logger.child === 'function' ? { loggerInstance: logger } : { logger: logger ?? false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: true,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Router-level errors (e.g. a broken %-escape in the URL) get the same error shape.
    frameworkErrors: (error, req, reply) => {
      const bad = error.code === 'FST_ERR_BAD_URL';
      reply.code(400).type('application/json; charset=utf-8')
        .send(errorBody(bad ? 'bad_url' : 'bad_request', bad ? 'The URL is not valid (bad percent-encoding).' : 'The request could not be understood.'));
    },
  });

  app.decorateRequest('sessionId', null);

  // One access-log line per request (no headers, no cookies, no session ids).
  app.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    const line = { method: req.method, url: req.url.length > 200 ? `${req.url.slice(0, 200)}...` : req.url, status, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (status >= 500) req.log.error(line, 'request');
    else req.log.info(line, 'request');
  });

  // While draining for shutdown, tell clients not to reuse the connection.
  app.addHook('onSend', async (req, reply) => {
    if (state.shuttingDown) reply.header('Connection', 'close');
  });

  app.setErrorHandler((err, req, reply) => {
    let e = err instanceof HttpError ? err : fastifyErrorToHttp(err);
    if (!e && isDbUnavailable(err)) {
      e = new HttpError(503, 'service_unavailable', 'The shop is temporarily unavailable, please retry in a moment.');
    }
    if (!e) {
      req.log.error({ err }, 'unhandled error');
      e = new HttpError(500, 'internal_error', 'Something went wrong on our side.');
    } else if (e.statusCode >= 500) {
      req.log.warn({ code: e.code, cause: err.cause ?? err }, 'request failed: dependency unavailable');
    }
    if (e.statusCode === 503) reply.header('Retry-After', '2');
    if (e.code === 'service_unavailable') shop.lastUnavailableAt = Date.now();
    if (e.retryAfterSec) reply.header('Retry-After', String(e.retryAfterSec));
    reply.header('Cache-Control', e.code === 'product_not_found' && req.method === 'GET' && req.routeOptions?.url === '/api/products/:id' ? MICRO_CACHE_404 : 'no-store');
    reply.code(e.statusCode).type('application/json; charset=utf-8').send(errorBody(e.code, e.message, e.field));
  });

  const requireSession = async (req) => {
    const header = req.headers['x-session-id'];
    const raw = typeof header === 'string' && header.length ? header : readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = raw ? await shop.resolveSession(raw) : null;
    if (!session) {
      throw new HttpError(401, 'session_required', 'Start a session first (POST /api/session), then send its cookie or X-Session-Id header.');
    }
    req.sessionId = session.id;
    return session;
  };

  // Per-client limits on what costs the shop (session and order creation), before any other work.
  const limit = async (req, kind) => {
    if (!rateLimiter) return;
    const r = await rateLimiter.hit(kind, clientAddress(req, clientAddressHeader));
    if (!r.ok) {
      const e = new HttpError(429, 'rate_limited', `Too many ${kind === 'session' ? 'new sessions' : 'orders'} from your address; retry in ${r.retryAfterSec} s.`);
      e.retryAfterSec = r.retryAfterSec;
      throw e;
    }
  };

  // ----- health -----
  // The load balancer's (and the container's) health check: fails only when the database has
  // refused this task's credentials persistently (the task is replaced and reads the secret
  // anew), never for a passing timeout or failover (/readyz reports those).
  app.get('/healthz', async (req, reply) => {
    if (auth && !(await auth.healthy())) {
      reply.code(503);
      return { status: 'unhealthy', database: 'auth_failed' };
    }
    // The image this task runs (its task definition's IMAGE_REF): a deploy's smoke test checks
    // that it is the one just published.
    return { status: 'ok', image: imageRef };
  });

  app.get('/readyz', async (req, reply) => {
    const [dbOk, cacheOk] = await Promise.all([
      shop.dbPing(1000).then(() => true, () => false),
      cache.ping(),
    ]);
    const body = { status: dbOk && !state.shuttingDown ? 'ready' : 'not_ready', database: dbOk ? 'ok' : 'down', cache: cacheOk ? 'ok' : 'down' };
    if (state.shuttingDown) body.shuttingDown = true;
    reply.code(body.status === 'ready' ? 200 : 503);
    return body;
  });

  // ----- API -----
  app.register(async (api) => {
    api.post('/session', async (req, reply) => {
      await limit(req, 'session');
      const s = shop.createSession();
      const cookie = [`${SESSION_COOKIE}=${s.sessionId}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`];
      if (isHttps(req)) cookie.push('Secure');
      reply.header('Set-Cookie', cookie.join('; ')).header('Cache-Control', 'no-store').code(201);
      return s;
    });

    api.get('/drops/current', async (req, reply) => {
      const body = await shop.currentDrop();
      body.waitingRoom = waitingRoom !== null;
      reply.header('Cache-Control', MICRO_CACHE);
      return body;
    });

    api.get('/products/:id', async (req, reply) => {
      const { id } = req.params;
      if (!ID_RE.test(id)) throw new HttpError(404, 'product_not_found', 'No product with that id.', 'id');
      const body = await shop.product(id);
      reply.header('Cache-Control', MICRO_CACHE);
      return body;
    });

    api.post('/orders', async (req, reply) => {
      await limit(req, 'order');
      const session = await requireSession(req);
      const key = req.headers['idempotency-key'];
      if (key === undefined || key === '') {
        throw new HttpError(400, 'idempotency_key_required', 'Send an Idempotency-Key header (8-128 characters of A-Z a-z 0-9 _ -) with every order.', 'Idempotency-Key');
      }
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY_RE.test(key)) {
        throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ -.', 'Idempotency-Key');
      }
      const { productId, quantity } = parseOrderBody(req.body);
      if (waitingRoom) {
        const qt = req.headers['x-queue-token'];
        if (typeof qt !== 'string' || !waitingRoom.parse(qt, session.id)) {
          throw new HttpError(403, 'queue_required', 'This drop has a waiting room: join it (POST /api/queue) and order with its X-Queue-Token once admitted.', 'X-Queue-Token');
        }
        if (!(await waitingRoom.isAdmitted(qt, session.id))) {
          throw new HttpError(403, 'not_admitted', 'Your turn in the waiting room has not come yet.', 'X-Queue-Token');
        }
      }
      const r = await shop.placeOrder({ session, key, productId, quantity });
      reply.header('Cache-Control', 'no-store');
      if (r.replayed) reply.header('Idempotent-Replayed', 'true').code(200);
      else reply.code(201).header('Location', `/api/orders/${r.order.id}`);
      return { order: r.order };
    });

    // ----- waiting room -----
    api.post('/queue', async (req, reply) => {
      if (!waitingRoom) throw new HttpError(404, 'waiting_room_off', 'This shop has no waiting room; order directly.');
      await limit(req, 'session');
      const session = await requireSession(req);
      const j = await waitingRoom.join(session.id);
      if (!j) throw new HttpError(409, 'queue_closed', 'No drop is queuing now (the queue opens before the drop).');
      if (j.unavailable) throw new HttpError(503, 'service_unavailable', 'The waiting room is temporarily unavailable, please retry in a moment.');
      reply.header('Cache-Control', 'no-store').code(201);
      return { ...j, ...(await waitingRoom.status(j.queueToken, session.id)) };
    });

    // The one document all waiting buyers poll: micro-cached at the edge like the drop.
    api.get('/queue/state', async (req, reply) => {
      if (!waitingRoom) throw new HttpError(404, 'waiting_room_off', 'This shop has no waiting room; order directly.');
      const body = await waitingRoom.state();
      reply.header('Cache-Control', MICRO_CACHE_404); // 1 s, no stale copy: sold out must show within a second
      return body;
    });

    api.get('/queue/status', async (req, reply) => {
      if (!waitingRoom) throw new HttpError(404, 'waiting_room_off', 'This shop has no waiting room; order directly.');
      const session = await requireSession(req);
      const pid = typeof req.query?.productId === 'string' && ID_RE.test(req.query.productId) ? req.query.productId : undefined;
      const st = await waitingRoom.status(req.headers['x-queue-token'], session.id, pid);
      if (!st) throw new HttpError(400, 'invalid_queue_token', 'Send the X-Queue-Token POST /api/queue gave you.', 'X-Queue-Token');
      reply.header('Cache-Control', 'no-store');
      return st;
    });

    api.get('/orders/:id', async (req, reply) => {
      const { id: sessionId } = await requireSession(req);
      const order = await shop.order(sessionId, req.params.id);
      if (!order) throw new HttpError(404, 'order_not_found', 'No such order for this session.', 'id');
      reply.header('Cache-Control', 'no-store');
      return { order };
    });

    api.all('/*', async () => {
      throw new HttpError(404, 'not_found', 'No such API endpoint.');
    });
  }, { prefix: '/api' });

  // ----- static SPA (local all-in-one shop) -----
  if (staticDir) {
    const index = path.join(staticDir, 'index.html');
    if (!fs.existsSync(index)) throw new Error(`STATIC_DIR ${staticDir} has no index.html`);
    await app.register(fastifyStatic, { root: staticDir, prefix: '/', wildcard: false, index: ['index.html'] });
    app.setNotFoundHandler((req, reply) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/')) {
        return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
      }
      return reply.code(404).send(errorBody('not_found', 'No such resource.'));
    });
  } else {
    app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not_found', 'No such resource.')));
  }

  return app;
}
