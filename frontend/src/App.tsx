import { useEffect, useMemo, useState } from 'react';
import { createServices, ServicesContext, type AppServices } from './lib/context';
import { parseRoute, paths, useHash } from './lib/router';
import { DropPage } from './pages/DropPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OrderPage } from './pages/OrderPage';
import { ProductPage } from './pages/ProductPage';

export function App({ services }: { services?: AppServices }) {
  const value = useMemo(() => services ?? createServices(), [services]);
  const hash = useHash();
  const route = useMemo(() => parseRoute(hash), [hash]);
  const [eventName, setEventName] = useState<string | null>(null);

  // Each page starts at the top, as a full page load would.
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [hash]);

  let page;
  switch (route.name) {
    case 'drop':
      page = <DropPage onEvent={setEventName} />;
      break;
    case 'product':
      page = <ProductPage key={route.id} id={route.id} />;
      break;
    case 'order':
      page = <OrderPage key={route.id} id={route.id} />;
      break;
    default:
      page = <NotFoundPage />;
  }

  return (
    <ServicesContext.Provider value={value}>
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <a className="brand" href={paths.drop()} aria-label="eventmall, today’s drop">
            <span className="brand-mark" aria-hidden="true">em</span>
            <span className="brand-name">eventmall</span>
          </a>
          {eventName && <span className="header-event">{eventName}</span>}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="container">
        {page}
      </main>
      <footer className="site-footer">
        <div className="container">New products every day at midnight, while stock lasts.</div>
      </footer>
    </ServicesContext.Provider>
  );
}
