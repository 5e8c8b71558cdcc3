import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { ApiError } from '../lib/errors';
import { fakeApi, order, services } from '../test/fixtures';

describe('order confirmation page', () => {
  it('loads an order by id (e.g. after a reload) with its product', async () => {
    window.location.hash = '#/orders/ord-9';
    const api = fakeApi({ getOrder: vi.fn(async () => order({ id: 'ord-9', quantity: 2, totalCents: 7800 })) });
    render(<App services={services(api)} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Order confirmed' })).toBeInTheDocument();
    expect(screen.getByTestId('order-id')).toHaveTextContent('ord-9');
    expect(screen.getByTestId('order-quantity')).toHaveTextContent('2');
    expect(screen.getByTestId('order-total')).toHaveTextContent('€78.00');
    expect(await screen.findByText('Paper Moon Lantern')).toBeInTheDocument();
    expect(api.getProduct).toHaveBeenCalledWith('p-lantern');
  });

  it('says when the order does not exist', async () => {
    window.location.hash = '#/orders/nope';
    render(<App services={services(fakeApi({ getOrder: vi.fn().mockRejectedValue(new ApiError(404, 'not_found', 'No such order.')) }))} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Order not found' })).toBeInTheDocument();
  });
});

describe('app shell', () => {
  it('has a skip link, a landmark structure and a page title', async () => {
    render(<App services={services(fakeApi())} />);
    await screen.findByRole('heading', { level: 1, name: 'Today’s drop' });
    expect(screen.getByRole('link', { name: 'Skip to content' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toBeInTheDocument();
    expect(screen.getByRole('banner')).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe('Today’s drop – Midnight Market · eventmall'));
  });

  it('shows not found for unknown routes', async () => {
    window.location.hash = '#/nowhere';
    render(<App services={services(fakeApi())} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
  });
});
