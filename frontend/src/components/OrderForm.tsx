import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useServices } from '../lib/context';
import { ApiError, isRetryable } from '../lib/errors';
import { formatPrice, stockLevel } from '../lib/format';
import { clearAttempt, loadAttempt, startAttempt, type OrderAttempt } from '../lib/orderAttempt';
import type { Order, Product } from '../lib/types';
import { errorMessage } from './ErrorNotice';

type Status =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  /** the server may or may not have taken the order: retrying with the same key is safe */
  | { kind: 'uncertain'; error: unknown }
  /** the server said no: a new press starts a new attempt */
  | { kind: 'refused'; error: ApiError };

const TITLES: Record<string, string> = {
  sold_out: 'Sold out',
  limit_exceeded: 'Limit reached',
  not_on_sale: 'Not on sale',
  session_required: 'Session expired',
  idempotency_key_reused: 'Please try again',
};

export interface OrderFormProps {
  product: Product;
  onOrdered: (order: Order) => void;
  /** the server refused for a reason that changes what the page should show (sold out, not on sale) */
  onStale?: () => void;
  /** the admitted waiting-room token (drops with a waiting room) */
  queueToken?: string;
}

export function OrderForm({ product, onOrdered, onStale, queueToken }: OrderFormProps) {
  const { api, cache } = useServices();
  const id = useId();
  // An attempt left unresolved by a lost answer or a reload is picked up again, with its key.
  const [resumed] = useState(() => loadAttempt(product.id));
  const attemptRef = useRef<OrderAttempt | null>(resumed);
  const inFlight = useRef(false);
  const alertRef = useRef<HTMLDivElement>(null);
  const [quantity, setQuantity] = useState(resumed?.quantity ?? 1);
  const [status, setStatus] = useState<Status>(resumed ? { kind: 'uncertain', error: null } : { kind: 'idle' });

  // "Sold out" may be this customer's own order whose answer got lost: an open attempt can always be
  // retried (the server answers a replayed key with the order it made, even after the sell-out).
  const soldOut = stockLevel(product) === 'sold-out' && status.kind !== 'uncertain';
  const maxQty = Math.max(1, Math.min(product.limitPerCustomer || 1, product.stockRemaining || 1, 10));
  const submitting = status.kind === 'submitting';
  const uncertain = status.kind === 'uncertain';

  useEffect(() => {
    if (status.kind === 'refused' || (status.kind === 'uncertain' && status.error)) alertRef.current?.focus();
  }, [status]);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    // A second tap while the first request is out does nothing; even if it got through, it would carry
    // the same key and the server would answer with the same order.
    if (inFlight.current || soldOut) return;
    inFlight.current = true;
    const attempt = attemptRef.current ?? startAttempt(product.id, quantity);
    attemptRef.current = attempt;
    setStatus({ kind: 'submitting' });
    try {
      const { order } = await api.createOrder({
        productId: attempt.productId,
        quantity: attempt.quantity,
        idempotencyKey: attempt.key,
        ...(queueToken ? { queueToken } : {}),
      });
      clearAttempt(product.id);
      attemptRef.current = null;
      cache.orders.set(order.id, order);
      cache.products.set(product.id, product);
      onOrdered(order);
    } catch (err) {
      if (isRetryable(err) || !(err instanceof ApiError)) {
        setStatus({ kind: 'uncertain', error: err });
      } else {
        clearAttempt(product.id);
        attemptRef.current = null;
        setStatus({ kind: 'refused', error: err });
        // A refusal of a single unit means none is left; for more it may mean "not that many".
        if (err.code === 'sold_out' && attempt.quantity === 1) cache.soldOut.add(product.id);
        if (err.code === 'sold_out' || err.code === 'not_on_sale') onStale?.();
      }
    } finally {
      inFlight.current = false;
    }
  }

  const total = formatPrice(product.priceCents * quantity, product.currency);
  const buttonLabel = submitting ? 'Placing order…' : uncertain ? 'Try again' : soldOut ? 'Sold out' : `Buy now · ${total}`;

  return (
    <form className="order-form" onSubmit={submit} aria-describedby={`${id}-limit`} noValidate>
      <div className="field">
        <label htmlFor={`${id}-qty`}>Quantity</label>
        <select
          id={`${id}-qty`}
          name="quantity"
          value={quantity}
          disabled={soldOut || submitting || uncertain}
          onChange={(e) => {
            setQuantity(Number(e.target.value));
            if (status.kind === 'refused') setStatus({ kind: 'idle' });
          }}
        >
          {Array.from({ length: maxQty }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      <p id={`${id}-limit`} className="hint">
        Limit {product.limitPerCustomer} per customer.
      </p>

      <button type="submit" className="button button--primary button--block" disabled={soldOut || submitting} aria-disabled={soldOut || submitting}>
        {submitting && <span className="spinner" aria-hidden="true" />}
        {buttonLabel}
      </button>

      <div aria-live="polite" className="order-status">
        {submitting && <span className="visually-hidden">Placing your order…</span>}
      </div>

      {status.kind === 'uncertain' && (
        <div className="notice notice--warning" role="alert" tabIndex={-1} ref={alertRef} data-testid="order-error">
          <p className="notice-title">{status.error ? 'Your order was not confirmed' : 'You have an unfinished order'}</p>
          <p>
            {status.error ? errorMessage(status.error) : `An order for ${attemptRef.current?.quantity ?? quantity} was started but not confirmed.`}{' '}
            Trying again is safe: it can never place a second order.
          </p>
        </div>
      )}
      {status.kind === 'refused' && (
        <div
          className={`notice ${status.error.code === 'sold_out' ? 'notice--error' : 'notice--warning'}`}
          role="alert"
          tabIndex={-1}
          ref={alertRef}
          data-testid="order-error"
          data-code={status.error.code}
        >
          <p className="notice-title">{TITLES[status.error.code] ?? 'Order not placed'}</p>
          <p>{status.error.message}</p>
        </div>
      )}
    </form>
  );
}
