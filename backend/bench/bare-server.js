// The yardstick: a bare node:http server (no framework, no database, no cache). It answers every
// route of the customer mix with a small JSON document of the same shape class (201 and a
// sessionId for POST /api/session, 201 for POST /api/orders, 200 otherwise), so the same load
// generators and scripts run against it unchanged. Measured in the same run as the backend, it
// is both the ceiling of the load generator and the reference for "backend vs bare".
import crypto from 'node:crypto';
import http from 'node:http';

const plain = JSON.stringify({ status: 'ok', serverTime: new Date().toISOString() });
const server = http.createServer((req, res) => {
  let body = plain;
  let code = 200;
  if (req.method === 'POST' && req.url === '/api/session') {
    code = 201;
    body = JSON.stringify({ sessionId: crypto.randomBytes(32).toString('base64url'), expiresAt: new Date().toISOString() });
  } else if (req.method === 'POST') {
    code = 201;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
