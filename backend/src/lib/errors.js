import { isAuthError } from './dbauth.js';

// What the API tells its client when it refuses a request: a code from this list, a message for
// people and, when one input is to blame, the field (a body property, a path parameter or a
// header name). The shop (src/shop.js, src/waiting-room.js) and the request layer (src/app.js)
// raise these; app.js maps each code to its HTTP status in ONE place (httpStatusOf) and sends
//   {"error": {"code": "...", "message": "...", "field": "..."(optional)}}
// The OpenAPI document (openapi.json) lists the codes from here.
export const ERROR_STATUS = Object.freeze({
  // the request itself
  invalid_json: 400,
  invalid_body: 400,
  missing_field: 400,
  invalid_field: 400,
  unknown_field: 400,
  idempotency_key_required: 400,
  invalid_idempotency_key: 400,
  invalid_queue_token: 400,
  bad_url: 400,
  bad_request: 400,
  session_required: 401,
  queue_required: 403,
  not_admitted: 403,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  // the shop's answer
  product_not_found: 404,
  order_not_found: 404,
  waiting_room_off: 404,
  not_on_sale: 409,
  sold_out: 409,
  queue_closed: 409,
  idempotency_key_reused: 422,
  limit_exceeded: 429,
  // a dependency is down (the client retries after Retry-After)
  busy: 503,
  service_unavailable: 503,
  order_outcome_unknown: 503,
  // a bug: never raised on purpose
  internal_error: 500,
});

export const ERROR_CODES = Object.freeze(Object.keys(ERROR_STATUS));

/** A refusal the client is told about. No HTTP here: app.js maps `code` to a status. */
export class ShopError extends Error {
  /**
   * @param {keyof typeof ERROR_STATUS} code
   * @param {string} message
   * @param {{field?: string, cause?: unknown, retryAfterSec?: number}} [o]
   */
  constructor(code, message, { field, cause, retryAfterSec } = {}) {
    if (!Object.hasOwn(ERROR_STATUS, code)) throw new TypeError(`ShopError: unknown code "${code}"`);
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ShopError';
    this.code = code;
    if (field !== undefined) this.field = field;
    if (retryAfterSec !== undefined) this.retryAfterSec = retryAfterSec;
  }
}

export function errorBody(code, message, field) {
  const error = { code, message };
  if (field !== undefined) error.field = field;
  return { error };
}

/** Errors that mean "the database (or the network to it) is unavailable", not a bug. */
export function isDbUnavailable(err) {
  if (!err) return false;
  const codes = new Set([
    'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
    'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
    'PROTOCOL_ENQUEUE_AFTER_QUIT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED',
    'ER_CONNECTION_KILLED', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_OPTION_PREVENTS_STATEMENT',
    'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  ]);
  // A refused login (rotated secret, revoked user) makes the database unavailable to this task.
  return codes.has(err.code) || isAuthError(err) || err.code === 'POOL_ACQUIRE_TIMEOUT' || err.fatal === true || /Connection lost|Pool is closed|connect ETIMEDOUT|Query inactivity timeout/i.test(err.message || '');
}
