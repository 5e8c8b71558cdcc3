import { useEffect, useRef, type ReactNode } from 'react';
import { hasNavigated } from '../lib/router';

/**
 * The page's h1. After an in-app navigation it takes focus, so keyboard and screen-reader users start
 * at the new page's title instead of being left on a link that no longer exists.
 */
export function PageHeading({ children, className }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (hasNavigated()) ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={className}>
      {children}
    </h1>
  );
}
