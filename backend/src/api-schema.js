// The API's contract as JSON Schemas: Fastify validates requests with them (src/app.js), serializes
// responses with them, and @fastify/swagger turns them into openapi.json (npm run openapi), which
// the frontend's types are generated from. Nothing else restates it.
//
// A property's `description` is the rule in words: a refusal says "<field> must be <description>."
// A header's `title` is the name a refusal gives it ("Idempotency-Key"); `x-error-codes` names the
// codes a missing / invalid value is refused with when they are not missing_field / invalid_field.
import { ERROR_CODES } from './lib/errors.js';
import { ID_RE } from './catalog/validate.js';
import { IDEMPOTENCY_KEY_RE } from './shop.js';
import { TOKEN_RE } from './waiting-room.js';

const dateTime = { type: 'string', format: 'date-time' };
const nullable = (schema) => ({ ...schema, type: [schema.type, 'null'] });
const ref = (id) => ({ $ref: `${id}#` });

const eventInfo = {
  $id: 'EventInfo',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'timeZone'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, timeZone: { type: 'string', description: 'IANA time zone' } },
};
const drop = {
  $id: 'Drop',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'date', 'startsAt', 'endsAt', 'products'],
  properties: {
    id: { type: 'string' },
    date: { type: 'string', format: 'date', description: "the day in the event's time zone" },
    startsAt: dateTime,
    endsAt: dateTime,
    products: { type: 'array', items: ref('Product') },
  },
};
// An object schema that may also be null, inlined (type: [object, null]) rather than
// anyOf [$ref, null]: fast-json-stringify serializes an anyOf by running a validator over the
// value to pick the branch (the whole Drop, products included, on every GET /api/drops/current),
// while a type list costs one `=== null` test. The schema is still written once, above.
const nullableObject = ({ $id: _id, ...schema }) => ({ ...schema, type: ['object', 'null'] });

/** The most units one order may ask for. */
export const MAX_ORDER_QUANTITY = 100;

