import css from '../styles.css?raw';
import { describe, expect, it } from 'vitest';

// WCAG 2 contrast of the text/background pairs the stylesheet uses, read from src/styles.css itself,
// so a colour tweak that breaks AA (4.5:1 for text) fails the build's tests.
const vars = Object.fromEntries([...css.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));
const color = (v: string) => (v.startsWith('#') ? v : vars[v] ?? (() => { throw new Error(`no --${v} in styles.css`); })());

function luminance(hex: string) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string) {
  const [hi, lo] = [luminance(color(a)), luminance(color(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('colour contrast (WCAG AA)', () => {
  it.each([
    ['ink', 'bg'],
    ['ink', 'surface'],
    ['muted', 'surface'],
    ['muted', 'bg'],
    ['on-night', 'night'],
    ['on-night-muted', 'night'],
    ['on-night-muted', 'night-2'],
    ['amber', 'night'],
    ['amber', 'night-2'],
    ['#ffffff', 'accent'],
    ['#ffffff', 'accent-hover'],
    ['#ffffff', '#6b7079'], // disabled button
    ['ok-ink', 'ok-bg'],
    ['low-ink', 'low-bg'],
    ['out-ink', 'out-bg'],
    ['#7f1d1d', 'out-bg'], // error notice
    ['#6b2a0c', '#fff4e5'], // warning notice
    ['#1d4ed8', 'bg'], // links
  ])('%s on %s ≥ 4.5:1', (fg, bg) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it('parses the stylesheet', () => {
    expect(Object.keys(vars).length).toBeGreaterThan(10);
  });
});
