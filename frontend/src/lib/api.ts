import { ApiError, NetworkError } from './errors';
import { clockOffsetMs } from './countdown';
import type { CurrentDrop, Order, OrderEnvelope, OrderRequest, Product, QueueJoin, QueueState, QueueStatus, Session } from './types';

/** Relative on purpose: the same build works behind CloudFront (/api/* → ALB) and in local preview. */
export const API_BASE = '/api';
const SESSION_KEY = 'eventmall.session';
const DEFAULT_TIMEOUT_MS = 15_000;

export interface ApiDeps {
  fetch: typeof fetch;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  now: () => number;
  timeoutMs: number;
  /** waits between automatic retries of an order the server could not confirm (injectable for tests) */
  sleep: (ms: number) => Promise<void>;
}

/**
 * A 503 on POST /api/orders means "outcome unknown, retry with the same key": the order may or may
 * not have been placed, and the same Idempotency-Key can never place a second one. The client
 * retries it by itself this many times (after Retry-After, capped) before asking the customer.
 */
export const ORDER_503_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 3_000;

export interface CurrentDropResult {
  data: CurrentDrop;
  /** add to the client clock to get the server clock */
  offsetMs: number;
}

export interface CreateOrderInput {
  productId: string;
  quantity: number;
  idempotencyKey: string;
  /** the admitted waiting-room token, when the drop has a waiting room */
  queueToken?: string;
}

export interface CreateOrderResult {
  order: Order;
  /** true when the server answered 200: the key had been used and this is the order it made then */
  replayed: boolean;
}

function safeStorage(): ApiDeps['storage'] {
  try {
    const s = globalThis.localStorage;
    const probe = '__em_probe__';
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return null; // private mode, storage disabled: keep the session in memory only
  }
}

async function parseError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `The shop answered with status ${res.status}.`;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    if (body && typeof body.error === 'object' && body.error) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string' && body.error.message) message = body.error.message;
      if (typeof body.error.field === 'string') field = body.error.field;
    }
  } catch {
    // not JSON (a proxy's HTML error page, an empty body): keep the status-based message
    if (res.status >= 500) message = 'The shop is having trouble right now. Please try again.';
  }
  return new ApiError(res.status, code, message, field);
}

