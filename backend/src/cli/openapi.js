// npm run openapi: regenerate openapi.json from the route schemas (commit the result).
import { OPENAPI_FILE, writeOpenapi } from '../openapi.js';

const changed = await writeOpenapi();
console.log(`${OPENAPI_FILE}: ${changed ? 'updated' : 'unchanged'}`);
