import '@testing-library/jest-dom/vitest';
import { configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor wait up to 10 s, not 1 s: the gate runs every check at once on a 2-core
// machine, and at load 57 the queue panel's first render took longer than the default
// (QueuePanel.test.tsx failed there). A test that never gets its state still fails.
configure({ asyncUtilTimeout: 10_000 });

// jsdom does not implement scrolling.
window.scrollTo = (() => {}) as typeof window.scrollTo;

afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  window.location.hash = '';
});