export const sharedSchemas = [
  {
    $id: 'Error',
    description: 'Every refusal: a code from the list, a message for people, the field to blame when there is one.',
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', enum: ERROR_CODES },
          message: { type: 'string' },
          field: { type: 'string', description: 'the body property, path parameter or header at fault' },
        },
      },
    },
  },
  {
    $id: 'Product',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'dropId', 'name', 'description', 'priceCents', 'currency', 'imageUrl', 'stockTotal', 'stockRemaining', 'soldOut', 'limitPerCustomer'],
    properties: {
      id: { type: 'string' },
      dropId: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      priceCents: { type: 'integer', minimum: 0 },
      currency: { type: 'string', description: 'ISO 4217 code' },
      imageUrl: { type: 'string' },
      stockTotal: { type: 'integer', minimum: 0 },
      stockRemaining: { type: 'integer', minimum: 0, description: 'may lag the database by a few seconds (cached)' },
      soldOut: { type: 'boolean' },
      limitPerCustomer: { type: 'integer', minimum: 1 },
    },
  },
  eventInfo,
  drop,
  {
    $id: 'CurrentDrop',
    type: 'object',
    additionalProperties: false,
    required: ['serverTime', 'event', 'drop', 'nextDropAt', 'secondsUntilNextDrop', 'waitingRoom'],
    properties: {
      serverTime: dateTime,
      event: { ...nullableObject(eventInfo), description: 'null when no event is loaded' },
      drop: { ...nullableObject(drop), description: 'the live drop; null between drops' },
      nextDropAt: nullable(dateTime),
      secondsUntilNextDrop: nullable({ type: 'integer', minimum: 0 }),
      waitingRoom: { type: 'boolean', description: 'orders need an admitted queue token (X-Queue-Token)' },
    },
  },
  {
    $id: 'Session',
    type: 'object',
    additionalProperties: false,
    required: ['sessionId', 'expiresAt'],
    properties: { sessionId: { type: 'string' }, expiresAt: dateTime },
  },
  {
    $id: 'Order',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'productId', 'quantity', 'totalCents', 'currency', 'status', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      productId: { type: 'string' },
      quantity: { type: 'integer', minimum: 1 },
      totalCents: { type: 'integer', minimum: 0 },
      currency: { type: 'string' },
      status: { type: 'string', enum: ['confirmed'] },
      createdAt: dateTime,
    },
  },
  {
    $id: 'OrderEnvelope',
    type: 'object',
    additionalProperties: false,
    required: ['order'],
    properties: { order: ref('Order') },
  },
  {
    $id: 'OrderRequest',
    description: 'a JSON object like {"productId": "...", "quantity": 1}',
    type: 'object',
    additionalProperties: false,
    required: ['productId'],
    properties: {
      productId: { type: 'string', pattern: ID_RE.source, description: 'a product id: lowercase letters, digits and "-"' },
      quantity: { type: 'integer', minimum: 1, maximum: MAX_ORDER_QUANTITY, default: 1, description: `a whole number between 1 and ${MAX_ORDER_QUANTITY}` },
    },
  },
  {
    $id: 'QueueStatus',
    type: 'object',
    additionalProperties: false,
    required: ['state', 'position', 'secondsUntilDrop', 'estimatedWaitSeconds', 'paused', 'soldOut'],
    properties: {
      state: { type: 'string', enum: ['pre_queue', 'waiting', 'admitted', 'sold_out'] },
      position: { type: ['integer', 'null'], minimum: 0, description: 'places ahead, 0 once admitted; null before the draw at the start' },
      secondsUntilDrop: { type: 'integer', minimum: 0 },
      estimatedWaitSeconds: { type: 'integer', minimum: 0 },
      paused: { type: 'boolean' },
      soldOut: { type: 'boolean' },
    },
  },
  {
    $id: 'QueueJoin',
    type: 'object',
    additionalProperties: false,
    required: ['queueToken', 'dropId', 'kind', 'state', 'position', 'secondsUntilDrop', 'estimatedWaitSeconds', 'paused', 'soldOut'],
    properties: {
      queueToken: { type: 'string', description: 'send it as X-Queue-Token with GET /api/queue/status and POST /api/orders' },
      dropId: { type: 'string' },
      kind: { type: 'string', enum: ['pre_queue', 'queue'] },
      state: { type: 'string', enum: ['pre_queue', 'waiting', 'admitted', 'sold_out'] },
      position: { type: ['integer', 'null'], minimum: 0 },
      secondsUntilDrop: { type: 'integer', minimum: 0 },
      estimatedWaitSeconds: { type: 'integer', minimum: 0 },
      paused: { type: 'boolean' },
      soldOut: { type: 'boolean' },
    },
  },
  {
    $id: 'QueueState',
    description: 'the document every waiting buyer polls; only {"open": false} when no queue is open',
    type: 'object',
    additionalProperties: false,
    required: ['open'],
    properties: {
      open: { type: 'boolean' },
      dropId: { type: 'string' },
      startsAt: dateTime,
      secondsUntilDrop: { type: 'integer', minimum: 0 },
      admitted: { type: 'integer', minimum: 0 },
      preCount: { type: 'integer', minimum: 0 },
      inletPerSec: { type: 'integer', minimum: 0 },
      paused: { type: 'boolean' },
      soldOut: { type: 'boolean' },
      soldOutProducts: { type: 'array', items: { type: 'string' }, description: "ids of the drop's items already gone" },
      serverTime: dateTime,
    },
  },
  {
    $id: 'Health',
    type: 'object',
    additionalProperties: false,
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unhealthy'] },
      image: { type: ['string', 'null'], description: 'the image this task runs (IMAGE_REF)' },
      database: { type: 'string', enum: ['auth_failed'], description: 'only when unhealthy' },
    },
  },
  {
    $id: 'Readiness',
    type: 'object',
    additionalProperties: false,
    required: ['status', 'database', 'cache'],
    properties: {
      status: { type: 'string', enum: ['ready', 'not_ready'] },
      database: { type: 'string', enum: ['ok', 'down'] },
      cache: { type: 'string', enum: ['ok', 'down'] },
      shuttingDown: { type: 'boolean' },
    },
  },
];

/** A response: what it means, its schema and the headers that carry part of it. */
const answer = (description, id, headers) => ({ description, ...(headers ? { headers } : {}), ...ref(id) });
const retryAfter = { 'Retry-After': { type: 'string', pattern: '^[0-9]+$', description: 'seconds to wait before retrying' } };
const microCache = { 'Cache-Control': { type: 'string', description: 'public, max-age=1, stale-while-revalidate=2: the edge keeps it a second' } };
const REFUSALS = {
  400: 'the request is malformed: the error names the field and the rule',
  401: 'no session, or an expired one: start one (POST /api/session) and retry',
  403: 'the waiting room: no admitted queue token for this session',
  404: 'not found (a product of a drop that has not started is not revealed)',
  409: 'refused by the state of the shop (sold out, not on sale, no queue open)',
  422: 'this Idempotency-Key was used for a different order',
  429: 'over a limit (per customer, or the rate per client address: see Retry-After)',
  503: 'a dependency is down: retry after Retry-After (an order with the same Idempotency-Key)',
};
const errors = (...statuses) => Object.fromEntries(statuses.map((c) => [c, answer(REFUSALS[c], 'Error', c === 429 || c === 503 ? retryAfter : undefined)]));
// Every route may also answer these (a body the parser refuses, a dependency down, a bug).
const always = { '4xx': answer('refused: see the error code', 'Error'), '5xx': answer('the shop failed: retry later', 'Error') };

