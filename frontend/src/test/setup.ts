import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';

// jsdom does not implement scrolling.
window.scrollTo = (() => {}) as typeof window.scrollTo;

afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  window.location.hash = '';
});
