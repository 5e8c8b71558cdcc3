// The OpenAPI document of the API, generated from the route schemas (src/api-schema.js) by
// building the app with @fastify/swagger collecting its routes. No database, cache or network:
// the routes are registered, never called. `npm run openapi` writes it to openapi.json (committed;
// test/contract.test.js fails when the committed file differs from this).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';

export const OPENAPI_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'openapi.json');

/** The document as an object. */
async function openapiDocument() {
  const unused = new Proxy({}, { get: () => { throw new Error('openapiDocument: the app is not meant to serve requests'); } });
  const app = await buildApp({ shop: unused, cache: unused, logger: false, openapi: true });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}

/** The document as the committed file holds it. */
export async function openapiText() {
  return `${JSON.stringify(await openapiDocument(), null, 2)}\n`;
}

/** Write openapi.json; returns whether it changed. */
export async function writeOpenapi(file = OPENAPI_FILE) {
  const text = await openapiText();
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (old !== text) fs.writeFileSync(file, text);
  return old !== text;
}
