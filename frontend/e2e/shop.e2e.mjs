// Browser scenarios against the built site served by the real backend (../backend) at E2E_BASE_URL.
// Run through `npm run e2e` (e2e/run.mjs).
// Products are picked from the live drop, so the same tests work with any catalogue that has a live
// drop with at least four products in stock (one of them scarce: a few units, at most 200).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';

const BASE = process.env.E2E_BASE_URL;
assert.ok(BASE, 'E2E_BASE_URL must be set (run through `npm run e2e`)');
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
mkdirSync(RESULTS, { recursive: true });
const PHONE = { width: 390, height: 844, mobile: true };
const DESKTOP = { width: 1440, height: 900 };

// ---------- API helpers (node side: "other customers" and checks) ----------
async function api(path, init = {}) {
  const res = await fetch(BASE + path, init);
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}
const currentDrop = async () => (await api('/api/drops/current')).body;
const productById = async (id) => (await api(`/api/products/${encodeURIComponent(id)}`)).body;
/** The backend caches stock reads for about a second: wait that out, then read. */
async function settledStock(id) {
  await new Promise((r) => setTimeout(r, 1300));
  return (await productById(id)).stockRemaining;
}
async function waitForStock(id, predicate, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = (await productById(id)).stockRemaining;
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`stock of ${id} never matched (last ${last})`);
}
/** Another customer (a fresh session) buys through the API. */
async function otherCustomerBuys(productId, quantity) {
  const s = await api('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(s.status, 201, `POST /api/session: ${JSON.stringify(s.body)}`);
  return api('/api/orders', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `e2e-${randomUUID()}`, 'X-Session-Id': s.body.sessionId },
    body: JSON.stringify({ productId, quantity }),
  });
}

// ---------- browser helpers ----------
let browser;
let closeBrowser;
before(async () => {
  ({ browser, close: closeBrowser } = await launchBrowser());
});
after(async () => {
  await closeBrowser?.();
});

/** A phone whose clock is wrong: 2001, whatever the day is (Playwright's clock). */
const WRONG_DEVICE_CLOCK = Date.parse('2001-02-03T04:05:06Z');

/**
 * A fresh browser profile (so a fresh shop session) per scenario; a screenshot if it fails.
 * deviceClock: the time the page's clock starts at (it then runs), instead of this machine's.
 */
async function withPage(name, viewport, fn, { deviceClock } = {}) {
  const { mobile = false, ...size } = viewport;
  // Phone scenarios run as a touch device with a mobile viewport (meta viewport honoured).
  const context = await browser.newContext({ viewport: size, isMobile: mobile, hasTouch: mobile, baseURL: BASE, deviceScaleFactor: mobile ? 2 : 1, locale: 'en-US' });
  if (deviceClock !== undefined) await context.clock.install({ time: deviceClock });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await fn(page, context);
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  } catch (err) {
    const file = join(RESULTS, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\n(screenshot: ${file}; page errors: ${JSON.stringify(pageErrors)})`;
    throw err;
  } finally {
    await context.close();
  }
}

async function openProduct(page, product) {
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Today’s drop' }).waitFor();
  await page.getByRole('link', { name: new RegExp(escapeRe(product.name)) }).click();
  await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
  assert.equal(new URL(page.url()).hash, `#/products/${encodeURIComponent(product.id)}`);
}
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const buyButton = (page) => page.locator('form.order-form button[type=submit]');
const euro = (cents, currency) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);

// ---------- the products each scenario uses (disjoint, so stock checks are exact) ----------
let drop;
let plenty; // in stock, sorted by most stock first
let scarce; // the product with the fewest units left
before(async () => {
  drop = await currentDrop();
  assert.ok(drop?.drop, `the backend must have a live drop (got ${JSON.stringify(drop)?.slice(0, 200)})`);
  const inStock = drop.drop.products.filter((p) => !p.soldOut && p.stockRemaining > 0);
  assert.ok(inStock.length >= 4, `need at least 4 products in stock, got ${inStock.length}`);
  scarce = [...inStock].sort((a, b) => a.stockRemaining - b.stockRemaining)[0];
  // Ideally a few units (a fresh catalogue has some); a backend reused by an earlier run may have sold
  // those, then the smallest stock is bought up instead.
  assert.ok(scarce.stockRemaining <= 200, `need a product with ≤ 200 units to sell out, smallest has ${scarce.stockRemaining}`);
  plenty = inStock.filter((p) => p.id !== scarce.id).sort((a, b) => b.stockRemaining - a.stockRemaining);
  console.log(`# drop ${drop.drop.id} (${drop.drop.date}, ${drop.event.timeZone}): ${drop.drop.products.length} products; scarce: ${scarce.id} (${scarce.stockRemaining} left)`);
});

