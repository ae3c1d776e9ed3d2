// The storefront, as a visitor uses it: products with photo or placeholder, search, filters,
// sort, the product page, the artisan's page, deep links, a phone-sized screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { artisanWithProducts, BASE, closeBrowser, open, unique } from './support.mjs';

let shop;
let token;

before(async () => {
  token = unique('Zq');
  shop = await artisanWithProducts('sf', [
    { title: `${token} Tea Bowl`, price: 48, stock: 2, tags: ['ceramics', 'tea'], photo: true },
    { title: `${token} Walnut Board`, price: 135, stock: 1, tags: ['woodwork'] },
    { title: `${token} Silver Ring`, price: 20, stock: 0, tags: ['jewellery'], photo: true },
  ]);
});
after(closeBrowser);

async function search(page, text) {
  await page.getByRole('searchbox', { name: 'Search' }).fill(text);
  await page.getByRole('button', { name: 'Show products' }).click();
}

function cards(page) {
  return page.getByRole('list', { name: 'Products' }).getByRole('listitem');
}

test('the root shows the storefront; search finds products with photo or placeholder, price and artisan', async () => {
  const s = await open('/');
  const { page } = s;
  await page.getByRole('heading', { name: 'Handmade, one of a kind' }).waitFor();
  await search(page, token.toLowerCase());
  await page.getByRole('status').filter({ hasText: '3 products' }).waitFor();
  const list = cards(page);
  assert.equal(await list.count(), 3);
  const bowl = list.filter({ hasText: `${token} Tea Bowl` });
  await bowl.getByText('$48.00').waitFor();
  await bowl.getByText(`by ${shop.name}`).waitFor();
  // The photo loads; a product without one shows the placeholder, never a broken image.
  const img = bowl.getByRole('img', { name: `${token} Tea Bowl` });
  await img.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  await list.filter({ hasText: 'Walnut Board' }).getByRole('img', { name: `${token} Walnut Board (no photo)` }).waitFor();
  await list.filter({ hasText: 'Silver Ring' }).getByText('Sold out').waitFor();
  await s.done();
});

test('filters narrow by tag, price and stock, and the sort orders by price', async () => {
  const s = await open(`/?q=${token}`);
  const { page } = s;
  await page.getByRole('status').filter({ hasText: '3 products' }).waitFor();
  await page.getByLabel('In stock only').check();
  await page.getByRole('button', { name: 'Show products' }).click();
  await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
  assert.equal(await cards(page).filter({ hasText: 'Silver Ring' }).count(), 0);

  await page.getByLabel('In stock only').uncheck();
  await page.getByLabel('Min price').fill('40');
  await page.getByLabel('Max price').fill('100');
  await page.getByRole('button', { name: 'Show products' }).click();
  await page.getByRole('status').filter({ hasText: '1 product' }).waitFor();
  await cards(page).filter({ hasText: 'Tea Bowl' }).waitFor();

  await page.goto(`${BASE}/?q=${token}&tag=woodwork`);
  await page.getByRole('status').filter({ hasText: '1 product' }).waitFor();
  await cards(page).filter({ hasText: 'Walnut Board' }).waitFor();

  await page.goto(`${BASE}/?q=${token}`);
  await page.getByLabel('Sort').selectOption({ label: 'Price: low to high' });
  await page.getByRole('button', { name: 'Show products' }).click();
  await page.waitForURL(/sort=price/);
  await page.getByRole('status').filter({ hasText: '3 products' }).waitFor();
  const titles = await cards(page).getByRole('heading').allTextContents();
  assert.deepEqual(titles, [`${token} Silver Ring`, `${token} Tea Bowl`, `${token} Walnut Board`]);
  await s.done();
});

test('a product page shows photos, price, description, stock and links to the artisan page', async () => {
  const s = await open(`/?q=${token}`);
  const { page } = s;
  await page.getByRole('link', { name: `${token} Tea Bowl`, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `${token} Tea Bowl` }).waitFor();
  await page.getByText('2 in stock').waitFor();
  await page.getByText('$48.00').waitFor();
  await page.getByText(`${token} Tea Bowl, made by hand.`).waitFor();
  await page.getByRole('img', { name: `${token} Tea Bowl, photo 1 of 1` }).waitFor();
  await page.getByRole('link', { name: 'Log in to buy' }).waitFor();

  await page.getByRole('link', { name: shop.name }).click();
  await page.getByRole('heading', { level: 1, name: shop.name }).waitFor();
  await page.getByText(`Pieces made by hand at ${shop.name}.`).waitFor();
  await page.getByRole('img', { name: `Portrait of ${shop.name} (no photo)` }).waitFor();
  const theirs = page.getByRole('list', { name: `Products by ${shop.name}` }).getByRole('listitem');
  await theirs.filter({ hasText: 'Walnut Board' }).waitFor();
  assert.equal(await theirs.count(), 3);
  await s.done();
});

test('deep links open directly: a product page loaded (and reloaded) by its URL; a sold-out one says so', async () => {
  const ring = shop.products.find((p) => p.title.endsWith('Silver Ring'));
  const s = await open(`/products/${ring.id}`);
  const { page } = s;
  await page.getByRole('heading', { level: 1, name: ring.title }).waitFor();
  await page.getByText('Sold out', { exact: true }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: ring.title }).waitFor();
  await page.goto(`${BASE}/artisans/${shop.artisanId}`);
  await page.getByRole('heading', { level: 1, name: shop.name }).waitFor();
  await page.goto(`${BASE}/products/doesnotexist`);
  await page.getByRole('heading', { level: 1, name: 'Product not found' }).waitFor();
  await s.done();
});

test('on a phone-sized screen the storefront fits the width and the product page works', async () => {
  const s = await open(`/?q=${token}`, { phone: true });
  const { page } = s;
  await page.getByRole('status').filter({ hasText: '3 products' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await page.getByRole('link', { name: `${token} Walnut Board`, exact: true }).tap();
  await page.getByRole('heading', { level: 1, name: `${token} Walnut Board` }).waitFor();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0);
  await s.done();
});

test('a long list shows 24 products, then more on request', async () => {
  const many = unique('Mn');
  await artisanWithProducts('sfm', Array.from({ length: 26 }, (_, i) => ({ title: `${many} Spoon ${i + 1}`, price: 10 + i })));
  const s = await open(`/?q=${many}`);
  const { page } = s;
  await page.getByRole('status').filter({ hasText: '24+ products' }).waitFor();
  assert.equal(await cards(page).count(), 24);
  await page.getByRole('button', { name: 'Show more products' }).click();
  await page.getByRole('status').filter({ hasText: /^26 products$/ }).waitFor();
  assert.equal(await cards(page).count(), 26);
  assert.equal(await page.getByRole('button', { name: 'Show more products' }).count(), 0);
  await s.done();
});
