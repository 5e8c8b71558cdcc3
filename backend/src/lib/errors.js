import { isAuthError } from './dbauth.js';

// Client-facing errors. Every error response has the shape
//   {"error": {"code": "...", "message": "...", "field": "..."(optional)}}
export class HttpError extends Error {
  constructor(statusCode, code, message, field) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
    this.expose = true;
  }
}

export const badRequest = (code, message, field) => new HttpError(400, code, message, field);
export const notFound = (code, message, field) => new HttpError(404, code, message, field);

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
