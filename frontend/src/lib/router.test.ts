import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from './router';

describe('router', () => {
  it('parses hash routes', () => {
    expect(parseRoute('')).toEqual({ name: 'drop' });
    expect(parseRoute('#/')).toEqual({ name: 'drop' });
    expect(parseRoute('#/products/p-1')).toEqual({ name: 'product', id: 'p-1' });
    expect(parseRoute('#/products/a%2Fb/')).toEqual({ name: 'product', id: 'a/b' });
    expect(parseRoute('#/orders/o-1')).toEqual({ name: 'order', id: 'o-1' });
    expect(parseRoute('#/x')).toEqual({ name: 'not-found', path: '/x' });
  });

  it('round-trips paths', () => {
    expect(parseRoute(paths.product('a b/c'))).toEqual({ name: 'product', id: 'a b/c' });
    expect(parseRoute(paths.order('o'))).toEqual({ name: 'order', id: 'o' });
  });
});
