// What an error may put into a log line. mysql2 errors carry `sql` (the fully interpolated
// statement: session ids, idempotency keys, prices) and messages that quote values ("Duplicate
// entry '<session id>' for key ..."); memjs and network errors can quote keys. Logs get the
// error's class (name, code, errno, sqlState) and a message with quoted values and token-like
// strings removed; never `sql`, never parameters, never the stack's first (message) line.

const TOKEN_RE = /[A-Za-z0-9_-]{20,}/g;
const QUOTED_RE = /'[^']*'|"[^"]*"/g;

/** A message with anything that could be a token or a value removed. */
export function scrubMessage(text, { quoted = false } = {}) {
  if (typeof text !== 'string') return undefined;
  let s = text.slice(0, 300);
  if (quoted) s = s.replace(QUOTED_RE, '?');
  return s.replace(TOKEN_RE, '[redacted]');
}

const isDbError = (err) => err && (err.sqlState !== undefined || err.sql !== undefined || err.sqlMessage !== undefined);

/** pino serializer for `err` (and `cause`): the error class and a scrubbed message only. */
export function serializeError(err) {
  if (!err || typeof err !== 'object') return typeof err === 'string' ? scrubMessage(err, { quoted: true }) : err;
  const db = isDbError(err);
  const out = { type: err.name || err.constructor?.name || 'Error' };
  for (const k of ['code', 'errno', 'sqlState', 'fatal', 'statusCode']) {
    if (err[k] !== undefined && (typeof err[k] !== 'string' || err[k].length < 64)) out[k] = err[k];
  }
  out.message = scrubMessage(db ? (err.sqlMessage ?? err.message) : err.message, { quoted: db });
  if (!db && typeof err.stack === 'string') {
    // frames only: the first line repeats the message
    out.stack = err.stack.split('\n').slice(1, 12).map((l) => l.trim()).join(' | ');
  }
  if (err.cause && err.cause !== err) out.cause = serializeError(err.cause);
  return out;
}
