// Which backend the browser talks to (shared by `npm run e2e` and `npm run screenshots`):
//   E2E_BASE_URL=http://host:port   an already-running backend serving the built site: used as is
//   E2E_BACKEND=real                start ../backend (its test-servers.sh brings MariaDB + memcached)
//   E2E_BACKEND=stand-in            start e2e/stand-in-server.mjs (the API contract, in memory)
//   default (auto)                  real if ../backend is present, else the stand-in
import { createStandIn } from './stand-in-server.mjs';
import { realBackendAvailable, startRealBackend, waitForReady } from './real-backend.mjs';

/** @returns {Promise<{url: string, kind: 'external'|'real'|'stand-in', stop: () => Promise<void>}>} */
export async function startBackend({ staticDir }) {
  const external = process.env.E2E_BASE_URL?.replace(/\/+$/, '');
  if (external) {
    await waitForReady(external, 60_000);
    return { url: external, kind: 'external', stop: async () => {} };
  }
  const wanted = process.env.E2E_BACKEND || 'auto';
  if (!['auto', 'real', 'stand-in'].includes(wanted)) throw new Error(`E2E_BACKEND must be auto, real or stand-in (got "${wanted}")`);
  if (wanted === 'real' || (wanted === 'auto' && realBackendAvailable())) {
    const b = await startRealBackend({ staticDir });
    return { url: b.url, kind: 'real', stop: b.stop };
  }
  const s = createStandIn({ staticDir });
  const url = await s.listen(0);
  return { url, kind: 'stand-in', stop: () => s.close() };
}