export function createApi(overrides: Partial<ApiDeps> = {}) {
  const deps: ApiDeps = {
    fetch: overrides.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args)),
    storage: overrides.storage !== undefined ? overrides.storage : safeStorage(),
    now: overrides.now ?? (() => Date.now()),
    timeoutMs: overrides.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    sleep: overrides.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms))),
  };

  let session: Session | null = null;
  let pendingSession: Promise<Session> | null = null;

  function loadSession(): Session | null {
    if (session) return session;
    try {
      const raw = deps.storage?.getItem(SESSION_KEY);
      if (raw) {
        const s = JSON.parse(raw) as Session;
        if (typeof s.sessionId === 'string' && typeof s.expiresAt === 'string') session = s;
      }
    } catch {
      /* corrupt entry: ignore */
    }
    return session;
  }

  function sessionValid(s: Session | null): s is Session {
    if (!s) return false;
    const exp = Date.parse(s.expiresAt);
    // Renew a minute early; an unparseable expiry is trusted until the server says otherwise.
    return Number.isNaN(exp) || exp - 60_000 > deps.now();
  }

  function forgetSession() {
    session = null;
    try {
      deps.storage?.removeItem(SESSION_KEY);
    } catch {
      /* ignore */
    }
  }

  async function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deps.timeoutMs);
    try {
      return await deps.fetch(`${API_BASE}${path}`, {
        ...init,
        credentials: 'same-origin',
        signal: controller.signal,
        headers: { Accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      });
    } catch {
      throw new NetworkError();
    } finally {
      clearTimeout(timer);
    }
  }

  async function createSession(): Promise<Session> {
    const res = await rawFetch('/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    if (!res.ok) throw await parseError(res);
    const s = (await res.json()) as Session;
    session = s;
    try {
      deps.storage?.setItem(SESSION_KEY, JSON.stringify(s));
    } catch {
      /* quota or disabled: memory only */
    }
    return s;
  }

  /** The current session, creating one (once, even when several requests ask at the same time). */
  function ensureSession(): Promise<Session> {
    const s = loadSession();
    if (sessionValid(s)) return Promise.resolve(s);
    if (!pendingSession) {
      pendingSession = createSession().finally(() => {
        pendingSession = null;
      });
    }
    return pendingSession;
  }

  /** A request that needs the session; on 401 session_required it renews the session and retries once. */
  async function withSession(path: string, init: RequestInit = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const s = await ensureSession();
      const res = await rawFetch(path, {
        ...init,
        headers: { ...(init.headers as Record<string, string> | undefined), 'X-Session-Id': s.sessionId },
      });
      if (res.status === 401 && attempt === 0) {
        const err = await parseError(res);
        if (err.code === 'session_required' || err.code === 'session_expired' || err.code === 'http_401') {
          forgetSession();
          continue;
        }
        throw err;
      }
      return res;
    }
  }

  async function json<T>(res: Response): Promise<T> {
    if (!res.ok) throw await parseError(res);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The shop sent an answer we could not read. Please try again.');
    }
  }

  return {
    ensureSession,

    async getCurrentDrop(): Promise<CurrentDropResult> {
      const requestStartedAt = deps.now();
      const res = await rawFetch('/drops/current', { cache: 'no-store' });
      const responseReceivedAt = deps.now();
      const data = await json<CurrentDrop>(res);
      return { data, offsetMs: clockOffsetMs({ serverTime: data.serverTime, requestStartedAt, responseReceivedAt }) };
    },

    async getProduct(id: string): Promise<Product> {
      const res = await rawFetch(`/products/${encodeURIComponent(id)}`, { cache: 'no-store' });
      return json<Product>(res);
    },

    async createOrder(input: CreateOrderInput): Promise<CreateOrderResult> {
      let res: Response;
      for (let attempt = 0; ; attempt++) {
        // Always the same key: across these retries and across a session renewal on 401.
        res = await withSession('/orders', {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Idempotency-Key': input.idempotencyKey,
            ...(input.queueToken ? { 'X-Queue-Token': input.queueToken } : {}),
          },
          body: JSON.stringify({ productId: input.productId, quantity: input.quantity } satisfies OrderRequest),
        });
        if (res.status !== 503 || attempt >= ORDER_503_RETRIES) break;
        const after = Number(res.headers.get('Retry-After'));
        await deps.sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 1000, MAX_RETRY_WAIT_MS));
      }
      const body = await json<OrderEnvelope>(res);
      return { order: body.order, replayed: res.status === 200 };
    },

    /** Join the drop's waiting room (once per session: the token is kept for the tab's life). */
    async joinQueue(): Promise<QueueJoin> {
      const res = await withSession('/queue', { method: 'POST' });
      return json<QueueJoin>(res);
    },

    /** The one document every waiting buyer reads (cached 1 s at the edge). */
    async getQueueState(): Promise<QueueState> {
      const res = await rawFetch('/queue/state');
      return json<QueueState>(res);
    },

    async getQueueStatus(queueToken: string, productId?: string): Promise<QueueStatus> {
      const q = productId ? `?productId=${encodeURIComponent(productId)}` : '';
      const res = await withSession(`/queue/status${q}`, { cache: 'no-store', headers: { 'X-Queue-Token': queueToken } });
      return json<QueueStatus>(res);
    },

    async getOrder(id: string): Promise<Order> {
      const res = await withSession(`/orders/${encodeURIComponent(id)}`, { cache: 'no-store' });
      return (await json<OrderEnvelope>(res)).order;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
