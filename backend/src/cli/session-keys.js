// node src/cli/session-keys.js: create or rotate the session signing keys in their Secrets Manager
// secret (SESSION_KEYS_SECRET_ID; Terraform creates it, KMS-encrypted, without a value, so no key
// is ever in a Terraform state). Tasks read the value at start (the task definition's `secrets`),
// so a rotation is staged, one roll of the service per step, and no step makes a key sign that
// the tasks not yet rolled do not accept:
//   session-keys.js                  first run: one key. Later: STAGE a new key ("A" -> "A,N"):
//                                    accepted, listed second; A still signs. Roll the service.
//   session-keys.js --promote=<id>   after that roll: N signs, A still verifies ("N,A"). Roll.
//   session-keys.js --retire=<id>    a session lifetime (7 days) after the promotion: drop A ("N").
// <id> is the 8-hex key id the previous step logged (it is in every token; not secret). A step run
// twice changes nothing; a step that does not fit the secret's value is refused (exit 1).
// Needs secretsmanager:GetSecretValue and PutSecretValue on that secret only. Env:
// SESSION_KEYS_SECRET_ID AWS_REGION. The keys are never printed.
// --if-empty: write the first key only when the secret has none, else change nothing (the deploy's
// release step runs it so that a first deploy has a key; rotation stays an operator's decision).
import pino from 'pino';
import { loggerOptions } from '../app.js';
import { sessionKeyIds, sessionKeysToWrite } from '../lib/session-token.js';

const log = pino(loggerOptions(process.env.LOG_LEVEL || 'info'));
try {
  const opts = { ifEmpty: false, promote: null, retire: null };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const m = /^--(if-empty|promote|retire)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unknown argument ${args[i]} (options: --if-empty, --promote=<key id>, --retire=<key id>)`);
    if (m[1] === 'if-empty') {
      opts.ifEmpty = true;
      continue;
    }
    const id = m[2] ?? args[++i];
    if (!/^[0-9a-f]{8}$/.test(id ?? '')) throw new Error(`--${m[1]} needs the key id (8 hex characters) the previous step logged`);
    opts[m[1]] = id;
  }
  if ([opts.ifEmpty, opts.promote, opts.retire].filter(Boolean).length > 1) throw new Error('one of --if-empty, --promote, --retire at a time');
  const secretId = process.env.SESSION_KEYS_SECRET_ID;
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!secretId || !region) throw new Error('SESSION_KEYS_SECRET_ID and AWS_REGION are required');
  const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER || process.env.AWS_ENDPOINT_URL;
  const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region, ...(endpoint ? { endpoint } : {}) });
  let current = null;
  try {
    current = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? null;
  } catch (err) {
    // A secret created without a value has no AWSCURRENT version yet: this is the first key.
    if (err.name !== 'ResourceNotFoundException') throw err;
  }
  const next = sessionKeysToWrite(current, opts);
  if (next === null) {
    log.info({ secret: secretId, keyIds: current ? sessionKeyIds(current) : [] }, 'session keys left as they are (nothing to do for this step)');
  } else {
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: next }));
    const keyIds = sessionKeyIds(next);
    let msg = 'session key created';
    if (current !== null && opts.promote) msg = `session key ${keyIds[0]} promoted: it signs, ${keyIds[1]} still verifies. Roll the service; retire ${keyIds[1]} a session lifetime (7 days) after the roll: --retire=${keyIds[1]}`;
    else if (current !== null && opts.retire) msg = `session key ${opts.retire} retired. Roll the service`;
    else if (current !== null) msg = `session key ${keyIds[1]} staged: accepted, ${keyIds[0]} still signs. Roll the service, then: --promote=${keyIds[1]}`;
    log.info({ secret: secretId, keyIds }, msg);
  }
} catch (err) {
  log.fatal({ err: { name: err.name, message: err.message } }, 'session keys not written');
  process.exitCode = 1;
}
