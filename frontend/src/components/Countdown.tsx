import { useEffect, useRef, useState } from 'react';
import { describeCountdown, formatCountdown, msUntilNextTick, remainingMs } from '../lib/countdown';

export interface CountdownProps {
  /** when the next drop starts, in server-clock ms */
  targetServerMs: number;
  /** add to the client clock to get the server clock */
  offsetMs: number;
  /** the client clock, injected in tests */
  now: () => number;
  /** called once when the countdown reaches zero */
  onElapsed?: () => void;
  label?: string;
}

/**
 * A live countdown. Ticks are scheduled for the moment the displayed second changes (not a drifting
 * setInterval), and every tick recomputes from the clock, so a phone that slept catches up at once.
 */
export function Countdown({ targetServerMs, offsetMs, now, onElapsed, label = 'Next drop in' }: CountdownProps) {
  const [left, setLeft] = useState(() => remainingMs(targetServerMs, now(), offsetMs));
  const elapsedRef = useRef(onElapsed);
  useEffect(() => {
    elapsedRef.current = onElapsed;
  });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fired = false;
    const tick = () => {
      const r = remainingMs(targetServerMs, now(), offsetMs);
      setLeft(r);
      if (r <= 0) {
        if (!fired) {
          fired = true;
          elapsedRef.current?.();
        }
        return;
      }
      // If a timer fires a little early, the next tick simply comes 1 ms later: it self-corrects.
      timer = setTimeout(tick, msUntilNextTick(r));
    };
    tick();
    const onVisible = () => {
      if (document.visibilityState === 'visible') {
        clearTimeout(timer);
        tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [targetServerMs, offsetMs, now]);

  const text = formatCountdown(left);
  return (
    <div className="countdown">
      <span className="countdown-label" id="countdown-label">
        {label}
      </span>
      <span
        className="countdown-clock"
        role="timer"
        aria-labelledby="countdown-label"
        aria-describedby="countdown-spoken"
        data-testid="countdown"
      >
        {text}
      </span>
      <span id="countdown-spoken" className="visually-hidden">
        {describeCountdown(left)}
      </span>
    </div>
  );
}
