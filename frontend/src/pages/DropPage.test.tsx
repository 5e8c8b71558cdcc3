import { act, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { ApiError, NetworkError } from '../lib/errors';
import { currentDrop, fakeApi, services } from '../test/fixtures';

describe('drop page', () => {
  it('lists the drop’s products with price and stock state', async () => {
    render(<App services={services(fakeApi())} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Today’s drop' })).toBeInTheDocument();
    const cards = screen.getAllByRole('listitem');
    expect(cards).toHaveLength(3);

    const lantern = within(cards[0]);
    expect(lantern.getByRole('link', { name: /Paper Moon Lantern/ })).toHaveAttribute('href', '#/products/p-lantern');
    expect(lantern.getByText('€39.00')).toBeInTheDocument();
    expect(lantern.getByText('40 in stock')).toBeInTheDocument();

    expect(within(cards[1]).getByText('Only 2 left')).toBeInTheDocument();
    expect(within(cards[2]).getAllByText(/sold out/i).length).toBeGreaterThan(0);
    expect(screen.getByText(/3 products, 2 still available/)).toBeInTheDocument();
  });

  it('shows the countdown computed from the server clock, not the phone clock', async () => {
    // Server: 22:59:50, next drop 23:00:00. The phone is 5 minutes fast.
    const api = fakeApi({ getCurrentDrop: vi.fn(async () => ({ data: currentDrop(), offsetMs: -300_000 })) });
    render(<App services={services(api, () => Date.parse('2026-03-10T23:04:50.000Z'))} />);
    expect(await screen.findByRole('timer', { name: 'Next drop in' })).toHaveTextContent('00:00:10');
  });

  it('says so when there is no drop, and still counts down to the next one', async () => {
    const api = fakeApi({
      getCurrentDrop: vi.fn(async () => ({ data: currentDrop({ drop: null, nextDropAt: null, secondsUntilNextDrop: 3600 }), offsetMs: 0 })),
    });
    render(<App services={services(api)} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'No drop right now' })).toBeInTheDocument();
    expect(screen.getByRole('timer')).toHaveTextContent('01:00:00');
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
  });

  it('a shop with no event loaded (the API says event: null): says so instead of crashing', async () => {
    const api = fakeApi({
      getCurrentDrop: vi.fn(async () => ({ data: currentDrop({ event: null, drop: null, nextDropAt: null, secondsUntilNextDrop: null }), offsetMs: 0 })),
    });
    render(<App services={services(api)} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'No drop right now' })).toBeInTheDocument();
    expect(screen.getByText(/No event is scheduled/)).toBeInTheDocument();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
  });

  it('shows the reason and a retry button when the drop cannot be loaded', async () => {
    const getCurrentDrop = vi
      .fn()
      .mockRejectedValueOnce(new NetworkError())
      .mockResolvedValueOnce({ data: currentDrop(), offsetMs: 0 });
    render(<App services={services(fakeApi({ getCurrentDrop }))} />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/Could not reach the shop/);
    await act(async () => within(alert).getByRole('button', { name: 'Try again' }).click());
    expect(await screen.findByText('Paper Moon Lantern')).toBeInTheDocument();
    expect(getCurrentDrop).toHaveBeenCalledTimes(2);
  });

  it('shows the API’s message for a server error', async () => {
    const api = fakeApi({ getCurrentDrop: vi.fn().mockRejectedValue(new ApiError(503, 'unavailable', 'Database is restarting.')) });
    render(<App services={services(api)} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Database is restarting.');
  });

  it('refetches the drop when the countdown reaches midnight', async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-03-10T22:59:58.000Z'));
      const next = currentDrop({
        serverTime: '2026-03-10T23:00:01.000Z',
        drop: { ...currentDrop().drop!, id: 'drop-2', date: '2026-03-11', products: [] },
        nextDropAt: '2026-03-11T23:00:00.000Z',
      });
      const getCurrentDrop = vi
        .fn()
        .mockResolvedValueOnce({ data: currentDrop({ serverTime: '2026-03-10T22:59:58.000Z' }), offsetMs: 0 })
        .mockResolvedValue({ data: next, offsetMs: 0 });
      render(<App services={services(fakeApi({ getCurrentDrop }), () => Date.now())} />);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(10);
      });
      expect(screen.getByRole('timer')).toHaveTextContent('00:00:02');
      await act(async () => {
        await vi.advanceTimersByTimeAsync(2000 + 1300); // zero, then the jittered refetch (≤ 1.2 s)
      });
      expect(getCurrentDrop).toHaveBeenCalledTimes(2);
      expect(screen.getByRole('timer')).toHaveTextContent('23:59:5');
      expect(screen.getByText('This drop has no products.')).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });
});
