// Rehearsal stand-in for the edge (CloudFront), run by the deploy module in the engine: one URL
// serving the site and the API the way terraform/modules/edge routes them. The API paths
// (the module's api_path_patterns default: /api/*, /healthz, /readyz) go to the tasks at
// API_ORIGIN, uncached; everything else is read from the site bucket at SITE_ORIGIN (the
// emulator's S3), after the distribution's SPA rewrite (a path ending in / or without a dot in
// its last segment becomes /index.html). Not emulated: caching, TLS, headers policies, WAF.
import http from 'node:http';
import { Readable } from 'node:stream';

const API = process.env.API_ORIGIN;
const SITE = process.env.SITE_ORIGIN;
const PORT = Number(process.env.PORT || 8080);
const isApi = (p) => p.startsWith('/api/') || p === '/api' || p === '/healthz' || p === '/readyz';

function rewrite(pathname) {
  const last = pathname.split('/').pop();
  return pathname.endsWith('/') || !last.includes('.') ? '/index.html' : pathname;
}

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://edge');
  const api = isApi(url.pathname);
  if (!api && req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed on the site origin');
    return;
  }
  const target = api ? `${API}${url.pathname}${url.search}` : `${SITE}${rewrite(url.pathname)}`;
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.connection;
  try {
    const body = api && !['GET', 'HEAD'].includes(req.method) ? Readable.toWeb(req) : undefined;
    const up = await fetch(target, { method: req.method, headers: api ? headers : {}, body, duplex: 'half', redirect: 'manual' });
    const out = {};
    up.headers.forEach((v, k) => { if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v; });
    const setCookie = up.headers.getSetCookie?.();
    if (setCookie?.length) out['set-cookie'] = setCookie;
    out['x-edge-stand-in'] = api ? 'api' : 'site';
    res.writeHead(up.status, out);
    if (up.body && req.method !== 'HEAD') Readable.fromWeb(up.body).pipe(res);
    else res.end();
  } catch (err) {
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad_gateway', message: `${api ? 'API' : 'site'} origin: ${err.message}` } }));
  }
}).listen(PORT, '0.0.0.0', () => console.log(`edge stand-in on :${PORT} (api ${API}, site ${SITE})`));
