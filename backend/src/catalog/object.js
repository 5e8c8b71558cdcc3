// A published catalogue object: what a catalogue-only deploy loads (.dagger/catalogue, stage
// publish-catalogue), named by the sha256 of its bytes,
//   s3://<state bucket>/<environment>/catalogue/<sha256>.json
//   {"format":"eventmall-catalogue/1","files":{"<name>.json":"<the file's exact text>", ...}}
// The loader (src/cli/catalog-load.js with CATALOG_OBJECT) refuses bytes that do not match the
// name, then writes the files into a fresh directory and validates them there exactly as a
// catalogue directory is validated (errors name file, item and field) before anything is loaded.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const OBJECT_FORMAT = 'eventmall-catalogue/1';
const NAME_RE = /^[^./\\][^/\\]*\.json$/;
const KEY_RE = /(?:^|\/)catalogue\/([0-9a-f]{64})\.json$/;

/** The object is not what its name says, or not a catalogue object. Nothing was loaded. */
export class CatalogObjectError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CatalogObjectError';
  }
}

/** s3://bucket/key → {bucket, key, digest} (the digest is the name's). */
export function parseObjectUri(uri) {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri || '');
  if (!m) throw new CatalogObjectError(`CATALOG_OBJECT=${JSON.stringify(uri)}: want s3://<bucket>/<environment>/catalogue/<sha256>.json`);
  const [, bucket, key] = m;
  const d = KEY_RE.exec(key);
  if (!d) throw new CatalogObjectError(`CATALOG_OBJECT ${uri}: the name is not catalogue/<sha256>.json`);
  return { bucket, key, digest: d[1] };
}

/** The files of an object, after checking its bytes against its name and its layout. */
export function catalogFromObject(uri, bytes) {
  const { digest } = parseObjectUri(uri);
  const got = crypto.createHash('sha256').update(bytes).digest('hex');
  if (got !== digest) {
    throw new CatalogObjectError(`catalogue object ${uri} refused: its bytes hash to sha256 ${got}, not the ${digest} of its name`);
  }
  let doc;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new CatalogObjectError(`catalogue object ${uri} is not JSON: ${e.message}`);
  }
  if (doc?.format !== OBJECT_FORMAT) {
    throw new CatalogObjectError(`catalogue object ${uri}: format ${JSON.stringify(doc?.format)}, want "${OBJECT_FORMAT}"`);
  }
  const files = doc.files;
  if (!files || typeof files !== 'object' || Array.isArray(files) || Object.keys(files).length === 0) {
    throw new CatalogObjectError(`catalogue object ${uri}: no files`);
  }
  for (const [name, text] of Object.entries(files)) {
    if (!NAME_RE.test(name)) throw new CatalogObjectError(`catalogue object ${uri}: ${JSON.stringify(name)} is not a *.json file name`);
    if (typeof text !== 'string') throw new CatalogObjectError(`catalogue object ${uri}: ${name} is not a file's text`);
  }
  return { digest, files };
}

/** Writes the files into a fresh directory named catalog (errors then read catalog/<file>). */
export function materializeCatalog(files) {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'em-catalog-object-')), 'catalog');
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Reads an object from S3 (the task role's credentials; AWS_ENDPOINT_URL_S3 for an emulator). */
export async function getS3Object({ bucket, key }, { region, endpoint } = {}) {
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: region || 'us-east-1', ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body.transformToByteArray());
  } catch (err) {
    throw new CatalogObjectError(`reading s3://${bucket}/${key}: ${err.name || 'error'}: ${err.message}`);
  } finally {
    client.destroy();
  }
}

/** Fetches, checks and writes out the object; returns {dir, digest} for the load. */
export async function catalogDirFromObject(uri, { get = getS3Object, region, endpoint } = {}) {
  const where = parseObjectUri(uri);
  const bytes = await get(where, { region, endpoint });
  const { digest, files } = catalogFromObject(uri, bytes);
  return { dir: materializeCatalog(files), digest };
}
