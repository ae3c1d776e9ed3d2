// The artisan studio: incoming orders live, ship and deliver seen live by the buyer, products
// created and edited with field errors and photos, the public profile.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { productPhoto } from '../../scripts/png.mjs';
import { api, artisanWithProducts, BASE, closeBrowser, logIn, open, payThroughWebhook, pointer, signUp, unique } from './support.mjs';

let shop;
let token;
before(async () => {
  token = unique('St');
  shop = await artisanWithProducts('st', [{ title: `${token} Jug`, price: 30, stock: 3 }]);
});
after(closeBrowser);

test('incoming orders appear live in the studio; ship and deliver reach the buyer live', async () => {
  const buyer = await signUp('stbuyer');
  const studio = await open('/');
  await logIn(studio.page, shop.user);
  await studio.page.getByRole('link', { name: 'Studio' }).click();
  const incoming = studio.page.getByRole('region', { name: 'Incoming orders' });
  await incoming.getByText('No orders yet.').waitFor();

  const mine = await open('/');
  await logIn(mine.page, buyer);
  await mine.page.goto(`${BASE}/products/${shop.products[0].id}`);
  await mine.page.getByRole('button', { name: 'Buy now' }).click();
  await mine.page.getByRole('heading', { name: 'Thank you! Your order is placed.' }).waitFor();
  const [order] = (await api('GET', `/classes/Order?where=${encodeURIComponent(JSON.stringify({ buyer: pointer('_User', buyer.id) }))}`, undefined, { session: buyer.session })).results;

  const row = incoming.getByRole('listitem', { name: `Order ${order.objectId}` });
  await row.getByText('Pending payment').waitFor();
  await row.getByText(`1 × ${token} Jug`).waitFor();
  await studio.page.getByRole('status').filter({ hasText: 'A new order arrived.' }).waitFor();
  assert.equal(await row.getByRole('button', { name: `Ship order ${order.objectId}` }).count(), 0, 'an unpaid order cannot ship');

  await mine.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My orders' }).click();
  const buyerRow = mine.page.getByRole('list', { name: 'Orders' }).getByRole('listitem', { name: `Order ${order.objectId}` });
  await buyerRow.getByText('Pending payment').waitFor();

  await payThroughWebhook(order.objectId);
  await row.getByText('Paid', { exact: true }).waitFor();
  await row.getByRole('button', { name: `Ship order ${order.objectId}` }).click();
  await row.getByText('Shipped').waitFor();
  await buyerRow.getByText('Shipped').waitFor();
  await row.getByRole('button', { name: `Mark delivered order ${order.objectId}` }).click();
  await row.getByText('Delivered').waitFor();
  await buyerRow.getByText('Delivered').waitFor();
  await studio.done();
  await mine.done();
});

test('the artisan creates and edits products with readable field errors and photos', async () => {
  const s = await open('/');
  const { page } = s;
  await logIn(page, shop.user);
  await page.getByRole('link', { name: 'Studio' }).click();
  const products = page.getByRole('region', { name: 'Your products' });
  await products.getByRole('button', { name: 'New product' }).click();
  const form = page.getByRole('form', { name: 'New product' });
  await form.getByLabel('Title').fill(`${token} Candle Holder`);
  await form.getByLabel('SKU').fill(`${token}-CH`);
  await form.getByLabel('Price (USD)').fill('12.345');
  await form.getByLabel('Stock').fill('-1');
  await form.getByRole('button', { name: 'Create product' }).click();
  await form.getByRole('alert').filter({ hasText: 'The price must be more than 0, with at most two decimals.' }).waitFor();
  await form.getByRole('alert').filter({ hasText: 'The stock must be a whole number, 0 or more.' }).waitFor();
  assert.equal(await form.getByLabel('Price (USD)').getAttribute('aria-invalid'), 'true');

  // A SKU another product uses: the server refuses it, the field says so.
  const other = await api('GET', `/classes/Product/${shop.products[0].id}`);
  await form.getByLabel('SKU').fill(other.sku);
  await form.getByLabel('Price (USD)').fill('34');
  await form.getByLabel('Stock').fill('2');
  await form.getByLabel('Tags (comma separated)').fill('candle, brass');
  const dir = mkdtempSync(path.join(tmpdir(), 'ui-photos-'));
  const files = ['one', 'two'].map((n, i) => {
    const f = path.join(dir, `${n}.png`);
    writeFileSync(f, productPhoto('vase', i ? '#2f4f4f' : '#b87333', i));
    return f;
  });
  await form.getByLabel('Add photos').setInputFiles(files);
  await form.getByRole('img', { name: 'Photo 2' }).waitFor();
  await form.getByRole('button', { name: 'Create product' }).click();
  await form.getByRole('alert').filter({ hasText: /SKU/ }).waitFor();
  assert.doesNotMatch(await form.getByRole('alert').first().textContent(), /\b1\d\d\b/, 'no raw error code');

  await form.getByLabel('SKU').fill(`${token}-CH`);
  await form.getByRole('button', { name: 'Move photo 2 earlier' }).click();
  await form.getByRole('button', { name: 'Create product' }).click();
  await page.getByRole('status').filter({ hasText: `${token} Candle Holder is in the shop.` }).waitFor();
  const made = (await api('GET', `/classes/Product?where=${encodeURIComponent(JSON.stringify({ sku: `${token}-CH` }))}`)).results[0];
  assert.equal(made.images.length, 2);
  assert.deepEqual(made.tags, ['candle', 'brass']);

  // Edit: remove a photo, change the price.
  await products.getByRole('button', { name: `Edit ${token} Candle Holder` }).click();
  const edit = page.getByRole('form', { name: `Edit ${token} Candle Holder` });
  await edit.getByRole('button', { name: 'Remove photo 1' }).click();
  await edit.getByLabel('Price (USD)').fill('36.50');
  await edit.getByRole('button', { name: 'Save product' }).click();
  await page.getByRole('status').filter({ hasText: `${token} Candle Holder saved.` }).waitFor();
  const saved = await api('GET', `/classes/Product/${made.objectId}`);
  assert.equal(saved.price, 36.5);
  assert.equal(saved.images.length, 1);

  // It shows in the storefront.
  await page.goto(`${BASE}/?q=${token}%20Candle`);
  await page.getByRole('link', { name: `${token} Candle Holder`, exact: true }).waitFor();
  await page.getByText('$36.50').waitFor();
  await s.done();
});

test('the artisan edits the public profile: name, description, photo', async () => {
  const s = await open('/');
  const { page } = s;
  await logIn(page, shop.user);
  await page.getByRole('link', { name: 'Studio' }).click();
  const profile = page.getByRole('region', { name: 'Public profile' });
  const name = `${token} Atelier`;
  await profile.getByLabel('Shop name').fill(name);
  await profile.getByLabel('About you').fill('Jugs and bowls from river clay.');
  const dir = mkdtempSync(path.join(tmpdir(), 'ui-portrait-'));
  const file = path.join(dir, 'me.png');
  writeFileSync(file, productPhoto('bowl', '#6c3483', 3));
  await profile.getByLabel('Profile photo', { exact: true }).setInputFiles(file);
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();
  await profile.getByRole('link', { name: 'See your public page' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByText('Jugs and bowls from river clay.').waitFor();
  const img = page.getByRole('img', { name: `Portrait of ${name}` });
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  await s.done();
});
