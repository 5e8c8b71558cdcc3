// The backend the browser talks to (shared by `npm run e2e` and `npm run screenshots`): the real
// API serving the built site (its STATIC_DIR=frontend/dist), already running at E2E_BASE_URL —
// started by ci/test.sh on the host, by the Dagger module as the `shop` service, or by hand
// (backend/README.md "Run it"). Nothing here starts or imitates one.

/** Wait until `${url}/readyz` answers 200. */
export async function waitForReady(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) return;
      last = `readyz ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`backend at ${url} not ready after ${timeoutMs} ms (${last})`);
}

/**
 * @param {{queue?: boolean}} [o] queue: also the backend with its waiting room on (E2E_QUEUE_BASE_URL)
 * @returns {Promise<{url: string, queueUrl?: string}>} the backend at E2E_BASE_URL (and the queue
 *   one), once ready
 */
export async function connectBackend({ queue = false } = {}) {
  const url = process.env.E2E_BASE_URL?.replace(/\/+$/, '');
  if (!url) {
    throw new Error('E2E_BASE_URL is not set: start the backend serving the built site (backend/README.md "Run it", '
      + 'STATIC_DIR=frontend/dist), then E2E_BASE_URL=http://127.0.0.1:8080 npm run e2e');
  }
  if (!queue) {
    await waitForReady(url);
    return { url };
  }
  const queueUrl = process.env.E2E_QUEUE_BASE_URL?.replace(/\/+$/, '');
  if (!queueUrl) {
    throw new Error('E2E_QUEUE_BASE_URL is not set: start a second backend serving the built site with WAITING_ROOM=on '
      + 'and WAITING_ROOM_INLET_PER_SEC=1 (its own DB_NAME, another PORT), then E2E_QUEUE_BASE_URL=http://127.0.0.1:8081 npm run e2e');
  }
  await Promise.all([waitForReady(url), waitForReady(queueUrl)]);
  return { url, queueUrl };
}
