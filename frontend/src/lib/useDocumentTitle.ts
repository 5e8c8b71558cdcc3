import { useEffect } from 'react';

/** Each page names itself in the tab (and for screen readers, which announce the title on navigation). */
export function useDocumentTitle(title: string | null) {
  useEffect(() => {
    if (title) document.title = `${title} · eventmall`;
  }, [title]);
}
