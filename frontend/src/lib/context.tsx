import { createContext, useContext } from 'react';
import { createApi, type Api } from './api';
import type { Order, Product } from './types';

export interface AppServices {
  api: Api;
  /** the client clock; injected in tests */
  now: () => number;
  /** what the order flow learned, so the confirmation page renders without a round trip */
  cache: {
    orders: Map<string, Order>;
    products: Map<string, Product>;
    /**
     * Products the server refused as sold out. Stock only goes down during a drop, so this outranks a
     * product read that may come from a cache a second older than the refusal.
     */
    soldOut: Set<string>;
  };
}

export function createServices(overrides: Partial<AppServices> = {}): AppServices {
  return {
    api: overrides.api ?? createApi(),
    now: overrides.now ?? (() => Date.now()),
    cache: overrides.cache ?? { orders: new Map(), products: new Map(), soldOut: new Set() },
  };
}

/** The product as the page should show it: sold out if the server has already refused it as such. */
export function withKnownStock<T extends Product>(p: T, soldOut: Set<string>): T {
  return soldOut.has(p.id) && !p.soldOut ? { ...p, soldOut: true, stockRemaining: 0 } : p;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}
