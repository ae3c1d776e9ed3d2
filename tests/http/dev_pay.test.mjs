// POST /dev/pay: test payments through the signed webhook, on a server that enables them
// (DEV_TEST_PAYMENTS=true: make dev and make test; never wrangler.toml).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { expectError, expectStatus, get, pointer, post, signUp, withSession } from './support.mjs';

let buyer;
let other;
let product;
before(async () => {
  let artisan;
  [buyer, other, artisan] = await Promise.all([signUp('paybuyer'), signUp('payother'), signUp('payart', { role: 'artisan' })]);
  const shop = expectStatus(await post('/classes/Artisan', { name: 'Pay test shop', user: pointer('_User', artisan.id) }, withSession(artisan.token)), 201);
  product = expectStatus(
    await post('/classes/Product', { title: 'Pay test bowl', sku: `PAY-${artisan.id}`, price: 21.5, stock: 5, owner: pointer('Artisan', shop.objectId) }, withSession(artisan.token)),
    201,
  );
});

async function order(who) {
  return expectStatus(await post('/classes/Order', { items: [{ product: pointer('Product', product.objectId), quantity: 1 }] }, withSession(who.token)), 201);
}

test('the buyer pays its own pending order; it is paid once', async () => {
  const placed = await order(buyer);
  expectStatus(await post('/dev/pay', { orderId: placed.objectId }, withSession(buyer.token)), 200);
  assert.equal(expectStatus(await get(`/classes/Order/${placed.objectId}`, withSession(buyer.token)), 200).status, 'paid');
  expectError(await post('/dev/pay', { orderId: placed.objectId }, withSession(buyer.token)), 400, 142);
});

test("nobody pays another buyer's order, and the anonymous pay nothing", async () => {
  const placed = await order(buyer);
  expectError(await post('/dev/pay', { orderId: placed.objectId }, withSession(other.token)), 404, 101);
  assert.equal((await post('/dev/pay', { orderId: placed.objectId })).status >= 400, true);
  assert.equal(expectStatus(await get(`/classes/Order/${placed.objectId}`, withSession(buyer.token)), 200).status, 'pending');
});

test('the route is listed in the OpenAPI document of a server that has it', async () => {
  const doc = expectStatus(await get('/openapi.json'), 200);
  assert.ok(Object.keys(doc.paths).some((p) => p.endsWith('/dev/pay')));
});
