import { useCallback, useEffect, useRef, useState } from 'react';

export type Resource<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'ready'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: unknown };

/**
 * Loads `load()` when `key` changes; `reload()` refetches in place (keeping the data on screen while it
 * loads, and keeping the old data if a background refresh fails).
 */
export function useResource<T>(key: string, load: () => Promise<T>): [Resource<T>, () => Promise<void>] {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const loadRef = useRef(load);
  const seq = useRef(0);
  useEffect(() => {
    loadRef.current = load;
  });

  const run = useCallback(async (background: boolean) => {
    const mine = ++seq.current;
    if (!background) setState({ status: 'loading' });
    try {
      const data = await loadRef.current();
      if (mine === seq.current) setState({ status: 'ready', data });
    } catch (error) {
      if (mine !== seq.current) return;
      setState((prev) => (background && prev.data !== undefined ? prev : { status: 'error', error, data: prev.data }));
    }
  }, []);

  useEffect(() => {
    void run(false);
    const counter = seq; // a counter, not a DOM ref: bumping it on cleanup discards late answers
    return () => {
      counter.current++;
    };
  }, [key, run]);

  const reload = useCallback(() => run(true), [run]);
  return [state, reload];
}
