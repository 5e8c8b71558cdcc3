import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import type { CreateOrderInput } from '../lib/api';
import { ApiError, NetworkError } from '../lib/errors';
import { IDEMPOTENCY_KEY_PATTERN } from '../lib/idempotency';
import { fakeApi, order, product, services } from '../test/fixtures';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

async function openProduct(api = fakeApi()) {
  window.location.hash = '#/products/p-lantern';
  render(<App services={services(api)} />);
  await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
  return api;
}

describe('product page and order flow', () => {
  it('shows the product with price, stock and limit, with a labelled quantity', async () => {
    await openProduct();
    expect(screen.getByText('€39.00')).toBeInTheDocument();
    expect(screen.getByText('40 of 40 left')).toBeInTheDocument();
    expect(screen.getByText('Limit 2 per customer.')).toBeInTheDocument();
    const qty = screen.getByLabelText('Quantity');
    expect(within(qty).length).toBe(2); // 1..limit
    expect(screen.getByRole('img', { name: 'Paper Moon Lantern' })).toBeInTheDocument();
    // The title is set in an effect, which may run after the heading paints.
    await waitFor(() => expect(document.title).toBe('Paper Moon Lantern · eventmall'));
  });

  it('orders and lands on the confirmation, focused on its heading', async () => {
    const api = await openProduct();
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Quantity'), '2');
    vi.mocked(api.createOrder).mockResolvedValue({ order: order({ quantity: 2, totalCents: 7800 }), replayed: false });
    await user.click(screen.getByRole('button', { name: 'Buy now · €78.00' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Order confirmed' });
    expect(window.location.hash).toBe('#/orders/ord-1');
    expect(heading).toHaveFocus();
    expect(screen.getByTestId('order-total')).toHaveTextContent('€78.00');
    expect(screen.getByText('Paper Moon Lantern')).toBeInTheDocument();
    expect(api.getOrder).not.toHaveBeenCalled(); // the confirmation uses what the order call returned
    const input = vi.mocked(api.createOrder).mock.calls[0][0];
    expect(input).toMatchObject({ productId: 'p-lantern', quantity: 2 });
    expect(input.idempotencyKey).toMatch(IDEMPOTENCY_KEY_PATTERN);
  });

  it('sends ONE request for a double tap', async () => {
    const d = deferred<{ order: ReturnType<typeof order>; replayed: boolean }>();
    const api = await openProduct(fakeApi({ createOrder: vi.fn(() => d.promise) }));
    const button = screen.getByRole('button', { name: /Buy now/ });
    act(() => {
      button.click();
      button.click(); // same tick: before React re-renders the button as disabled
    });
    expect(screen.getByRole('button', { name: /Placing order/ })).toBeDisabled();
    await act(async () => d.resolve({ order: order(), replayed: false }));
    await screen.findByRole('heading', { name: 'Order confirmed' });
    expect(api.createOrder).toHaveBeenCalledTimes(1);
  });

  it('retries a failed attempt with the SAME idempotency key, and a new order gets a new key', async () => {
    const createOrder = vi
      .fn<(i: CreateOrderInput) => Promise<{ order: ReturnType<typeof order>; replayed: boolean }>>()
      .mockRejectedValueOnce(new NetworkError())
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'Try again in a moment.'))
      .mockResolvedValueOnce({ order: order(), replayed: true });
    await openProduct(fakeApi({ createOrder }));
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: /Buy now/ }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your order was not confirmed');
    expect(alert).toHaveTextContent(/Could not reach the shop/);
    expect(alert).toHaveTextContent(/never place a second order/);
    expect(alert).toHaveFocus();
    expect(screen.getByLabelText('Quantity')).toBeDisabled(); // the attempt is fixed until it resolves

    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Try again in a moment.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { name: 'Order confirmed' });

    const keys = createOrder.mock.calls.map(([i]) => i.idempotencyKey);
    expect(new Set(keys).size).toBe(1);
    expect(sessionStorage.length).toBe(0); // the finished attempt is forgotten

    // Ordering again later is a new attempt with a new key.
    window.location.hash = '#/products/p-lantern';
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    createOrder.mockResolvedValueOnce({ order: order({ id: 'ord-2' }), replayed: false });
    await user.click(screen.getByRole('button', { name: /Buy now/ }));
    await waitFor(() => expect(window.location.hash).toBe('#/orders/ord-2'));
    expect(createOrder.mock.calls[3][0].idempotencyKey).not.toBe(keys[0]);
  });

  it('keeps an unconfirmed attempt across a reload and offers to finish it with the same key', async () => {
    const createOrder = vi.fn().mockRejectedValueOnce(new NetworkError());
    const first = render(<App services={services(fakeApi({ createOrder }))} />);
    window.location.hash = '#/products/p-lantern';
    await act(async () => window.dispatchEvent(new HashChangeEvent('hashchange')));
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    await userEvent.click(screen.getByRole('button', { name: /Buy now/ }));
    await screen.findByText('Your order was not confirmed');
    first.unmount();

    const createOrder2 = vi.fn().mockResolvedValue({ order: order(), replayed: true });
    render(<App services={services(fakeApi({ createOrder: createOrder2 }))} />);
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    expect(screen.getByText('You have an unfinished order')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { name: 'Order confirmed' });
    expect(createOrder2.mock.calls[0][0].idempotencyKey).toBe(createOrder.mock.calls[0][0].idempotencyKey);
  });

  it('lets an unconfirmed attempt be retried even when the product now shows sold out (it may be ours)', async () => {
    const createOrder = vi.fn().mockRejectedValueOnce(new NetworkError());
    const first = render(<App services={services(fakeApi({ createOrder, getProduct: vi.fn(async () => product({ stockRemaining: 1, stockTotal: 5 })) }))} />);
    window.location.hash = '#/products/p-lantern';
    await act(async () => window.dispatchEvent(new HashChangeEvent('hashchange')));
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    await userEvent.click(screen.getByRole('button', { name: /Buy now/ }));
    await screen.findByText('Your order was not confirmed');
    first.unmount();

    // Reload: the last unit is gone (to this very customer, the answer was lost).
    const createOrder2 = vi.fn().mockResolvedValue({ order: order(), replayed: true });
    render(<App services={services(fakeApi({ createOrder: createOrder2, getProduct: vi.fn(async () => product({ stockRemaining: 0, stockTotal: 5, soldOut: true })) }))} />);
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    const retry = screen.getByRole('button', { name: 'Try again' });
    expect(retry).toBeEnabled();
    await userEvent.click(retry);
    await screen.findByRole('heading', { name: 'Order confirmed' });
    expect(createOrder2.mock.calls[0][0].idempotencyKey).toBe(createOrder.mock.calls[0][0].idempotencyKey);
  });

  it('shows the API’s reason when the product sold out, and refreshes the product', async () => {
    const getProduct = vi
      .fn()
      .mockResolvedValueOnce(product())
      .mockResolvedValue(product({ stockRemaining: 0, soldOut: true }));
    const createOrder = vi.fn().mockRejectedValue(new ApiError(409, 'sold_out', 'Sorry, this product is sold out.', 'productId'));
    await openProduct(fakeApi({ getProduct, createOrder }));
    await userEvent.click(screen.getByRole('button', { name: /Buy now/ }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Sold out');
    expect(alert).toHaveTextContent('Sorry, this product is sold out.');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sold out' })).toBeDisabled());
    expect(getProduct).toHaveBeenCalledTimes(2);
  });

  it('trusts a sold-out refusal over a product read that is a moment stale (server-side cache)', async () => {
    const getProduct = vi.fn().mockResolvedValue(product({ stockRemaining: 1, stockTotal: 5 })); // stale: still says 1 left
    const createOrder = vi.fn().mockRejectedValue(new ApiError(409, 'sold_out', '"Paper Moon Lantern" is sold out.', 'productId'));
    await openProduct(fakeApi({ getProduct, createOrder }));
    await userEvent.click(screen.getByRole('button', { name: /Buy now/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('"Paper Moon Lantern" is sold out.');
    await waitFor(() => expect(getProduct).toHaveBeenCalledTimes(2));
    expect(screen.getByRole('button', { name: 'Sold out' })).toBeDisabled();
    expect(screen.queryByText(/1 left/)).not.toBeInTheDocument();
    // …and the drop page agrees.
    window.location.hash = '#/';
    expect(await screen.findByRole('heading', { level: 1, name: 'Today’s drop' })).toBeInTheDocument();
    const card = screen.getByRole('link', { name: /Paper Moon Lantern/ });
    expect(card).toHaveTextContent('Sold out');
  });

  it('shows the over-limit reason and lets the customer lower the quantity with a new attempt', async () => {
    const createOrder = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(429, 'limit_exceeded', 'You can buy at most 2 (you already have 1).', 'quantity'))
      .mockResolvedValueOnce({ order: order(), replayed: false });
    await openProduct(fakeApi({ createOrder }));
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Quantity'), '2');
    await user.click(screen.getByRole('button', { name: /Buy now/ }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Limit reached');
    expect(alert).toHaveTextContent('You can buy at most 2 (you already have 1).');
    await user.selectOptions(screen.getByLabelText('Quantity'), '1');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /Buy now/ }));
    await screen.findByRole('heading', { name: 'Order confirmed' });
    const [a, b] = createOrder.mock.calls.map(([i]) => i);
    expect(a.quantity).toBe(2);
    expect(b.quantity).toBe(1);
    expect(a.idempotencyKey).not.toBe(b.idempotencyKey);
  });

  it('shows not-on-sale with the API’s message', async () => {
    const createOrder = vi.fn().mockRejectedValue(new ApiError(409, 'not_on_sale', 'This product goes on sale at midnight.'));
    await openProduct(fakeApi({ createOrder }));
    await userEvent.click(screen.getByRole('button', { name: /Buy now/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This product goes on sale at midnight.');
  });

  it('disables ordering for a sold-out product', async () => {
    await openProduct(fakeApi({ getProduct: vi.fn(async () => product({ stockRemaining: 0, soldOut: true })) }));
    expect(screen.getByRole('button', { name: 'Sold out' })).toBeDisabled();
  });

  it('says when a product does not exist', async () => {
    window.location.hash = '#/products/nope';
    render(<App services={services(fakeApi({ getProduct: vi.fn().mockRejectedValue(new ApiError(404, 'not_found', 'No such product.')) }))} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Product not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Back to today’s drop/ })).toHaveAttribute('href', '#/');
  });
});

function within(select: HTMLElement) {
  return (select as HTMLSelectElement).options;
}
