// The HTTP application (Fastify). buildApp() wires routes to injected dependencies so tests can
// run it against real servers with a controllable clock.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ERROR_STATUS, ShopError, errorBody } from './lib/errors.js';
import { routeSchemas, sharedSchemas } from './api-schema.js';
import { serializeError } from './lib/logsafe.js';
import { ID_RE } from './catalog/validate.js';
import { SESSION_TTL_MS } from './shop.js';
import { clientAddress } from './lib/rate-limit.js';

const SESSION_COOKIE = 'em_session';
// The rush's reads are the same for every customer: CloudFront keeps them for 1 s in their own
// cache behaviour (terraform/modules/edge) and may serve them 2 s stale while it refreshes, so
// each edge location asks the origin about once a second however many buyers read them.
const MICRO_CACHE = 'public, max-age=1, stale-while-revalidate=2';
// An unknown / not yet revealed product: the same 1 s at the edge (bots probing ids stop there).
const MICRO_CACHE_404 = 'public, max-age=1';
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

/** Send a refusal: its status from the code (ERROR_STATUS), the error body, no caching but a product 404's. */
function sendError(req, reply, e) {
  const status = ERROR_STATUS[e.code];
  if (status === 503) reply.header('Retry-After', String(e.retryAfterSec ?? 2));
  else if (e.retryAfterSec) reply.header('Retry-After', String(e.retryAfterSec));
  reply.header('Cache-Control', e.code === 'product_not_found' && req.method === 'GET' && req.routeOptions?.url === '/api/products/:id' ? MICRO_CACHE_404 : 'no-store');
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(e.code, e.message, e.field));
}