const sessionHeader = {
  'x-session-id': { type: 'string', description: 'the session (POST /api/session); or the em_session cookie' },
};

/** Route schemas by route; `tags`/`summary` are for the OpenAPI document only. */
export const routeSchemas = {
  healthz: {
    summary: "The load balancer's health check: unhealthy only when the database refuses this task's credentials",
    tags: ['health'],
    response: { 200: answer('healthy, with the image this task runs', 'Health'), 503: answer('unhealthy: the database refuses this task\'s credentials', 'Health') },
  },
  readyz: {
    summary: 'Ready: the database answers (and the task is not draining)',
    tags: ['health'],
    response: { 200: answer('ready', 'Readiness'), 503: answer('not ready: the database does not answer, or the task is draining', 'Readiness') },
  },
  createSession: {
    summary: 'Start an anonymous session (also set as the em_session cookie)',
    tags: ['session'],
    response: {
      201: answer('a new session', 'Session', {
        'Set-Cookie': { type: 'string', description: 'em_session=<sessionId>; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800 (and Secure behind HTTPS)' },
      }),
      ...errors(429),
      ...always,
    },
  },
  currentDrop: {
    summary: "Today's drop (edge-cached 1 s)",
    tags: ['drops'],
    response: { 200: answer('the current event, its live drop and the next drop', 'CurrentDrop', microCache), ...always },
  },
  product: {
    summary: 'A product of a drop that has started (a future one is not revealed: 404)',
    tags: ['drops'],
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', description: 'a product id' } },
    },
    response: { 200: answer('the product', 'Product', microCache), ...errors(404), ...always },
  },
  createOrder: {
    summary: 'Order a product; the same Idempotency-Key never places a second order (replay: 200)',
    tags: ['orders'],
    headers: {
      type: 'object',
      required: ['idempotency-key'],
      properties: {
        'idempotency-key': {
          type: 'string',
          title: 'Idempotency-Key',
          pattern: IDEMPOTENCY_KEY_RE.source,
          description: '8-128 characters of A-Z a-z 0-9 _ - (a new key per order, the same key for its retries)',
          'x-error-codes': { missing: 'idempotency_key_required', invalid: 'invalid_idempotency_key' },
        },
        ...sessionHeader,
        'x-queue-token': { type: 'string', description: 'with the waiting room on: the admitted token of POST /api/queue' },
      },
    },
    body: ref('OrderRequest'),
    response: {
      200: answer('a replay: the order this Idempotency-Key placed before', 'OrderEnvelope', {
        'Idempotent-Replayed': { type: 'string', enum: ['true'] },
      }),
      201: answer('the order placed', 'OrderEnvelope', { Location: { type: 'string', description: '/api/orders/<id>' } }),
      ...errors(400, 401, 403, 404, 409, 422, 429, 503),
      ...always,
    },
  },
  order: {
    summary: "One of the session's own orders (anyone else's: 404)",
    tags: ['orders'],
    headers: { type: 'object', properties: { ...sessionHeader } },
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', description: 'an order id (UUID)' } },
    },
    response: { 200: answer('the order', 'OrderEnvelope'), ...errors(401, 404), ...always },
  },
  joinQueue: {
    summary: 'Join the waiting room of the current drop (waiting room on only)',
    tags: ['waiting room'],
    headers: { type: 'object', properties: { ...sessionHeader } },
    response: { 201: answer('a place in the queue and its token', 'QueueJoin'), ...errors(401, 404, 409, 429, 503), ...always },
  },
  queueState: {
    summary: 'The document every waiting buyer polls (edge-cached 1 s)',
    tags: ['waiting room'],
    response: { 200: answer('the shared queue state', 'QueueState'), ...errors(404), ...always },
  },
  queueStatus: {
    summary: "A buyer's place in the waiting room",
    tags: ['waiting room'],
    headers: {
      type: 'object',
      required: ['x-queue-token'],
      properties: {
        ...sessionHeader,
        'x-queue-token': {
          type: 'string',
          title: 'X-Queue-Token',
          pattern: TOKEN_RE.source,
          description: 'the token POST /api/queue gave you',
          'x-error-codes': { missing: 'invalid_queue_token', invalid: 'invalid_queue_token' },
        },
      },
    },
    querystring: {
      type: 'object',
      properties: { productId: { type: 'string', description: 'the item the buyer waits for: sold_out as soon as it is gone' } },
    },
    response: { 200: answer("this buyer's status", 'QueueStatus'), ...errors(400, 401, 403, 404), ...always },
  },
};
