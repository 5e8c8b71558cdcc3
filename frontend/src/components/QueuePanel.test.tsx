import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import type { CreateOrderInput } from '../lib/api';
import { currentDrop, fakeApi, services } from '../test/fixtures';

const waitingRoomDrop = () => ({ data: { ...currentDrop(), waitingRoom: true }, offsetMs: 0 });
const state = (admitted: number, soldOut = false, soldOutProducts: string[] = []) => ({ open: true, dropId: 'drop-1', secondsUntilDrop: 0, admitted, preCount: 0, inletPerSec: 2, paused: false, soldOut, soldOutProducts });

describe('waiting room on the product page', () => {
  afterEach(() => sessionStorage.clear());

  it('shows the place, then the order form once admitted; the order carries the queue token', async () => {
    // The first state document is held back until the place from the join has been seen: on a fast
    // machine it otherwise arrives before the first render is observed, and '5' is never shown.
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const getQueueState = vi.fn()
      .mockImplementationOnce(async () => { await held; return state(1); })
      .mockResolvedValue(state(5));
    const api = fakeApi({ getCurrentDrop: vi.fn(async () => waitingRoomDrop()), getQueueState });
    window.location.hash = '#/products/p-lantern';
    render(<App services={services(api)} />);
    expect(await screen.findByTestId('queue-position')).toHaveTextContent('5');
    release();
    await waitFor(() => expect(screen.getByTestId('queue-position')).toHaveTextContent('4'));
    const buy = await screen.findByRole('button', { name: /order|buy/i });
    await userEvent.click(buy);
    await waitFor(() => expect(api.createOrder).toHaveBeenCalled());
    const input = vi.mocked(api.createOrder).mock.calls[0][0] as CreateOrderInput;
    expect(input.queueToken).toBe('q2.drop-1.l.5.abcdefghijklmnop.0a1b2c3d.mac');
    expect(api.joinQueue).toHaveBeenCalledTimes(1);
  });

  it('tells a waiting buyer at once that the item sold out (other items still on sale)', async () => {
    const api = fakeApi({ getCurrentDrop: vi.fn(async () => waitingRoomDrop()), getQueueState: vi.fn(async () => state(0, false, ['p-lantern'])) });
    window.location.hash = '#/products/p-lantern';
    render(<App services={services(api)} />);
    expect(await screen.findByText(/Sold out: this item is gone/)).toBeInTheDocument();
    expect(api.createOrder).not.toHaveBeenCalled();
  });

  it('no waiting room: the order form at once, no queue', async () => {
    const api = fakeApi();
    window.location.hash = '#/products/p-lantern';
    render(<App services={services(api)} />);
    await screen.findByRole('heading', { level: 1, name: 'Paper Moon Lantern' });
    expect(screen.queryByTestId('queue-panel')).toBeNull();
    expect(api.joinQueue).not.toHaveBeenCalled();
  });
});
