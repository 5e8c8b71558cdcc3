import { useCallback, useEffect } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { OrderForm } from '../components/OrderForm';
import { QueuePanel } from '../components/QueuePanel';
import { PageHeading } from '../components/PageHeading';
import { ProductImage } from '../components/ProductImage';
import { StockBadge, StockMeter } from '../components/StockBadge';
import { useServices, withKnownStock } from '../lib/context';
import { ApiError } from '../lib/errors';
import { formatPrice } from '../lib/format';
import { navigate, paths } from '../lib/router';
import type { Order } from '../lib/types';
import { useResource } from '../lib/useResource';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function ProductPage({ id }: { id: string }) {
  const { api, cache } = useServices();
  const [res, reload] = useResource(`product:${id}`, () => api.getProduct(id));
  // The drop says whether it has a waiting room (edge-cached, the same document as the drop page's).
  const [drop] = useResource('drop:current', () => api.getCurrentDrop());
  const waitingRoom = drop.status === 'ready' && drop.data.data.waitingRoom;
  useDocumentTitle(res.status === 'ready' ? res.data.name : res.status === 'error' ? 'Product not available' : null);

  useEffect(() => {
    if (res.status === 'ready') cache.products.set(res.data.id, res.data);
  }, [res, cache]);

  const onOrdered = useCallback((order: Order) => navigate(paths.order(order.id)), []);
  const onStale = useCallback(() => void reload(), [reload]);

  const back = (
    <a className="back-link" href={paths.drop()}>
      <span aria-hidden="true">←</span> Back to today’s drop
    </a>
  );

  if (res.status === 'loading') {
    return (
      <div className="page" aria-busy="true">
        {back}
        <p role="status" className="loading">
          Loading product…
        </p>
      </div>
    );
  }
  if (res.data === undefined) {
    const notFound = res.error instanceof ApiError && res.error.status === 404;
    return (
      <div className="page">
        {back}
        <PageHeading>{notFound ? 'Product not found' : 'Could not load this product'}</PageHeading>
        {notFound ? (
          <p>This product is not part of any drop. It may have been removed.</p>
        ) : (
          <ErrorNotice error={res.error} onRetry={() => void reload()} title="Could not load this product" />
        )}
      </div>
    );
  }

  const p = withKnownStock(res.data, cache.soldOut);
  return (
    <div className="page">
      {back}
      <article className="product" data-testid="product-page" data-product-id={p.id}>
        <div className="product-media">
          <ProductImage src={p.imageUrl} alt={p.name} eager className="product-image--large" />
        </div>
        <div className="product-info">
          <PageHeading className="product-title">{p.name}</PageHeading>
          <p className="product-price">{formatPrice(p.priceCents, p.currency)}</p>
          <div className="product-stock">
            <StockBadge product={p} />
            {!p.soldOut && p.stockTotal > 0 && (
              <span className="stock-of">
                {p.stockRemaining} of {p.stockTotal} left
              </span>
            )}
          </div>
          <StockMeter product={p} />
          <p className="product-description">{p.description}</p>
          {waitingRoom && !p.soldOut ? (
            <QueuePanel productId={p.id}>{(queueToken) => <OrderForm key={p.id} product={p} onOrdered={onOrdered} onStale={onStale} queueToken={queueToken} />}</QueuePanel>
          ) : (
            <OrderForm key={p.id} product={p} onOrdered={onOrdered} onStale={onStale} />
          )}
        </div>
      </article>
    </div>
  );
}
