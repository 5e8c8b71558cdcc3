import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeading } from '../components/PageHeading';
import { useServices } from '../lib/context';
import { ApiError } from '../lib/errors';
import { formatDateTime, formatPrice } from '../lib/format';
import { paths } from '../lib/router';
import type { Order, Product } from '../lib/types';
import { useResource } from '../lib/useResource';
import { useDocumentTitle } from '../lib/useDocumentTitle';

interface Loaded {
  order: Order;
  product: Product | null;
}

export function OrderPage({ id }: { id: string }) {
  const { api, cache } = useServices();
  const [res, reload] = useResource<Loaded>(`order:${id}`, async () => {
    const order = cache.orders.get(id) ?? (await api.getOrder(id));
    cache.orders.set(order.id, order);
    let product = cache.products.get(order.productId) ?? null;
    if (!product) {
      try {
        product = await api.getProduct(order.productId);
      } catch {
        product = null; // the confirmation does not depend on it
      }
    }
    return { order, product };
  });
  useDocumentTitle(res.status === 'ready' ? 'Order confirmed' : res.status === 'error' ? 'Order not available' : null);

  if (res.status === 'loading') {
    return (
      <div className="page" aria-busy="true">
        <p role="status" className="loading">
          Loading your order…
        </p>
      </div>
    );
  }
  if (res.data === undefined) {
    const notFound = res.error instanceof ApiError && res.error.status === 404;
    return (
      <div className="page">
        <PageHeading>{notFound ? 'Order not found' : 'Could not load your order'}</PageHeading>
        {!notFound && <ErrorNotice error={res.error} onRetry={() => void reload()} title="Could not load your order" />}
        <p>
          <a href={paths.drop()}>Back to today’s drop</a>
        </p>
      </div>
    );
  }

  const { order, product } = res.data;
  return (
    <div className="page">
      <section className="confirmation" data-testid="order-confirmation" data-order-id={order.id}>
        <div className="confirmation-icon" aria-hidden="true">
          ✓
        </div>
        <PageHeading className="confirmation-title">Order confirmed</PageHeading>
        <p className="confirmation-sub">Thank you! Your order is reserved.</p>
        <dl className="summary">
          <div>
            <dt>Order number</dt>
            <dd data-testid="order-id">{order.id}</dd>
          </div>
          <div>
            <dt>Product</dt>
            <dd>{product ? product.name : order.productId}</dd>
          </div>
          <div>
            <dt>Quantity</dt>
            <dd data-testid="order-quantity">{order.quantity}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd data-testid="order-total">{formatPrice(order.totalCents, order.currency)}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd className="status-pill">{order.status}</dd>
          </div>
          <div>
            <dt>Placed</dt>
            <dd>{formatDateTime(order.createdAt)}</dd>
          </div>
        </dl>
        <a className="button button--secondary" href={paths.drop()}>
          Back to today’s drop
        </a>
      </section>
    </div>
  );
}
