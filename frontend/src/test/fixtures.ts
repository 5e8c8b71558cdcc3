import { vi } from 'vitest';
import { createServices, type AppServices } from '../lib/context';
import type { Api } from '../lib/api';
import type { CurrentDrop, Order, Product } from '../lib/types';

export function product(over: Partial<Product> = {}): Product {
  return {
    id: 'p-lantern',
    dropId: 'drop-1',
    name: 'Paper Moon Lantern',
    description: 'A lantern.',
    priceCents: 3900,
    currency: 'EUR',
    imageUrl: '/images/p-lantern.svg',
    stockTotal: 40,
    stockRemaining: 40,
    soldOut: false,
    limitPerCustomer: 2,
    ...over,
  };
}

export function currentDrop(over: Partial<CurrentDrop> = {}): CurrentDrop {
  return {
    serverTime: '2026-03-10T22:59:50.000Z',
    event: { id: 'evt', name: 'Midnight Market', timeZone: 'Europe/Berlin' },
    drop: {
      id: 'drop-1',
      date: '2026-03-10',
      startsAt: '2026-03-09T23:00:00.000Z',
      endsAt: '2026-03-10T23:00:00.000Z',
      products: [
        product(),
        product({ id: 'p-mug', name: 'Enamel Camp Mug', stockTotal: 3, stockRemaining: 2, limitPerCustomer: 5 }),
        product({ id: 'p-vinyl', name: 'Limited Vinyl', stockTotal: 10, stockRemaining: 0, soldOut: true }),
      ],
    },
    nextDropAt: '2026-03-10T23:00:00.000Z',
    secondsUntilNextDrop: 10,
    waitingRoom: false,
    ...over,
  };
}

export function order(over: Partial<Order> = {}): Order {
  return {
    id: 'ord-1',
    productId: 'p-lantern',
    quantity: 1,
    totalCents: 3900,
    currency: 'EUR',
    status: 'confirmed',
    createdAt: '2026-03-10T22:59:55.000Z',
    ...over,
  };
}

export function fakeApi(over: Partial<Api> = {}): Api {
  return {
    ensureSession: vi.fn(async () => ({ sessionId: 's-1', expiresAt: '2099-01-01T00:00:00Z' })),
    getCurrentDrop: vi.fn(async () => ({ data: currentDrop(), offsetMs: 0 })),
    getProduct: vi.fn(async (id: string) => product({ id })),
    createOrder: vi.fn(async () => ({ order: order(), replayed: false })),
    getOrder: vi.fn(async (id: string) => order({ id })),
    joinQueue: vi.fn(async () => ({ queueToken: 'q2.drop-1.l.5.abcdefghijklmnop.0a1b2c3d.mac', state: 'waiting', position: 5, secondsUntilDrop: 0, estimatedWaitSeconds: 1, paused: false, soldOut: false })),
    getQueueState: vi.fn(async () => ({ open: true, dropId: 'drop-1', secondsUntilDrop: 0, admitted: 0, preCount: 0, inletPerSec: 10, paused: false, soldOut: false })),
    getQueueStatus: vi.fn(async () => ({ state: 'waiting', position: 5, secondsUntilDrop: 0, estimatedWaitSeconds: 1, paused: false, soldOut: false })),
    ...over,
  } as Api;
}

export function services(api: Api, now: () => number = () => Date.parse('2026-03-10T22:59:50.000Z')): AppServices {
  return createServices({ api, now });
}

/** A Response like fetch returns. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
