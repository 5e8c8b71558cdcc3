// Database credentials that can change under a running task (the RDS-managed secret rotates).
//
// - An authentication failure (ER_ACCESS_DENIED_ERROR and friends) is "the database is
//   unavailable to us" (503), never a 500.
// - On such a failure the credentials are re-read (single flight, at most every
//   `refreshIntervalMs`): from Secrets Manager when DB_SECRET_ID is set (the secret's JSON
//   {"username","password"}), and applied to the pool's config, so the next new connection uses
//   them. Open connections stay authenticated (a rotation does not drop them).
// - health(): false only when authentication has been failing for longer than `persistentMs`
//   and a fresh connection with the (re-read) credentials is still refused. A timeout, a refused
//   connection or a failover is not an authentication failure: health stays true, so the load
//   balancer does not take every task out during a passing outage (/readyz covers those). A task
//   whose credentials are persistently refused is replaced; the new task reads the secret anew.
import mysql from 'mysql2';

const AUTH_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE',
  'AUTH_SWITCH_PLUGIN_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_MUST_CHANGE_PASSWORD_LOGIN',
]);

/** The database refused our credentials (not: unreachable, slow, failing over). */
export const isAuthError = (err) => Boolean(err) && (AUTH_CODES.has(err.code) || err.errno === 1045);

/** Credentials from an AWS Secrets Manager secret holding {"username","password"} (RDS-managed). */
export function secretsManagerSource(secretId, { region, endpoint } = {}) {
  let client;
  return async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    client ??= new SecretsManagerClient({ region, ...(endpoint ? { endpoint } : {}) });
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const doc = JSON.parse(out.SecretString ?? '{}');
    if (typeof doc.password !== 'string' || !doc.password) throw new Error('the database secret has no "password" field');
    return { user: typeof doc.username === 'string' && doc.username ? doc.username : undefined, password: doc.password };
  };
}

/**
 * Writes {"username","password"} as the new current value of an AWS Secrets Manager secret (the
 * application user's, rotated by src/cli/grant-app-user.js). Needs secretsmanager:PutSecretValue
 * on that secret only.
 */
export function secretsManagerWriter(secretId, { region, endpoint } = {}) {
  let client;
  return async ({ username, password }) => {
    const { SecretsManagerClient, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    client ??= new SecretsManagerClient({ region, ...(endpoint ? { endpoint } : {}) });
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ username, password }) }));
  };
}

export class DbAuth {
  /**
   * @param {{db: {host: string, port: number, user: string, password?: string, database: string},
   *   source?: (() => Promise<{user?: string, password: string}>) | null, logger?: any,
   *   now?: () => number, persistentMs?: number, refreshIntervalMs?: number}} o
   */
  constructor({ db, source = null, logger, now = Date.now, persistentMs = 30_000, refreshIntervalMs = 5_000 }) {
    this.db = { ...db };
    this.source = source;
    this.logger = logger;
    this.now = now;
    this.persistentMs = persistentMs;
    this.refreshIntervalMs = refreshIntervalMs;
    this.failingSince = null;
    this.lastRefresh = 0;
    this.refreshing = null;
    this.pools = [];
    this.stats = { failures: 0, refreshes: 0, changed: 0 };
  }

  /** Current credentials (read once at start when a source is configured). */
  async init() {
    if (this.source) await this.refresh({ force: true });
    this.stats.changed = 0; // the first read is not a rotation
    return this.db;
  }

  /** Watch a pool (mysql2 promise or core pool): auth failures, new connections, new credentials. */
  attach(pool) {
    const core = pool.pool ?? pool;
    this.pools.push(core);
    core.on('connection', () => this.onConnected());
    core.eventmallOnConnectError = (err) => this.onError(err);
    this._apply(core);
    return pool;
  }

  _apply(core) {
    const cfg = core.config?.connectionConfig;
    if (!cfg) return;
    cfg.user = this.db.user;
    cfg.password = this.db.password;
  }

  onConnected() {
    if (this.failingSince !== null) this.logger?.info('database authentication works again');
    this.failingSince = null;
  }

  onError(err) {
    if (!isAuthError(err)) return;
    this.stats.failures++;
    if (this.failingSince === null) {
      this.failingSince = this.now();
      this.logger?.error({ err }, 'database refused our credentials; re-reading them');
    }
    this.refresh().catch(() => {});
  }

  /** Re-read the credentials (single flight, rate limited); true when they changed. */
  refresh({ force = false } = {}) {
    if (!this.source) return Promise.resolve(false);
    if (this.refreshing) return this.refreshing;
    if (!force && this.now() - this.lastRefresh < this.refreshIntervalMs) return Promise.resolve(false);
    this.lastRefresh = this.now();
    this.refreshing = (async () => {
      try {
        const c = await this.source();
        this.stats.refreshes++;
        const changed = c.password !== this.db.password || (c.user && c.user !== this.db.user);
        if (changed) {
          this.db.password = c.password;
          if (c.user) this.db.user = c.user;
          for (const core of this.pools) this._apply(core);
          this.stats.changed++;
          this.logger?.warn('database credentials changed (rotated secret); new connections use them');
        }
        return changed;
      } catch (err) {
        this.logger?.error({ err }, 'could not re-read the database credentials');
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** One fresh connection with the current credentials: 'ok' | 'auth_failed' | 'unreachable'. */
  probe(timeoutMs = 2000) {
    return new Promise((resolve) => {
      const conn = mysql.createConnection({
        host: this.db.host, port: this.db.port, user: this.db.user, password: this.db.password,
        database: this.db.database, connectTimeout: timeoutMs,
      });
      conn.connect((err) => {
        conn.destroy();
        if (!err) resolve('ok');
        else resolve(isAuthError(err) ? 'auth_failed' : 'unreachable');
      });
    });
  }

  /** For the load balancer's health check: false only on a persistent authentication failure. */
  async healthy() {
    if (this.failingSince === null || this.now() - this.failingSince < this.persistentMs) return true;
    await this.refresh();
    const r = await this.probe();
    if (r === 'ok') this.onConnected();
    return r !== 'auth_failed';
  }
}
