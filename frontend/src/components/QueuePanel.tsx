import { useEffect, useState, type ReactNode } from 'react';
import { useServices } from '../lib/context';
import { formatCountdown } from '../lib/countdown';
import { statusFromState, type QueueJoin, type QueueStatus } from '../lib/types';
import { ErrorNotice } from './ErrorNotice';

const POLL_MS = 1000;
const TOKEN_KEY = 'eventmall.queue';

function storedToken(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

function storeToken(t: string) {
  try {
    globalThis.sessionStorage?.setItem(TOKEN_KEY, t);
  } catch {
    /* private mode: memory only */
  }
}

export interface QueuePanelProps {
  /** rendered once this buyer is admitted, with the token the order must carry */
  children: (queueToken: string) => ReactNode;
  /** the item the buyer waits for: "sold out" as soon as it is gone */
  productId?: string;
  /** poll interval, injected in tests */
  pollMs?: number;
}

/**
 * The waiting room: joins once (the token survives a reload of the tab), then shows the place in the
 * queue, the countdown to the drop and the estimated wait, refreshed every second; the order form
 * appears when the buyer is admitted, and "sold out" replaces the wait as soon as the shop says so.
 */
export function QueuePanel({ children, productId, pollMs = POLL_MS }: QueuePanelProps) {
  const { api } = useServices();
  const [token, setToken] = useState<string | null>(() => storedToken());
  const [status, setStatus] = useState<QueueStatus | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const step = async () => {
      try {
        let t = token;
        let st: QueueStatus;
        if (!t) {
          const j: QueueJoin = await api.joinQueue();
          t = j.queueToken;
          storeToken(t);
          if (!stop) setToken(t);
          st = j;
        } else {
          // a place in the FIFO is computed from the edge-cached shared state; a pre-queue rank asks
          st = statusFromState(t, await api.getQueueState(), productId) ?? (await api.getQueueStatus(t, productId));
        }
        if (stop) return;
        setStatus(st);
        setError(null);
        if (st.state === 'admitted' || st.state === 'sold_out') return;
      } catch (err) {
        if (!stop) setError(err);
      }
      if (!stop) timer = setTimeout(step, pollMs);
    };
    void step();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [api, token, pollMs, productId]);

  if (status?.state === 'admitted' && token) return <>{children(token)}</>;
  return (
    <section className="queue" aria-live="polite" data-testid="queue-panel">
      <h2 className="queue-title">Waiting room</h2>
      {status?.state === 'sold_out' ? (
        <p className="queue-sold-out" role="status">
          Sold out: this item is gone. Thank you for waiting.
        </p>
      ) : status?.state === 'pre_queue' ? (
        <p role="status">
          You are in the pre-queue. The drop starts in <strong>{formatCountdown(status.secondsUntilDrop * 1000)}</strong>;
          then everyone who came early gets a place drawn at random, so there is no need to hurry.
        </p>
      ) : status ? (
        <p role="status">
          Your place in the queue: <strong data-testid="queue-position">{status.position}</strong>
          {status.estimatedWaitSeconds > 0 && <> (about {formatCountdown(status.estimatedWaitSeconds * 1000)})</>}.
          {status.paused && ' The queue is paused for a moment while the shop catches up.'}
        </p>
      ) : (
        <p role="status" className="loading">
          Joining the queue…
        </p>
      )}
      {error !== null && <ErrorNotice error={error} title="Could not refresh your place" />}
    </section>
  );
}
