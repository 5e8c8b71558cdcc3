import { useCallback, useEffect, useRef } from 'react';
import { Countdown } from '../components/Countdown';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeading } from '../components/PageHeading';
import { ProductImage } from '../components/ProductImage';
import { StockBadge } from '../components/StockBadge';
import { useServices, withKnownStock } from '../lib/context';
import { nextDropTarget, remainingMs } from '../lib/countdown';
import { formatDropDate, formatPrice, formatTimeInZone, stockLevel } from '../lib/format';
import { paths } from '../lib/router';
import type { Product } from '../lib/types';
import { useResource } from '../lib/useResource';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const REFRESH_MS = 60_000;

export function DropPage({ onEvent }: { onEvent?: (name: string) => void }) {
  const { api, now, cache } = useServices();
  const [res, reload] = useResource('drop', () => api.getCurrentDrop());
  const retries = useRef(0);
  const lastLoad = useRef(now());
  const eventName = res.status === 'ready' ? res.data.data.event?.name : undefined;
  useDocumentTitle(eventName ? `Today’s drop – ${eventName}` : 'Today’s drop');

  useEffect(() => {
    if (res.status !== 'ready') return;
    lastLoad.current = now();
    if (res.data.data.event) onEvent?.(res.data.data.event.name);
    for (const p of res.data.data.drop?.products ?? []) cache.products.set(p.id, p);
  }, [res, now, onEvent, cache]);

  // Keep stock fresh while the page is open and visible; refresh at once when it comes back to view.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, REFRESH_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible' && now() - lastLoad.current > 15_000) void reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload, now]);

  // At midnight everyone's countdown ends at once: spread the refetch over a second, and if the server
  // has not switched yet (our clock estimate was early), try again shortly.
  const onElapsed = useCallback(() => {
    const delay = 200 + Math.floor(Math.random() * 1000);
    setTimeout(() => {
      void reload();
    }, delay);
  }, [reload]);

  useEffect(() => {
    if (res.status !== 'ready') return;
    const target = nextDropTarget(res.data.data);
    if (target !== null && remainingMs(target, now(), res.data.offsetMs) <= 0 && retries.current < 5) {
      retries.current++;
      const t = setTimeout(() => void reload(), 2000);
      return () => clearTimeout(t);
    }
    retries.current = 0;
  }, [res, now, reload]);

  if (res.status === 'loading') {
    return (
      <div className="page" aria-busy="true">
        <p className="visually-hidden" role="status">
          Loading today’s drop…
        </p>
        <div className="hero hero--skeleton" />
        <ul className="grid" aria-hidden="true">
          {[0, 1, 2].map((i) => (
            <li key={i} className="card card--skeleton" />
          ))}
        </ul>
      </div>
    );
  }
  if (res.data === undefined) {
    return (
      <div className="page">
        <PageHeading>Today’s drop</PageHeading>
        <ErrorNotice error={res.error} onRetry={() => void reload()} title="Could not load today’s drop" />
      </div>
    );
  }

  const { data, offsetMs } = res.data;
  const target = nextDropTarget(data);
  const drop = data.drop;
  const products = (drop?.products ?? []).map((p) => withKnownStock(p, cache.soldOut));
  const available = products.filter((p) => stockLevel(p) !== 'sold-out').length;

  return (
    <div className="page">
      <section className="hero" aria-labelledby="drop-title">
        <div className="hero-text">
          {data.event && <p className="eyebrow">{data.event.name}</p>}
          <PageHeading className="hero-title">
            <span id="drop-title">{drop ? 'Today’s drop' : 'No drop right now'}</span>
          </PageHeading>
          {drop ? (
            <p className="hero-sub">
              {formatDropDate(drop.date)} · {products.length} {products.length === 1 ? 'product' : 'products'}
              {products.length > 0 && `, ${available} still available`}
            </p>
          ) : data.event ? (
            <p className="hero-sub">The next drop goes live at midnight. Come back when the countdown ends.</p>
          ) : (
            <p className="hero-sub">No event is scheduled right now. Please check back soon.</p>
          )}
        </div>
        {target !== null && data.event && (
          <div className="hero-countdown">
            <Countdown targetServerMs={target} offsetMs={offsetMs} now={now} onElapsed={onElapsed} />
            <p className="countdown-note">
              Next drop: {formatTimeInZone(target, data.event.timeZone)}
            </p>
          </div>
        )}
      </section>

      {drop && products.length > 0 && (
        <section aria-labelledby="products-title">
          <h2 id="products-title" className="visually-hidden">
            Products
          </h2>
          <ul className="grid" data-testid="product-grid">
            {products.map((p, i) => (
              <ProductCard key={p.id} product={p} eager={i < 2} />
            ))}
          </ul>
        </section>
      )}
      {drop && products.length === 0 && <p className="empty">This drop has no products.</p>}
    </div>
  );
}

function ProductCard({ product: p, eager }: { product: Product; eager: boolean }) {
  const soldOut = stockLevel(p) === 'sold-out';
  return (
    <li className={`card${soldOut ? ' card--sold-out' : ''}`} data-testid="product-card" data-product-id={p.id}>
      <a className="card-link" href={paths.product(p.id)}>
        <div className="card-media">
          <ProductImage src={p.imageUrl} alt="" seed={p.name} eager={eager} />
          {soldOut && (
            <span className="card-ribbon" aria-hidden="true">
              Sold out
            </span>
          )}
        </div>
        <div className="card-body">
          <h3 className="card-title">{p.name}</h3>
          <p className="card-price">{formatPrice(p.priceCents, p.currency)}</p>
          <StockBadge product={p} />
        </div>
      </a>
    </li>
  );
}
