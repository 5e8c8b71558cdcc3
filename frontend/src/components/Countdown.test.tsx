import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Countdown } from './Countdown';

describe('<Countdown>', () => {
  // Time is injected: the component reads the clock only through `now`, which follows Vitest's fake clock.
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-10T22:59:57.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  const target = Date.parse('2026-03-10T23:00:00.000Z');
  const now = () => Date.now();

  it('shows the time left and ticks every second', () => {
    render(<Countdown targetServerMs={target} offsetMs={0} now={now} />);
    const timer = screen.getByRole('timer', { name: 'Next drop in' });
    expect(timer).toHaveTextContent('00:00:03');
    act(() => void vi.advanceTimersByTime(1000));
    expect(timer).toHaveTextContent('00:00:02');
    act(() => void vi.advanceTimersByTime(1000));
    expect(timer).toHaveTextContent('00:00:01');
  });

  it('calls onElapsed exactly once when it reaches zero', () => {
    const onElapsed = vi.fn();
    render(<Countdown targetServerMs={target} offsetMs={0} now={now} onElapsed={onElapsed} />);
    act(() => void vi.advanceTimersByTime(2999));
    expect(onElapsed).not.toHaveBeenCalled();
    act(() => void vi.advanceTimersByTime(100));
    expect(screen.getByRole('timer')).toHaveTextContent('00:00:00');
    expect(onElapsed).toHaveBeenCalledTimes(1);
    act(() => void vi.advanceTimersByTime(10_000));
    expect(onElapsed).toHaveBeenCalledTimes(1);
  });

  it('counts in server time: a phone clock 1 hour behind still ends at the server midnight', () => {
    vi.setSystemTime(new Date('2026-03-10T21:59:57.000Z')); // phone 1 h slow
    const onElapsed = vi.fn();
    render(<Countdown targetServerMs={target} offsetMs={3600_000} now={now} onElapsed={onElapsed} />);
    expect(screen.getByRole('timer')).toHaveTextContent('00:00:03');
    act(() => void vi.advanceTimersByTime(3100));
    expect(onElapsed).toHaveBeenCalledTimes(1);
  });

  it('catches up after the phone slept (timers paused) instead of drifting', () => {
    render(<Countdown targetServerMs={Date.parse('2026-03-11T01:00:00Z')} offsetMs={0} now={now} />);
    expect(screen.getByRole('timer')).toHaveTextContent('02:00:03');
    // The clock jumps 30 minutes without timers firing, then the page becomes visible again.
    vi.setSystemTime(new Date('2026-03-10T23:29:57.000Z'));
    act(() => void document.dispatchEvent(new Event('visibilitychange')));
    expect(screen.getByRole('timer')).toHaveTextContent('01:30:03');
  });

  it('offers a spoken description', () => {
    render(<Countdown targetServerMs={Date.parse('2026-03-11T04:04:57Z')} offsetMs={0} now={now} />);
    expect(screen.getByRole('timer')).toHaveAccessibleDescription('5 hours 5 minutes');
  });
});
