// The application user's password is made by the migrator step and written only to the app user's
// secret (Terraform creates that secret, KMS-encrypted, with no value: nothing in any state file).
// Each run is a rotation: a new password, the old one refused, the secret holding the new one.
// Real MariaDB; the secret store is a function with the contract of secretsManagerWriter()
// ({username, password} becomes the secret's current value), here an in-memory record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createAdminConnection } from '../src/lib/db.js';
import { provisionAppUser } from '../src/migrate.js';
import { createTestDatabase } from './helpers.js';

describe('application user provisioning', () => {
  let tdb; let admin; const user = `em_app_${crypto.randomBytes(3).toString('hex')}`;
  before(async () => {
    tdb = await createTestDatabase('appuser');
    admin = await createAdminConnection(tdb.db);
  });
  after(async () => {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
    await admin.end();
    await tdb.drop();
  });

  const login = (password) => createAdminConnection({ ...tdb.db, user, password });

  test('a generated password goes only to the secret; a second run rotates it', async () => {
    const writes = [];
    const store = async (v) => { writes.push(v); };
    const first = await provisionAppUser(admin, { database: tdb.db.database, user, store });
    assert.equal(first.generated, true);
    assert.equal(writes.length, 1);
    assert.equal(writes[0].username, user);
    assert.ok(writes[0].password.length >= 32, 'a long random password');
    assert.ok(!JSON.stringify(first).includes(writes[0].password), 'the result does not carry the password');
    const c1 = await login(writes[0].password);
    await c1.query('SELECT COUNT(*) FROM products');
    await assert.rejects(c1.query('CREATE TABLE x (id INT)'), /denied/i, 'no DDL');
    await c1.end();

    await provisionAppUser(admin, { database: tdb.db.database, user, store });
    assert.equal(writes.length, 2);
    assert.notEqual(writes[1].password, writes[0].password);
    await assert.rejects(login(writes[0].password), (err) => err.code === 'ER_ACCESS_DENIED_ERROR');
    const c2 = await login(writes[1].password);
    await c2.end();
  });

  test('a store that fails is an error (the run must be repeated), not a silent success', async () => {
    await assert.rejects(provisionAppUser(admin, { database: tdb.db.database, user, store: async () => { throw new Error('AccessDeniedException'); } }), /AccessDeniedException/);
  });

  test('the CLI needs a password or a secret to write it to, and names what is missing', () => {
    const r = spawnSync(process.execPath, ['src/cli/grant-app-user.js'], {
      env: { PATH: process.env.PATH, DB_HOST: tdb.db.host, DB_PORT: String(tdb.db.port), DB_USER: tdb.db.user, DB_PASSWORD: tdb.db.password, DB_NAME: tdb.db.database, APP_DB_USER: user, LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /APP_DB_SECRET_ID \(the app user's secret, to write a generated password to\) or APP_DB_PASSWORD/);
  });
});
