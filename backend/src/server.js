// Production entry point: validate config, serve, shut down gracefully on SIGTERM (ECS) / SIGINT.
// It never migrates or loads a catalogue: a deploy runs src/cli/db-release.js once, before the
// service is updated (tasks start at every scale-out, autoscaling step and rollback).
import pino from 'pino';
import { ConfigError, loadConfig, redactedConfig } from './config.js';
import { createPool } from './lib/db.js';
import { Cache } from './lib/cache.js';
import { clockFor } from './lib/clock.js';
import { Shop } from './shop.js';
import { RateLimiter } from './lib/rate-limit.js';
import { WaitingRoom } from './waiting-room.js';
import { buildApp, loggerOptions } from './app.js';
import { scrubMessage } from './lib/logsafe.js';
import { DbAuth, secretsManagerSource } from './lib/dbauth.js';
import { warmUp } from './warmup.js';

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const log = pino(loggerOptions('info'));
    for (const p of err.problems) log.fatal({ problem: p }, `configuration error: ${p}`);
    log.flush?.();
    process.exitCode = 1;
    return;
  }
  const logger = pino(loggerOptions(config.logLevel));
  logger.info({ config: redactedConfig(config), node: process.version }, 'starting');

  const clock = clockFor(config);
  if (config.clockStartMs !== null) logger.warn({ clockStart: new Date(config.clockStartMs).toISOString() }, 'CLOCK_START set: the shop runs on a clock started at that instant, not the system clock');
  const auth = new DbAuth({
    db: config.db, logger,
    source: config.db.secretId ? secretsManagerSource(config.db.secretId, { region: config.aws.region, endpoint: config.aws.secretsEndpoint }) : null,
  });
  await auth.init();
  config = { ...config, db: auth.db }; // the live credentials (re-read on rotation)
  const pool = auth.attach(createPool(auth.db));
  const cache = new Cache({ servers: config.memcachedServers, prefix: `${config.db.database}:`, logger });
  const state = { shuttingDown: false };

  if (config.sessionKeysSource !== 'SESSION_KEYS') {
    logger.warn({ sessionKeys: config.sessionKeysSource }, 'SESSION_KEYS not set: sessions are signed with a key '
      + (config.sessionKeys ? 'derived from DB_PASSWORD (a password rotation ends every session)' : 'of this process only (not shared by other tasks, lost on restart)'));
  }
  const shop = new Shop({ pool, cache, clock, logger, sessionKeys: config.sessionKeys, firstOrdersMax: config.firstOrdersMax });
  const rateLimiter = new RateLimiter({ cache, logger, limits: { session: config.rateLimit.sessionsPer10s, order: config.rateLimit.ordersPer10s } });
  let waitingRoom = null;
  if (config.waitingRoom.enabled) {
    waitingRoom = new WaitingRoom({
      shop, cache, logger, keys: shop.signer.keys.map((k) => k.key), // the queue's keys rotate with these
      inletPerSec: config.waitingRoom.inletPerSec, opensMinutesBefore: config.waitingRoom.opensMinutesBefore,
    });
    setInterval(() => waitingRoom.tick().catch((err) => logger.warn({ err: err.message }, 'waiting room tick failed')), 1000).unref();
    logger.info({ inletPerSec: config.waitingRoom.inletPerSec }, 'waiting room on');
  }
  const app = await buildApp({ shop, cache, logger, staticDir: config.staticDir, state, auth, rateLimiter, clientAddressHeader: config.clientAddressHeader, waitingRoom, imageRef: config.imageRef, cookieSecure: config.cookieSecure });

  // Purge expired sessions now and then (their orders stay); several tasks doing it is harmless.
  if (config.sessionPurgeIntervalSec > 0) {
    const purge = async () => {
      try {
        const n = await shop.purgeExpiredSessions();
        if (n) logger.info({ deleted: n }, 'expired sessions purged');
      } catch (err) {
        logger.warn({ err: err.message }, 'session purge failed; will retry');
      }
    };
    const every = config.sessionPurgeIntervalSec * 1000;
    setTimeout(() => {
      purge();
      setInterval(purge, every).unref();
    }, Math.floor(Math.random() * every)).unref();
  }
  // Hot code, open connections and a filled cache before the load balancer sends the first
  // customer (the health check fails until the server listens).
  const warm = await warmUp({ app, pool, rounds: config.warmUpRounds, maxMs: config.warmUpMaxMs });
  logger.info(warm, 'warmed up');
  await app.listen({ port: config.port, host: '0.0.0.0' });

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    state.shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    // Keep-alive connections that finish their in-flight request after close() started would
    // otherwise linger until keepAliveTimeout: sweep idle ones until the server is closed.
    const sweep = setInterval(() => app.server.closeIdleConnections?.(), 100);
    sweep.unref();
    try {
      await app.close();
      clearInterval(sweep);
      logger.info('http server closed; closing database pool');
      await pool.end().catch(() => {});
      cache.close();
      logger.info('shutdown complete');
      clearTimeout(force);
      process.exitCode = 0;
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  // Last resort: never print the config (it holds the password), only the message.
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), msg: `startup failed: ${scrubMessage(err?.message, { quoted: true })}` })}\n`);
  process.exit(1);
});
