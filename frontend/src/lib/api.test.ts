import { describe, expect, it, vi } from 'vitest';
import { createApi } from './api';
import { ApiError, NetworkError } from './errors';
import { IDEMPOTENCY_KEY_PATTERN, newIdempotencyKey } from './idempotency';
import { jsonResponse, order } from '../test/fixtures';

type Call = { url: string; init: RequestInit };

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m };
}

function scripted(responses: Array<(call: Call) => Response | Promise<Response>>) {
  const calls: Call[] = [];
  const fetchImpl = vi.fn(async (url: RequestInfo | URL, init: RequestInit = {}) => {
    const call = { url: String(url), init };
    calls.push(call);
    const next = responses.shift();
    if (!next) throw new Error(`unexpected fetch ${String(url)}`);
    return next(call);
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, calls };
}

const header = (c: Call, name: string) => (c.init.headers as Record<string, string>)[name];
const session = () => jsonResponse(201, { sessionId: 'sess-1', expiresAt: '2099-01-01T00:00:00.000Z' });

describe('api client', () => {
  it('uses the relative /api base and estimates the clock offset from the drop response', async () => {
    let clock = 1_000_000;
    const { fetchImpl, calls } = scripted([
      () => {
        clock += 200; // 200 ms round trip
        return jsonResponse(200, { serverTime: new Date(1_000_100 + 60_000).toISOString(), event: { id: 'e', name: 'E', timeZone: 'UTC' }, drop: null, nextDropAt: null, secondsUntilNextDrop: null });
      },
    ]);
    const api = createApi({ fetch: fetchImpl, storage: null, now: () => clock });
    const { offsetMs, data } = await api.getCurrentDrop();
    expect(calls[0].url).toBe('/api/drops/current');
    expect(data.drop).toBeNull();
    expect(offsetMs).toBe(60_000);
  });

  it('creates a session once, stores it, and sends it as X-Session-Id with the idempotency key', async () => {
    const storage = memoryStorage();
    const { fetchImpl, calls } = scripted([session, () => jsonResponse(201, { order: order() }), () => jsonResponse(201, { order: order({ id: 'ord-2' }) })]);
    const api = createApi({ fetch: fetchImpl, storage, now: () => Date.parse('2026-01-01T00:00:00Z') });

    const a = await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-aaaaaaaa' });
    const b = await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-bbbbbbbb' });

    expect(a.order.id).toBe('ord-1');
    expect(a.replayed).toBe(false);
    expect(b.order.id).toBe('ord-2');
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['POST /api/session', 'POST /api/orders', 'POST /api/orders']);
    expect(header(calls[1], 'X-Session-Id')).toBe('sess-1');
    expect(header(calls[1], 'Idempotency-Key')).toBe('key-aaaaaaaa');
    expect(calls[1].init.credentials).toBe('same-origin');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ productId: 'p-lantern', quantity: 1 });
    expect(JSON.parse(storage.m.get('eventmall.session')!)).toMatchObject({ sessionId: 'sess-1' });
  });

  it('shares one session request between concurrent callers', async () => {
    const { fetchImpl, calls } = scripted([session]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    const [a, b] = await Promise.all([api.ensureSession(), api.ensureSession()]);
    expect(a).toBe(b);
    expect(calls).toHaveLength(1);
  });

  it('reports a 200 answer as a replay of the same order', async () => {
    const { fetchImpl } = scripted([session, () => jsonResponse(200, { order: order() })]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    const r = await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-aaaaaaaa' });
    expect(r.replayed).toBe(true);
  });

  it('renews an expired session on 401 session_required and retries with the SAME key', async () => {
    const storage = memoryStorage();
    storage.setItem('eventmall.session', JSON.stringify({ sessionId: 'old', expiresAt: '2099-01-01T00:00:00Z' }));
    const { fetchImpl, calls } = scripted([
      () => jsonResponse(401, { error: { code: 'session_required', message: 'Session expired.' } }),
      () => jsonResponse(201, { sessionId: 'new', expiresAt: '2099-01-01T00:00:00Z' }),
      () => jsonResponse(201, { order: order() }),
    ]);
    const api = createApi({ fetch: fetchImpl, storage });
    await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-aaaaaaaa' });
    expect(header(calls[0], 'X-Session-Id')).toBe('old');
    expect(header(calls[2], 'X-Session-Id')).toBe('new');
    expect(header(calls[0], 'Idempotency-Key')).toBe('key-aaaaaaaa');
    expect(header(calls[2], 'Idempotency-Key')).toBe('key-aaaaaaaa');
  });

  it('retries a 503 (outcome unknown) by itself with the SAME key, after Retry-After, then reports the replayed order', async () => {
    const unknown = () => new Response(JSON.stringify({ error: { code: 'order_outcome_unknown', message: 'We could not confirm whether your order was placed.' } }), { status: 503, headers: { 'Content-Type': 'application/json', 'Retry-After': '2' } });
    const { fetchImpl, calls } = scripted([session, unknown, unknown, () => jsonResponse(200, { order: order() })]);
    const waits: number[] = [];
    const api = createApi({ fetch: fetchImpl, storage: null, sleep: async (ms) => void waits.push(ms) });
    const r = await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-503-retry' });
    expect(r.replayed).toBe(true);
    expect(r.order.id).toBe('ord-1');
    const orders = calls.filter((c) => c.url === '/api/orders');
    expect(orders).toHaveLength(3);
    expect(orders.map((c) => header(c, 'Idempotency-Key'))).toEqual(['key-503-retry', 'key-503-retry', 'key-503-retry']);
    expect(waits).toEqual([2000, 2000]);
  });

  it('gives up after the automatic retries with a retryable error (the customer may try again, same key)', async () => {
    const unavailable = () => jsonResponse(503, { error: { code: 'service_unavailable', message: 'The shop is temporarily unavailable, please retry in a moment.' } });
    const { fetchImpl, calls } = scripted([session, unavailable, unavailable, unavailable]);
    const api = createApi({ fetch: fetchImpl, storage: null, sleep: async () => {} });
    const err = await api.createOrder({ productId: 'p-lantern', quantity: 1, idempotencyKey: 'key-503-giveup' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).retryable).toBe(true);
    expect(calls.filter((c) => c.url === '/api/orders')).toHaveLength(3);
  });

  it('renews a session that is about to expire before using it', async () => {
    const storage = memoryStorage();
    storage.setItem('eventmall.session', JSON.stringify({ sessionId: 'old', expiresAt: '2026-01-01T00:00:30Z' }));
    const { fetchImpl, calls } = scripted([session]);
    const api = createApi({ fetch: fetchImpl, storage, now: () => Date.parse('2026-01-01T00:00:00Z') });
    expect((await api.ensureSession()).sessionId).toBe('sess-1');
    expect(calls).toHaveLength(1);
  });

  it.each([
    [409, 'sold_out', 'Sorry, this product is sold out.'],
    [429, 'limit_exceeded', 'You can buy at most 2.'],
    [409, 'not_on_sale', 'This product is not on sale yet.'],
    [422, 'idempotency_key_reused', 'Key reused.'],
  ])('turns %i %s into an ApiError carrying the API message', async (status, code, message) => {
    const { fetchImpl } = scripted([session, () => jsonResponse(status, { error: { code, message, field: 'quantity' } })]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    const err = await api.createOrder({ productId: 'p', quantity: 1, idempotencyKey: 'key-aaaaaaaa' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status, code, message, field: 'quantity', retryable: false });
  });

  it('treats a 5xx with a non-JSON body as retryable with a friendly message', async () => {
    const { fetchImpl } = scripted([() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    const err = await api.getProduct('p').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('http_502');
    expect(err.message).toMatch(/trouble/);
  });

  it('turns a failed fetch into a retryable NetworkError', async () => {
    const { fetchImpl } = scripted([
      () => {
        throw new TypeError('Failed to fetch');
      },
    ]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    const err = await api.getProduct('p').catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.retryable).toBe(true);
  });

  it('times out a request that never answers', async () => {
    const fetchImpl = ((_url: string, init: RequestInit) =>
      new Promise((_ok, fail) => init.signal?.addEventListener('abort', () => fail(new DOMException('aborted', 'AbortError'))))) as unknown as typeof fetch;
    const api = createApi({ fetch: fetchImpl, storage: null, timeoutMs: 20 });
    await expect(api.getProduct('p')).rejects.toBeInstanceOf(NetworkError);
  });

  it('escapes ids in paths and reads GET /orders/:id from its envelope', async () => {
    const { fetchImpl, calls } = scripted([session, () => jsonResponse(200, { order: order({ id: 'a/b' }) })]);
    const api = createApi({ fetch: fetchImpl, storage: null });
    expect((await api.getOrder('a/b')).id).toBe('a/b');
    expect(calls[1].url).toBe('/api/orders/a%2Fb');
  });
});

describe('idempotency keys', () => {
  it('match the API contract and are unique', () => {
    const keys = new Set(Array.from({ length: 200 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(200);
    for (const k of keys) expect(k).toMatch(IDEMPOTENCY_KEY_PATTERN);
  });

  it('work without crypto.randomUUID', () => {
    const k = newIdempotencyKey({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => a });
    expect(k).toMatch(IDEMPOTENCY_KEY_PATTERN);
    expect(newIdempotencyKey(undefined)).toMatch(IDEMPOTENCY_KEY_PATTERN);
  });
});
