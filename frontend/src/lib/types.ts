// The backend's JSON contract (see frontend/README.md "API contract").

export interface Product {
  id: string;
  dropId: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  stockTotal: number;
  stockRemaining: number;
  soldOut: boolean;
  limitPerCustomer: number;
}

export interface Drop {
  id: string;
  date: string; // YYYY-MM-DD in the event's time zone
  startsAt: string;
  endsAt: string;
  products: Product[];
}

export interface EventInfo {
  id: string;
  name: string;
  timeZone: string;
}

export interface CurrentDrop {
  serverTime: string;
  event: EventInfo;
  drop: Drop | null;
  nextDropAt: string | null;
  secondsUntilNextDrop: number | null;
  /** the drop has a waiting room: orders need an admitted queue token */
  waitingRoom?: boolean;
}

/** POST /api/queue and GET /api/queue/status. */
export interface QueueStatus {
  state: 'pre_queue' | 'waiting' | 'admitted' | 'sold_out';
  /** places ahead of this buyer plus one; null before the pre-queue's draw at the start */
  position: number | null;
  secondsUntilDrop: number;
  estimatedWaitSeconds: number;
  paused: boolean;
  soldOut: boolean;
}

/** GET /api/queue/state: the same for every buyer. */
export interface QueueState {
  open: boolean;
  dropId?: string;
  secondsUntilDrop?: number;
  admitted?: number;
  preCount?: number;
  inletPerSec?: number;
  paused?: boolean;
  soldOut?: boolean;
  /** ids of the drop's items already gone */
  soldOutProducts?: string[];
}

/**
 * A buyer's status from the shared state, when the token allows it (a place in the FIFO after the
 * start: preCount + its number - admitted); null when only the shop can tell (a pre-queue rank).
 */
export function statusFromState(queueToken: string, s: QueueState, productId?: string): QueueStatus | null {
  const [, dropId, kind, n] = queueToken.split('.');
  const gone = Boolean(s.soldOut) || (productId !== undefined && (s.soldOutProducts ?? []).includes(productId));
  if (s.open && gone) return { state: 'sold_out', position: null, secondsUntilDrop: 0, estimatedWaitSeconds: 0, paused: false, soldOut: true };
  if (!s.open || kind !== 'l' || dropId !== s.dropId) return null;
  const place = Math.max(0, (s.preCount ?? 0) + Number(n) - (s.admitted ?? 0));
  return {
    state: place === 0 ? 'admitted' : 'waiting',
    position: place,
    secondsUntilDrop: s.secondsUntilDrop ?? 0,
    estimatedWaitSeconds: place ? Math.ceil(place / Math.max(1, s.inletPerSec ?? 1)) : 0,
    paused: Boolean(s.paused),
    soldOut: Boolean(s.soldOut),
  };
}

export interface QueueJoin extends QueueStatus {
  queueToken: string;
}

export interface Order {
  id: string;
  productId: string;
  quantity: number;
  totalCents: number;
  currency: string;
  status: string;
  createdAt: string;
}

export interface Session {
  sessionId: string;
  expiresAt: string;
}