describe('eventmall in a real browser', () => {
  test('browse today’s drop on a phone: products, stock states and a live countdown, from the shop’s clock (the phone’s is years off)', async () => {
    await withPage('browse drop', PHONE, async (page) => {
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Today’s drop' }).waitFor();
      assert.equal(await page.evaluate(() => new Date().getUTCFullYear()), 2001, 'the phone runs on the wrong clock');
      const fresh = await currentDrop();
      const cards = page.getByTestId('product-card');
      assert.equal(await cards.count(), fresh.drop.products.length);
      for (const p of fresh.drop.products) {
        const card = page.locator(`[data-testid=product-card][data-product-id="${p.id}"]`);
        const text = await card.innerText();
        assert.match(text, new RegExp(escapeRe(p.name)));
        assert.match(text, new RegExp(escapeRe(euro(p.priceCents, p.currency))));
        if (p.soldOut) assert.match(text, /Sold out/i);
      }

      // Countdown: HH:MM:SS close to what the server says is left, and ticking.
      const timer = page.getByRole('timer', { name: 'Next drop in' });
      const shown = await timer.innerText();
      const m = /^(?:(\d+)d )?(\d{2}):(\d{2}):(\d{2})$/.exec(shown);
      assert.ok(m, `countdown text "${shown}"`);
      const shownS = (Number(m[1] || 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4]);
      const expectedS = (Date.parse(fresh.nextDropAt) - Date.parse(fresh.serverTime)) / 1000;
      assert.ok(Math.abs(shownS - expectedS) <= 5, `countdown ${shown} vs server ${expectedS.toFixed(0)} s`);
      await page.waitForFunction((before) => document.querySelector('[role=timer]')?.textContent !== before, shown, { timeout: 3000 });

      // Responsive: nothing wider than the phone; every image described or decorative.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page overflows the phone width by ${overflow}px`);
      assert.equal(await page.locator('img:not([alt])').count(), 0);
    }, { deviceClock: WRONG_DEVICE_CLOCK });
  });

  test('open a product, order it, see the confirmation (desktop)', async () => {
    const product = plenty[0];
    const before = await settledStock(product.id);
    await withPage('order and confirm', DESKTOP, async (page, context) => {
      await openProduct(page, product);
      // After in-app navigation the new page's heading has focus (keyboard and screen-reader users).
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
      await buyButton(page).click();
      const heading = page.getByRole('heading', { level: 1, name: 'Order confirmed' });
      await heading.waitFor();
      const orderId = await page.getByTestId('order-id').innerText();
      assert.match(new URL(page.url()).hash, new RegExp(`^#/orders/`));
      assert.equal(await page.getByTestId('order-quantity').innerText(), '1');
      assert.equal(await page.getByTestId('order-total').innerText(), euro(product.priceCents, product.currency));

      // The order exists on the server for this browser's session, and a reload shows it again.
      const res = await context.request.get(`/api/orders/${encodeURIComponent(orderId)}`, {
        headers: { 'X-Session-Id': await page.evaluate(() => JSON.parse(localStorage.getItem('eventmall.session')).sessionId) },
      });
      assert.equal(res.status(), 200);
      const body = await res.json();
      assert.equal((body.order ?? body).status, 'confirmed');
      await page.reload();
      await heading.waitFor();
      assert.equal(await page.getByTestId('order-id').innerText(), orderId);
    });
    assert.equal(await waitForStock(product.id, (s) => s <= before - 1), before - 1);
  });

  test('a double tap on “Buy” places exactly one order', async () => {
    const product = plenty[1];
    const before = await settledStock(product.id);
    await withPage('double submit', PHONE, async (page) => {
      await openProduct(page, product);
      const posts = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/orders') posts.push(r.headers()['idempotency-key']);
      });
      // Three taps in the same event-loop turn, before React can re-render the button as disabled.
      await page.evaluate(() => {
        const b = document.querySelector('form.order-form button[type=submit]');
        b.click();
        b.click();
        b.click();
      });
      await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
      assert.ok(posts.length >= 1);
      assert.equal(new Set(posts).size, 1, 'every request of the attempt carries the same key');
    });
    assert.equal(await settledStock(product.id), before - 1, 'stock went down by exactly one order');
  });

  test('a lost response, then “Try again”, reuses the idempotency key and orders once', async () => {
    const product = plenty[2];
    const before = await settledStock(product.id);
    await withPage('retry after lost response', PHONE, async (page) => {
      await openProduct(page, product);
      const seen = [];
      let first = true;
      await page.route('**/api/orders', async (route) => {
        const key = route.request().headers()['idempotency-key'];
        if (first) {
          first = false;
          // The server takes the order, but the answer never reaches the phone.
          const response = await route.fetch();
          seen.push({ key, status: response.status() });
          await route.abort('connectionreset');
        } else {
          const response = await route.fetch();
          seen.push({ key, status: response.status() });
          await route.fulfill({ response });
        }
      });
      await buyButton(page).tap();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /not confirmed/);
      assert.match(await alert.innerText(), /Could not reach the shop/);
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
      assert.equal(seen.length, 2);
      assert.equal(seen[0].key, seen[1].key, 'the retry sent the same Idempotency-Key');
      assert.equal(seen[0].status, 201);
      assert.equal(seen[1].status, 200, 'the server answered the retry with the order it had made');
    });
    assert.equal(await settledStock(product.id), before - 1, 'two requests, one order');
  });

  test('ordering over the per-customer limit shows the API’s reason', async () => {
    const product = plenty[0];
    await withPage('over limit', PHONE, async (page) => {
      await openProduct(page, product);
      const limit = Math.min(product.limitPerCustomer, 10);
      await page.getByLabel('Quantity').selectOption(String(limit));
      await buyButton(page).click();
      await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();

      // Same customer, same product, one more: refused, with the server's message.
      await page.goto(`/#/products/${encodeURIComponent(product.id)}`);
      await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
      await buyButton(page).click();
      const alert = page.locator('[data-testid=order-error][data-code=limit_exceeded]');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.match(text, /Limit reached/);
      assert.ok(text.split('\n').filter(Boolean).length >= 2, `alert shows the API message: ${text}`);
      assert.ok(await alert.evaluate((el) => el === document.activeElement), 'the alert took focus');
    });
  });

  test('keyboard only: skip link, product, order, focus follows each page', async () => {
    const product = plenty[1];
    await withPage('keyboard only', DESKTOP, async (page) => {
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Today’s drop' }).waitFor();
      const focused = () => page.evaluate(() => {
        const el = document.activeElement;
        return { tag: el?.tagName, text: (el?.textContent || '').trim().slice(0, 80), id: el?.id };
      });
      await page.keyboard.press('Tab');
      assert.equal((await focused()).text, 'Skip to content', 'the first Tab reaches the skip link');
      await page.keyboard.press('Enter');
      assert.equal((await focused()).id, 'main');
      // Tab through the page until the product's link has focus, then open it.
      for (let i = 0; i < 30 && !(await focused()).text.includes(product.name); i++) await page.keyboard.press('Tab');
      assert.match((await focused()).text, new RegExp(escapeRe(product.name)));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
      assert.equal((await focused()).tag, 'H1', 'focus moved to the product page heading');
      for (let i = 0; i < 10 && !(await focused()).text.startsWith('Buy now'); i++) await page.keyboard.press('Tab');
      assert.match((await focused()).text, /^Buy now/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
      assert.deepEqual(await focused().then((f) => [f.tag, f.text]), ['H1', 'Order confirmed']);
    });
  });

  test('the last unit: its buyer loses the answer but still gets it; the next customer sees “sold out” with the API’s reason', async () => {
    await withPage('sold out - second customer', PHONE, async (late) => {
      // A second customer has the product open the whole time.
      await openProduct(late, scarce);
      assert.equal(await buyButton(late).isEnabled(), true);

      // Other customers buy all but one unit.
      let left = await waitForStock(scarce.id, () => true);
      for (let guard = 0; left > 1 && guard < 250; guard++) {
        const r = await otherCustomerBuys(scarce.id, Math.min(scarce.limitPerCustomer, left - 1));
        assert.equal(r.status, 201, `other customer's order: ${r.status} ${JSON.stringify(r.body)}`);
        left -= r.body.order.quantity;
      }
      assert.equal(left, 1);

      // The first customer buys the last unit, but the answer is lost on the way back...
      await withPage('sold out - last unit buyer', PHONE, async (page) => {
        await openProduct(page, scarce);
        const statuses = [];
        let lose = true;
        await page.route('**/api/orders', async (route) => {
          const response = await route.fetch();
          statuses.push(response.status());
          if (lose) {
            lose = false;
            await route.abort('connectionreset');
          } else {
            await route.fulfill({ response });
          }
        });
        await buyButton(page).tap();
        await page.getByText('Your order was not confirmed').waitFor();
        assert.deepEqual(statuses, [201]);

        // ...so they reload. The product is sold out now (to them), yet their open attempt can be retried.
        await new Promise((r) => setTimeout(r, 1300)); // past the backend's stock cache
        await page.reload();
        await page.getByText('You have an unfinished order').waitFor();
        const retry = page.getByRole('button', { name: 'Try again' });
        assert.equal(await retry.isEnabled(), true);
        await retry.tap();
        await page.getByRole('heading', { level: 1, name: 'Order confirmed' }).waitFor();
        assert.deepEqual(statuses, [201, 200], 'the retry was answered with the order already made');
      });

      const direct = await otherCustomerBuys(scarce.id, 1);
      assert.equal(direct.status, 409);
      assert.equal(direct.body.error.code, 'sold_out');

      // The second customer taps "Buy" on the page they had open.
      await buyButton(late).tap();
      const alert = late.locator('[data-testid=order-error][data-code=sold_out]');
      await alert.waitFor();
      const text = await alert.innerText();
      assert.match(text, /Sold out/);
      assert.ok(text.includes(direct.body.error.message), `shows the API's message "${direct.body.error.message}": ${text}`);
      // The button now says sold out and is disabled.
      await late.getByRole('button', { name: 'Sold out' }).waitFor();
      assert.equal(await buyButton(late).isDisabled(), true);

      // The drop page marks it sold out too.
      await new Promise((r) => setTimeout(r, 1300));
      await late.goto('/');
      const card = late.locator(`[data-testid=product-card][data-product-id="${scarce.id}"]`);
      await card.waitFor();
      assert.match(await card.getByTestId('stock-badge').innerText(), /Sold out/);
    });
  });
});