/** Fastify's own refusals (the body parser, the router) as the shop's error codes. */
function fastifyError(err) {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ShopError('unsupported_media_type', 'Send the request body as application/json.', { field: 'Content-Type' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ShopError('body_too_large', `The request body is larger than ${BODY_LIMIT} bytes.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ShopError('invalid_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ShopError('invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_BAD_URL':
      return new ShopError('bad_url', 'The URL is not valid (bad percent-encoding).');
    default:
      break;
  }
  if (err instanceof SyntaxError) return new ShopError('invalid_json', 'The request body is not valid JSON.');
  const status = err.statusCode;
  if (status === 404) return new ShopError('not_found', 'No such resource.');
  if (status === 405) return new ShopError('method_not_allowed', 'Method not allowed.');
  if (Number.isInteger(status) && status >= 400 && status < 500) return new ShopError('bad_request', 'The request could not be understood.');
  return null;
}

const unescapePointer = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * A request a route schema refuses (Fastify's schemaErrorFormatter): the first problem, as the
 * shop's error naming the field and the rule (the property's `description` in src/api-schema.js).
 */
function schemaError(errors, context) {
  const e = errors[0];
  const path = e.instancePath.split('/').slice(1).map(unescapePointer);
  if (e.keyword === 'additionalProperties') {
    const name = String(e.params.additionalProperty);
    return new ShopError('unknown_field', `Unknown field "${name.slice(0, 40)}".`, { field: [...path, name].join('.').slice(0, 64) });
  }
  const missing = e.keyword === 'required' ? String(e.params.missingProperty) : null;
  const prop = missing !== null ? e.parentSchema?.properties?.[missing] : e.parentSchema;
  if (context === 'body' && !path.length && missing === null) {
    return new ShopError('invalid_body', `The body must be ${prop?.description ?? 'a JSON object'}.`);
  }
  const name = missing !== null ? [...path, missing].join('.') : path.join('.');
  const field = (context === 'headers' && prop?.title) || name;
  const codes = prop?.['x-error-codes'] ?? {};
  const rule = prop?.description ?? e.message;
  if (missing !== null) {
    const what = context === 'headers' ? `Send the ${field} header` : `${field} is required`;
    return new ShopError(codes.missing ?? 'missing_field', `${what} (${rule}).`, { field });
  }
  return new ShopError(codes.invalid ?? 'invalid_field', `${field} must be ${rule}.`, { field });
}

/**
 * @param {{shop: import('./shop.js').Shop, cache: any, logger: any|object, staticDir?: string|null, state?: {shuttingDown: boolean}, auth?: import('./lib/dbauth.js').DbAuth|null,
 *   rateLimiter?: import('./lib/rate-limit.js').RateLimiter|null, clientAddressHeader?: string,
 *   waitingRoom?: import('./waiting-room.js').WaitingRoom|null, imageRef?: string|null, openapi?: boolean, cookieSecure?: 'always'|'auto'}} deps
 *   imageRef: the image this task runs (IMAGE_REF), reported by /healthz
 *   waitingRoom: when given, orders need an admitted queue token (X-Queue-Token)
 *   clientAddressHeader: the header naming the viewer's address (CloudFront's), '' for the peer address only
 *   openapi: collect the routes' schemas into an OpenAPI document (app.swagger(); npm run openapi)
 *   cookieSecure: 'always' (production: Secure on every session cookie) or 'auto' (only over HTTPS)
 */
export async function buildApp({ shop, cache, logger, staticDir = null, state = { shuttingDown: false }, auth = null, rateLimiter = null, clientAddressHeader = 'cloudfront-viewer-address', waitingRoom = null, imageRef = null, openapi = false, cookieSecure = 'auto' }) {
  const app = Fastify({
    ...(logger && typeof logger.child === 'function' ? { loggerInstance: logger } : { logger: logger ?? false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: true,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The schemas are the contract: no type coercion ("1" is not 1), no silent removal of unknown
    // fields (refused with unknown_field), the rule of a field read from its description.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, verbose: true, keywords: ['x-error-codes'] } },
    schemaErrorFormatter: schemaError,
    // Router-level errors (e.g. a broken %-escape in the URL) get the same error shape.
    frameworkErrors: (error, req, reply) => sendError(req, reply, fastifyError(error) ?? new ShopError('bad_request', 'The request could not be understood.')),
  });

  if (openapi) {
    const { default: swagger } = await import('@fastify/swagger');
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'eventmall shop API',
          version: '1',
          description: 'Generated from the route schemas (backend/src/api-schema.js) by `npm run openapi`; do not edit by hand.',
        },
      },
      // components named by their $id (Product, Order, ...), not def-0, def-1
      refResolver: { buildLocalReference: (json, baseUri, fragment, i) => json.$id || `def-${i}` },
    });
  }
  for (const schema of sharedSchemas) app.addSchema(schema);

  app.decorateRequest('sessionId', null);

  // The documented routes' methods by path, for the 405 answers below.
  const methodsByPath = new Map();
  app.addHook('onRoute', (r) => {
    if (r.schema?.hide) return;
    const set = methodsByPath.get(r.url) ?? new Set();
    for (const m of [].concat(r.method)) set.add(m);
    methodsByPath.set(r.url, set);
  });

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

  // The one place an error becomes an HTTP answer.
  app.setErrorHandler((err, req, reply) => {
    let e = err instanceof ShopError ? err : fastifyError(err);
    if (!e) {
      req.log.error({ err }, 'unhandled error');
      e = new ShopError('internal_error', 'Something went wrong on our side.');
    } else if (ERROR_STATUS[e.code] >= 500) {
      req.log.warn({ code: e.code, cause: err.cause ?? err }, 'request failed: dependency unavailable');
    }
    return sendError(req, reply, e);
  });

  const requireSession = async (req) => {
    const header = req.headers['x-session-id'];
    const raw = typeof header === 'string' && header.length ? header : readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = raw ? await shop.resolveSession(raw) : null;
    if (!session) {
      throw new ShopError('session_required', 'Start a session first (POST /api/session), then send its cookie or X-Session-Id header.');
    }
    req.sessionId = session.id;
    return session;
  };

  // Per-client limits on what costs the shop (session and order creation), before any other work.
  const limit = async (req, kind) => {
    if (!rateLimiter) return;
    const r = await rateLimiter.hit(kind, clientAddress(req, clientAddressHeader));
    if (!r.ok) {
      throw new ShopError('rate_limited', `Too many ${kind === 'session' ? 'new sessions' : 'orders'} from your address; retry in ${r.retryAfterSec} s.`, { retryAfterSec: r.retryAfterSec });
    }
  };
  const noWaitingRoom = () => new ShopError('waiting_room_off', 'This shop has no waiting room; order directly.');

  // ----- health -----
  // The load balancer's (and the container's) health check: fails only when the database has
  // refused this task's credentials persistently (the task is replaced and reads the secret
  // anew), never for a passing timeout or failover (/readyz reports those).
  app.get('/healthz', { schema: routeSchemas.healthz }, async (req, reply) => {
    if (auth && !(await auth.healthy())) {
      reply.code(503);
      return { status: 'unhealthy', database: 'auth_failed' };
    }
    // The image this task runs (its task definition's IMAGE_REF): a deploy's smoke test checks
    // that it is the one just published.
    return { status: 'ok', image: imageRef };
  });

  app.get('/readyz', { schema: routeSchemas.readyz }, async (req, reply) => {
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
  await app.register(async (api) => {
    api.post('/session', { schema: routeSchemas.createSession }, async (req, reply) => {
      await limit(req, 'session');
      const s = shop.createSession();
      const cookie = [`${SESSION_COOKIE}=${s.sessionId}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`];
      if (cookieSecure === 'always' || isHttps(req)) cookie.push('Secure');
      reply.header('Set-Cookie', cookie.join('; ')).header('Cache-Control', 'no-store').code(201);
      return s;
    });

    api.get('/drops/current', { schema: routeSchemas.currentDrop }, async (req, reply) => {
      const body = await shop.currentDrop();
      body.waitingRoom = waitingRoom !== null;
      reply.header('Cache-Control', MICRO_CACHE);
      return body;
    });

    api.get('/products/:id', { schema: routeSchemas.product }, async (req, reply) => {
      const body = await shop.product(req.params.id);
      reply.header('Cache-Control', MICRO_CACHE);
      return body;
    });

    // The rate limit before the body is read, the session before the schema: a client with an
    // expired session is told so first (it renews it and retries with the same key).
    api.post('/orders', {
      schema: routeSchemas.createOrder,
      onRequest: async (req) => limit(req, 'order'),
      preValidation: async (req) => { req.session = await requireSession(req); },
    }, async (req, reply) => {
      const { session } = req;
      const key = req.headers['idempotency-key'];
      const { productId, quantity } = req.body;
      if (waitingRoom) {
        const qt = req.headers['x-queue-token'];
        if (typeof qt !== 'string') {
          throw new ShopError('queue_required', 'This drop has a waiting room: join it (POST /api/queue) and order with its X-Queue-Token once admitted.', { field: 'X-Queue-Token' });
        }
        waitingRoom.require(qt, session.id); // 403 queue_required naming why (retired key, forged, another's)
        if (!(await waitingRoom.isAdmitted(qt, session.id))) {
          throw new ShopError('not_admitted', 'Your turn in the waiting room has not come yet.', { field: 'X-Queue-Token' });
        }
      }
      const r = await shop.placeOrder({ session, key, productId, quantity });
      reply.header('Cache-Control', 'no-store');
      if (r.replayed) reply.header('Idempotent-Replayed', 'true').code(200);
      else reply.code(201).header('Location', `/api/orders/${r.order.id}`);
      return { order: r.order };
    });

    // ----- waiting room -----
    api.post('/queue', { schema: routeSchemas.joinQueue }, async (req, reply) => {
      if (!waitingRoom) throw noWaitingRoom();
      await limit(req, 'session');
      const session = await requireSession(req);
      const j = await waitingRoom.join(session.id);
      reply.header('Cache-Control', 'no-store').code(201);
      return { ...j, ...(await waitingRoom.status(j.queueToken, session.id)) };
    });

    // The one document all waiting buyers poll: micro-cached at the edge like the drop.
    api.get('/queue/state', { schema: routeSchemas.queueState }, async (req, reply) => {
      if (!waitingRoom) throw noWaitingRoom();
      const body = await waitingRoom.state();
      reply.header('Cache-Control', MICRO_CACHE_404); // 1 s, no stale copy: sold out must show within a second
      return body;
    });

    // no waiting room, then no session, before the schema's refusal of the token
    api.get('/queue/status', {
      schema: routeSchemas.queueStatus,
      preValidation: async (req) => {
        if (!waitingRoom) throw noWaitingRoom();
        req.session = await requireSession(req);
      },
    }, async (req, reply) => {
      const { session } = req;
      const pid = req.query.productId !== undefined && ID_RE.test(req.query.productId) ? req.query.productId : undefined;
      const st = await waitingRoom.status(req.headers['x-queue-token'], session.id, pid);
      reply.header('Cache-Control', 'no-store');
      return st;
    });

    api.get('/orders/:id', { schema: routeSchemas.order }, async (req, reply) => {
      const { id: sessionId } = await requireSession(req);
      const order = await shop.order(sessionId, req.params.id);
      reply.header('Cache-Control', 'no-store');
      return { order };
    });

    api.all('/*', { schema: { hide: true } }, async () => {
      throw new ShopError('not_found', 'No such API endpoint.');
    });
  }, { prefix: '/api' });

  // A documented path asked with another method: 405 with the methods it has (Allow), before the
  // body is read. Fastify's own answer would be 404, as for an unknown path.
  for (const [url, methods] of methodsByPath) {
    const others = app.supportedMethods.filter((m) => !methods.has(m) && !(m === 'HEAD' && methods.has('GET')));
    const allow = [...methods].join(', ');
    app.route({
      method: others,
      url,
      schema: { hide: true },
      onRequest: async (req, reply) => {
        reply.header('Allow', allow);
        throw new ShopError('method_not_allowed', `${url.replace(/:(\w+)/g, '{$1}')} answers ${allow} only.`);
      },
      handler: async () => undefined,
    });
  }

  // ----- static SPA (local all-in-one shop) -----
  if (staticDir) {
    const index = path.join(staticDir, 'index.html');
    if (!fs.existsSync(index)) throw new Error(`STATIC_DIR ${staticDir} has no index.html`);
    await app.register(fastifyStatic, { root: staticDir, prefix: '/', wildcard: false, index: ['index.html'] });
    app.setNotFoundHandler((req, reply) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/')) {
        return reply.header('Cache-Control', 'no-cache').sendFile('index.html');
      }
      return sendError(req, reply, new ShopError('not_found', 'No such resource.'));
    });
  } else {
    app.setNotFoundHandler((req, reply) => sendError(req, reply, new ShopError('not_found', 'No such resource.')));
  }

  return app;
}
