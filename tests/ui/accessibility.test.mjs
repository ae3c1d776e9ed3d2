// Accessibility as people meet it: every page fits a phone-sized screen and names each of its
// controls; a person using only the keyboard finds a product, puts it in the cart and orders it;
// status changes are announced in a live region.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, artisanWithProducts, closeBrowser, open, PASSWORD, signUp, unique } from './support.mjs';

let token;
let shop;
let artisan;
let buyer;
let admin;
before(async () => {
  token = unique('kbd');
  shop = await artisanWithProducts('a11y', [
    { title: `Keyboard cup ${token}`, price: 21, stock: 50, photo: true },
    { title: `Keyboard plate ${token}`, price: 34, stock: 50 },
  ]);
  artisan = shop.user;
  [buyer, admin] = await Promise.all([signUp('a11ybuyer'), signUp('a11yadmin')]);
  await api('PUT', `/users/${admin.id}`, { role: 'admin' }, { master: true });
});
after(closeBrowser);

/** Logs `who` in through the login page, as a person on any screen does. */
async function logInAt(page, who) {
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText(`Signed in as ${who.username}`).waitFor();
}

/** What on the page overflows a phone's width, and which controls have no accessible name. */
function audit(page) {
  return page.evaluate(() => {
    const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
    const nameOf = (el) => {
      const byId = (el.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ');
      const labels = [...(el.labels ?? [])].map((l) => l.textContent).join(' ');
      const images = [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join(' ');
      return [el.getAttribute('aria-label'), byId, labels, el.textContent, images, el.getAttribute('title')].join(' ').trim();
    };
    const unnamed = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button]')]
      // Third-party panels (GraphiQL's and Swagger UI's own editors) are judged by their makers.
      .filter((el) => !el.closest('.graphiql, .swagger') && el.getClientRects().length > 0)
      .filter((el) => !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 120));
    return { wide, width: document.documentElement.scrollWidth, unnamed };
  });
}

test('on a phone-sized screen every page fits the width and names every control', async () => {
  const pages = [
    ['/', (p) => p.getByRole('status').filter({ hasText: /products?|No products/ })],
    [`/?q=${token}`, (p) => p.getByRole('link', { name: new RegExp(`Keyboard cup ${token}`) }).first()],
    [`/products/${shop.products[0].id}`, (p) => p.getByRole('heading', { name: `Keyboard cup ${token}` })],
    [`/artisans/${shop.artisanId}`, (p) => p.getByRole('heading', { name: shop.name })],
    ['/signup', (p) => p.getByRole('button', { name: 'Create account' })],
    ['/forgot-password', (p) => p.getByRole('heading', { level: 1 })],
    ['/cart', (p) => p.getByRole('heading', { name: 'Your cart' })],
    ['/playground/rest', (p) => p.getByRole('status').filter({ hasText: /^\d+ operations$/ })],
    ['/playground/swagger', (p) => p.getByText('/functions/checkout', { exact: true }).first()],
    ['/playground/graphql', (p) => p.getByRole('button', { name: /Execute query/ })],
    ['/no-such-page', (p) => p.getByRole('heading', { name: 'Page not found' })],
  ];
  const signedIn = [
    [artisan, '/studio', (p) => p.getByRole('heading', { level: 1 })],
    [buyer, '/orders', (p) => p.getByRole('heading', { level: 1 })],
    [admin, '/admin', (p) => p.getByRole('region', { name: 'Users' }).getByRole('status')],
  ];
  const s = await open('/login', { phone: true });
  const { page } = s;
  const findings = [];
  for (const [path, ready] of pages) {
    await page.goto(new URL(path, page.url()).href);
    await ready(page).waitFor();
    const { wide, width, unnamed } = await audit(page);
    if (wide) findings.push(`${path}: ${width}px wide on a 390px screen`);
    for (const html of unnamed) findings.push(`${path}: no accessible name: ${html}`);
  }
  for (const [who, path, ready] of signedIn) {
    await page.goto(new URL('/login', page.url()).href);
    if (await page.getByRole('button', { name: 'Log out' }).count()) await page.getByRole('button', { name: 'Log out' }).click();
    await logInAt(page, who);
    await page.goto(new URL(path, page.url()).href);
    await ready(page).waitFor();
    const { wide, width, unnamed } = await audit(page);
    if (wide) findings.push(`${path}: ${width}px wide on a 390px screen`);
    for (const html of unnamed) findings.push(`${path}: no accessible name: ${html}`);
  }
  assert.deepEqual(findings, []);
  await s.done();
});

/** Presses Tab until the focused element is `target` (a locator); a bounded walk. */
async function tabTo(page, target, max = 80) {
  const handle = await target.elementHandle();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await handle.evaluate((el) => el === document.activeElement)) return;
  }
  assert.fail(`Tab never reached ${await handle.evaluate((el) => el.outerHTML.slice(0, 120))}`);
}

test('with the keyboard alone a person logs in, finds a product, adds it to the cart and orders it', async () => {
  const s = await open('/login');
  const { page } = s;
  await tabTo(page, page.getByLabel('Username'));
  await page.keyboard.type(buyer.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByText(`Signed in as ${buyer.username}`).waitFor();

  await page.goto(new URL('/', page.url()).href);
  await tabTo(page, page.getByLabel('Search'));
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  const cup = page.getByRole('link', { name: new RegExp(`Keyboard cup ${token}`) }).first();
  await page.getByRole('link', { name: new RegExp(`Keyboard plate ${token}`) }).first().waitFor();
  await tabTo(page, cup);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Keyboard cup ${token}` }).waitFor();

  await tabTo(page, page.getByRole('button', { name: 'Add to cart' }));
  await page.keyboard.press('Space');
  // The live region tells a screen reader what happened.
  await page.getByRole('status').filter({ hasText: `Keyboard cup ${token} added to your cart.` }).waitFor();
  await tabTo(page, page.getByRole('button', { name: 'Go to cart' }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await tabTo(page, page.getByRole('button', { name: 'Check out' }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
  await s.done();
});
