import { useSyncExternalStore } from 'react';

/**
 * Hash routing (#/, #/products/:id, #/orders/:id): works from a plain S3 bucket behind CloudFront and
 * from any static server with no SPA-fallback rule, and a deep link never 404s.
 */
export type Route =
  | { name: 'drop' }
  | { name: 'product'; id: string }
  | { name: 'order'; id: string }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { name: 'drop' };
  let m = /^\/products\/([^/]+)$/.exec(path);
  if (m) return { name: 'product', id: decodeURIComponent(m[1]) };
  m = /^\/orders\/([^/]+)$/.exec(path);
  if (m) return { name: 'order', id: decodeURIComponent(m[1]) };
  return { name: 'not-found', path };
}

export const paths = {
  drop: () => '#/',
  product: (id: string) => `#/products/${encodeURIComponent(id)}`,
  order: (id: string) => `#/orders/${encodeURIComponent(id)}`,
};

let navigations = 0;

function subscribe(cb: () => void) {
  const onChange = () => {
    navigations++;
    cb();
  };
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

export function useHash(): string {
  return useSyncExternalStore(subscribe, getHash, () => '');
}

export function useRoute(): Route {
  return parseRoute(useHash());
}

export function navigate(hash: string) {
  if (window.location.hash === hash) return;
  window.location.hash = hash;
}

/** True once the user has moved between pages (the first page load keeps the browser's focus). */
export function hasNavigated(): boolean {
  return navigations > 0;
}
