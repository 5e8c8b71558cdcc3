// The backend's JSON contract, as the backend states it: generated from backend/openapi.json
// (npm run api:types) into api.gen.ts; nothing here restates a field.
import type { components } from './api.gen';

type Schemas = components['schemas'];

export type Product = Schemas['Product'];
export type Drop = Schemas['Drop'];
export type EventInfo = Schemas['EventInfo'];
/** GET /api/drops/current */
export type CurrentDrop = Schemas['CurrentDrop'];
/** POST /api/queue and GET /api/queue/status. */
export type QueueStatus = Schemas['QueueStatus'];
/** GET /api/queue/state: the same for every buyer. */
export type QueueState = Schemas['QueueState'];
/** POST /api/queue */
export type QueueJoin = Schemas['QueueJoin'];
export type Order = Schemas['Order'];
/** POST /api/orders and GET /api/orders/:id answer {"order": Order} */
export type OrderEnvelope = Schemas['OrderEnvelope'];
/** POST /api/orders body */
export type OrderRequest = Schemas['OrderRequest'];
export type Session = Schemas['Session'];

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
