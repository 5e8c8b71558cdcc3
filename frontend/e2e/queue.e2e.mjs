// The waiting room on a phone, against the real backend with its waiting room on
// (E2E_QUEUE_BASE_URL: WAITING_ROOM=on, WAITING_ROOM_INLET_PER_SEC=1; the Dagger check binds it as
// `queue`). Run through `npm run e2e` (e2e/run.mjs).
//
// Time: the phone's own clock is set years off (Playwright's clock), so everything the page shows
// about time (the drop's countdown, the wait) must come from what the shop says (serverTime,
// secondsUntilNextDrop, the queue's place and inlet), never from the device's clock; the test
// compares with the shop's answers, never with this machine's clock. Admission moves at the shop's
// inlet, one buyer a second: the test waits for it (bounded), it does not assert on durations.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';

const BASE = process.env.E2E_QUEUE_BASE_URL;
assert.ok(BASE, 'E2E_QUEUE_BASE_URL must be set: a backend with WAITING_ROOM=on (run through `npm run e2e`)');
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
mkdirSync(RESULTS, { recursive: true });
const PHONE = { width: 390, height: 844 };
/** A phone whose clock is wrong: 2001, whatever the day is. */
const WRONG_DEVICE_CLOCK = Date.parse('2001-02-03T04:05:06Z');
// Buyers who join before the phone's buyer: at the inlet's one a second, the phone's buyer waits
// about AHEAD seconds, which the checks on the waiting page must fit in on a loaded machine (with 8,
// a gate run at load 20+ saw the buyer admitted, and the panel gone, before its layout was measured).
const AHEAD = 24;

async function api(path, init = {}) {
  const res = await fetch(BASE + path, init);
  return { status: res.status, body: await res.json().catch(() => null) };
}
/** Another buyer, from an address of their own (as CloudFront reports it), joins the queue. */
async function otherBuyerJoins(i) {
  const address = { 'CloudFront-Viewer-Address': `198.51.100.${10 + i}:443` };
  const s = await api('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json', ...address }, body: '{}' });
  assert.equal(s.status, 201, `POST /api/session: ${JSON.stringify(s.body)}`);
  const j = await api('/api/queue', { method: 'POST', headers: { 'X-Session-Id': s.body.sessionId, ...address } });
  assert.equal(j.status, 201, `POST /api/queue: ${JSON.stringify(j.body)}`);
  return j.body;
}
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let browser;
let closeBrowser;
let drop;
let product;
before(async () => {
  ({ browser, close: closeBrowser } = await launchBrowser());
  drop = (await api('/api/drops/current')).body;
  assert.equal(drop?.waitingRoom, true, `the queue backend must have its waiting room on (got ${JSON.stringify(drop)?.slice(0, 200)})`);
  assert.ok(drop.drop, 'the queue backend must have a live drop');
  product = drop.drop.products.filter((p) => !p.soldOut && p.stockRemaining > 0).sort((a, b) => b.stockRemaining - a.stockRemaining)[0];
  assert.ok(product, 'a product in stock');
});
after(async () => {
  await closeBrowser?.();
});

describe('the waiting room on a phone', () => {
  test('product page on a phone: the queue panel shows the place and the wait, then the order form once admitted; the order carries the queue token', async () => {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2, baseURL: BASE, locale: 'en-US' });
    await context.clock.install({ time: WRONG_DEVICE_CLOCK });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      // The drop page's countdown comes from the shop's clock, not the phone's.
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Today’s drop' }).waitFor();
      assert.equal(await page.evaluate(() => new Date().getUTCFullYear()), 2001, 'the phone runs on the wrong clock');
      const fresh = (await api('/api/drops/current')).body;
      const shown = await page.getByRole('timer', { name: 'Next drop in' }).innerText();
      const m = /^(?:(\d+)d )?(\d{2}):(\d{2}):(\d{2})$/.exec(shown);
      assert.ok(m, `countdown text "${shown}"`);
      const shownS = (Number(m[1] || 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4]);
      assert.ok(Math.abs(shownS - fresh.secondsUntilNextDrop) <= 5, `countdown ${shown} on a phone set to 2001 vs the shop's ${fresh.secondsUntilNextDrop} s`);

      // The product page: the queue panel instead of the order form, behind buyers who came first.
      for (let i = 0; i < AHEAD; i++) await otherBuyerJoins(i);
      await page.getByRole('link', { name: new RegExp(escapeRe(product.name)) }).click();
      await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
      const panel = page.getByTestId('queue-panel');
      await panel.waitFor();
      const position = page.getByTestId('queue-position');
      await position.waitFor();
      // What the waiting page shows, read at one instant (the turn may come at any moment after).
      const seen = await page.evaluate(() => {
        const panelEl = document.querySelector('[data-testid="queue-panel"]');
        const positionEl = document.querySelector('[data-testid="queue-position"]');
        if (!panelEl || !positionEl) return null;
        const r = panelEl.getBoundingClientRect();
        return {
          place: positionEl.innerText, text: panelEl.innerText, box: { x: r.x, width: r.width },
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          orderForms: document.querySelectorAll('form.order-form').length, imagesWithoutAlt: document.querySelectorAll('img:not([alt])').length,
        };
      });
      assert.ok(seen, 'the queue panel was gone before it could be read: admitted already');
      const place = Number(seen.place);
      assert.ok(place >= 1 && place <= AHEAD + 1, `place ${place} behind the ${AHEAD} buyers who came first`);
      assert.match(seen.text, /Your place in the queue: \d+ \(about 00:00:\d\d\)/, 'the wait, from the place and the shop\'s inlet (1 a second)');
      assert.equal(seen.orderForms, 0, 'no order form before the turn comes');

      // Laid out for the phone: nothing wider than the screen, the panel and its place fully visible.
      assert.ok(seen.overflow <= 0, `the product page overflows the phone width by ${seen.overflow}px`);
      assert.ok(seen.box.x >= 0 && seen.box.x + seen.box.width <= PHONE.width, `queue panel ${JSON.stringify(seen.box)} inside the ${PHONE.width}px screen`);
      assert.equal(seen.imagesWithoutAlt, 0);

      // Admitted at the inlet's pace: the order form replaces the panel.
      const orders = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/orders') orders.push(r.headers()['x-queue-token']);
      });
      const buy = page.locator('form.order-form button[type=submit]');
      await buy.waitFor({ timeout: (AHEAD + 15) * 1000 });
      assert.equal(await panel.count(), 0, 'the panel is gone once admitted');
      const target = await buy.boundingBox();
      assert.ok(target && target.height >= 44 && target.x + target.width <= PHONE.width, `the Buy button ${JSON.stringify(target)} is a full touch target on the screen`);
      await buy.tap();
      await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
      assert.equal(orders.length, 1);
      assert.match(orders[0] ?? '', /^q2\./, 'the order carried the admitted queue token');
      assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    } catch (err) {
      const file = join(RESULTS, `queue-on-a-phone-${randomUUID().slice(0, 8)}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      err.message += `\n(screenshot: ${file}; page errors: ${JSON.stringify(pageErrors)})`;
      throw err;
    } finally {
      await context.close();
    }
  });
});
