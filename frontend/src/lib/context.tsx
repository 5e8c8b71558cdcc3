import { createContext, useContext } from 'react';
import { createApi, type Api } from './api';
import type { Order, Product } from './types';

export interface AppServices {
  api: Api;
  /** the client clock; injected in tests */
  now: () => number;
  /** what the order flow learned, so the confirmation page renders without a round trip */
  cache: { orders: Map<string, Order>; products: Map<string, Product> };
}

export function createServices(overrides: Partial<AppServices> = {}): AppServices {
  return {
    api: overrides.api ?? createApi(),
    now: overrides.now ?? (() => Date.now()),
    cache: overrides.cache ?? { orders: new Map(), products: new Map() },
  };
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}
