// Buying: buy now with a confirmation, a product that sells out while the buyer looks, a double
// click, a cart across two artisans, and "My orders" following status changes live.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { artisanWithProducts, BASE, closeBrowser, logIn, open, ordersOf, payThroughWebhook, signUp, unique } from './support.mjs';

let shopA;
let shopB;
let token;
before(async () => {
  token = unique('Or');
  [shopA, shopB] = await Promise.all([
    artisanWithProducts('ora', [
      { title: `${token} Last Vase`, price: 120, stock: 1 },
      { title: `${token} Mug`, price: 25.5, stock: 5 },
      { title: `${token} Bowl`, price: 40, stock: 3 },
    ]),
    artisanWithProducts('orb', [{ title: `${token} Spoon`, price: 12, stock: 4 }]),
  ]);
});
after(closeBrowser);

const product = (shop, suffix) => shop.products.find((p) => p.title.endsWith(suffix));

test('a product that sells out while a buyer looks ends with "sold out" and no order', async () => {
  const [first, late] = await Promise.all([signUp('orfirst'), signUp('orlate')]);
  const vase = product(shopA, 'Last Vase');
  const a = await open(`/products/${vase.id}`);
  const b = await open(`/products/${vase.id}`);
  await logIn(a.page, first);
  await logIn(b.page, late);
  await a.page.goto(`${BASE}/products/${vase.id}`);
  await b.page.goto(`${BASE}/products/${vase.id}`);
  await a.page.getByText('1 in stock').waitFor();
  await b.page.getByText('1 in stock').waitFor();

  await a.page.getByRole('button', { name: 'Buy now' }).click();
  await a.page.getByRole('heading', { name: 'Thank you! Your order is placed.' }).waitFor();
  await a.page.getByText('Total $120.00').waitFor();

  await b.page.getByRole('button', { name: 'Buy now' }).click();
  await b.page.getByRole('alert').filter({ hasText: `Sold out: ${vase.title} was just bought by someone else. No order was made.` }).waitFor();
  await b.page.getByText('Sold out', { exact: true }).waitFor();
  assert.ok(await b.page.getByRole('button', { name: 'Buy now' }).isDisabled());
  assert.equal((await ordersOf(late)).length, 0);
  assert.equal((await ordersOf(first)).length, 1);
  await a.done();
  await b.done();
});

test('a double click on "Buy now" makes one order', async () => {
  const buyer = await signUp('ordouble');
  const mug = product(shopA, 'Mug');
  const s = await open('/');
  await logIn(s.page, buyer);
  await s.page.goto(`${BASE}/products/${mug.id}`);
  await s.page.getByText('5 in stock').waitFor();
  await s.page.getByRole('button', { name: 'Buy now' }).dblclick();
  await s.page.getByRole('heading', { name: 'Thank you! Your order is placed.' }).waitFor();
  await s.page.getByText('4 in stock').waitFor();
  assert.equal((await ordersOf(buyer)).length, 1);
  await s.done();
});

test('a cart across two artisans checks out as one order per artisan; My orders follows them live', async () => {
  const buyer = await signUp('orcart');
  const s = await open('/');
  const { page } = s;
  await logIn(page, buyer);
  for (const p of [product(shopA, 'Bowl'), product(shopB, 'Spoon')]) {
    await page.goto(`${BASE}/products/${p.id}`);
    await page.getByRole('heading', { level: 1, name: p.title }).waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('status').filter({ hasText: `${p.title} added to your cart.` }).waitFor();
  }
  await page.getByRole('link', { name: 'Cart (2)' }).click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await page.getByLabel(`Quantity of ${token} Spoon`).fill('2');
  await page.getByText('Total $64.00').waitFor();
  await page.getByRole('button', { name: 'Check out' }).click();
  await page.getByText('2 orders (one per artisan) placed, total $64.00.').waitFor();
  await page.getByRole('link', { name: 'Cart (0)' }).waitFor();

  await page.getByRole('link', { name: 'My orders' }).first().click();
  const orders = page.getByRole('list', { name: 'Orders' });
  const placed = await ordersOf(buyer);
  assert.equal(placed.length, 2);
  const [one, two] = placed;
  const itemOne = orders.getByRole('listitem', { name: `Order ${one.objectId}` });
  const itemTwo = orders.getByRole('listitem', { name: `Order ${two.objectId}` });
  await itemOne.getByText('Pending payment').waitFor();
  await itemTwo.getByText('Pending payment').waitFor();
  await orders.getByText(`2 × ${token} Spoon at $12.00`).waitFor();

  // Paid by the provider: the page shows it without a reload.
  await payThroughWebhook(one.objectId);
  await itemOne.getByText('Paid', { exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: `Order ${one.objectId} is now Paid.` }).waitFor();

  // A pending order can be cancelled.
  await itemTwo.getByRole('button', { name: `Cancel order ${two.objectId}` }).click();
  await itemTwo.getByText('Cancelled').waitFor();
  assert.equal(await itemOne.getByRole('button', { name: /Cancel/ }).count(), 0);
  await s.done();
});

test('on a server with test payments, the buyer pays a pending order from My orders', async () => {
  const buyer = await signUp('orpay');
  const s = await open('/');
  const { page } = s;
  await logIn(page, buyer);
  await page.goto(`${BASE}/products/${product(shopA, 'Mug').id}`);
  await page.getByRole('button', { name: 'Buy now' }).click();
  await page.getByRole('heading', { name: 'Thank you! Your order is placed.' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My orders' }).click();
  const [order] = await ordersOf(buyer);
  const row = page.getByRole('list', { name: 'Orders' }).getByRole('listitem', { name: `Order ${order.objectId}` });
  await row.getByRole('button', { name: `Pay order ${order.objectId} (test payment)` }).click();
  await row.getByText('Paid', { exact: true }).waitFor();
  assert.equal((await ordersOf(buyer))[0].status, 'paid');
  await s.done();
});
