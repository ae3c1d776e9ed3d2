// createOrder is the checkout (through the artisan's hub), not an insert: two buyers racing for
// the last piece, exactly one wins and stock never goes below zero; a retried createOrder with
// the same X-Parse-Request-Id answers the first order; the server prices, and owns the buyer.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { client, failing, newShop, rand, signUp, pointer } from './support.mjs';
import { post, get, withSession } from '../http/support.mjs';

const CREATE = `mutation($items: Any) {
  createOrder(input: {fields: {items: $items}}) { order { objectId status totalAmount buyer { objectId } } }
}`;

let shop;
let buyers;

async function product(stock, price = 40) {
  const res = await post('/classes/Product', {
    title: `Race ${rand(6)}`, sku: `race-${rand(12)}`, price, stock, owner: pointer('Artisan', shop.profile),
  }, withSession(shop.user.token));
  assert.equal(res.status, 201);
  return res.json.objectId;
}

const items = (id, quantity = 1) => ({ items: [{ product: pointer('Product', id), quantity }] });

before(async () => {
  shop = await newShop('gqlrace');
  buyers = await Promise.all([signUp('gqlrace_b1'), signUp('gqlrace_b2')]);
});

test('two buyers, one piece: exactly one createOrder wins, the other is sold out (142)', async () => {
  const id = await product(1);
  const outcomes = await Promise.allSettled(
    buyers.map((b) => client({ token: b.token }).request(CREATE, items(id))),
  );
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  const lost = outcomes.filter((o) => o.status === 'rejected');
  assert.equal(won.length, 1, JSON.stringify(outcomes.map((o) => o.reason?.response ?? o.value)));
  assert.equal(lost.length, 1);
  assert.equal(lost[0].reason.response.errors[0].extensions.code, 142);
  assert.equal(lost[0].reason.response.data.createOrder, null);
  assert.equal(won[0].value.createOrder.order.status, 'pending');
  const stock = await get(`/classes/Product/${id}`);
  assert.equal(stock.json.stock, 0);
  const orders = await get(`/classes/Order?where=${encodeURIComponent(JSON.stringify({ products: { $all: [pointer('Product', id)] } }))}&count=1&limit=0`, { master: true });
  assert.equal(orders.json.count, 1, 'one order, never two');
});

test('a retried createOrder with the same X-Parse-Request-Id answers the first order', async () => {
  const id = await product(5);
  const key = `gql-retry-${rand(12)}`;
  const retrying = client({ token: buyers[0].token, headers: { 'X-Parse-Request-Id': key } });
  const first = await retrying.request(CREATE, items(id));
  const second = await retrying.request(CREATE, items(id));
  assert.equal(second.createOrder.order.objectId, first.createOrder.order.objectId);
  assert.equal((await get(`/classes/Product/${id}`)).json.stock, 4, 'stock taken once');
  // The key is the buyer's: another buyer with the same key gets an order of its own.
  const other = await client({ token: buyers[1].token, headers: { 'X-Parse-Request-Id': key } }).request(CREATE, items(id));
  assert.notEqual(other.createOrder.order.objectId, first.createOrder.order.objectId);
});

test('the server prices the order and owns its buyer, status and total', async () => {
  const id = await product(3, 19.99);
  const forged = await failing(client({ token: buyers[0].token }), `mutation($items: Any) {
    createOrder(input: {fields: {items: $items, totalAmount: 0.01}}) { order { objectId } } }`, items(id));
  assert.equal(forged.errors[0].extensions.code, 142);
  const res = await client({ token: buyers[0].token }).request(CREATE, items(id, 2));
  assert.equal(res.createOrder.order.totalAmount, 39.98);
  assert.equal(res.createOrder.order.buyer.objectId, buyers[0].id);
  const status = await failing(client({ token: buyers[0].token }), `mutation($items: Any) {
    createOrder(input: {fields: {items: $items, status: "paid"}}) { order { objectId } } }`, items(id));
  assert.ok([119, 142].includes(status.errors[0].extensions.code), JSON.stringify(status.errors));
  const anonymous = await failing(client(), CREATE, items(id));
  assert.equal(anonymous.errors[0].extensions.code, 119);
});

test('callCloudCode checkout places one order per artisan, all or none', async () => {
  const other = await newShop('gqlrace2');
  const a = await product(2);
  const res = await post('/classes/Product', {
    title: `Race ${rand(6)}`, sku: `race-${rand(12)}`, price: 5, stock: 1, owner: pointer('Artisan', other.profile),
  }, withSession(other.user.token));
  const b = res.json.objectId;
  const cart = { items: [{ product: pointer('Product', a), quantity: 1 }, { product: pointer('Product', b), quantity: 1 }] };
  const done = await client({ token: buyers[1].token }).request(
    `mutation($p: Object) { callCloudCode(input: {functionName: checkout, params: $p}) { result } }`, { p: cart });
  assert.equal(done.callCloudCode.result.orders.length, 2);
  const again = await failing(client({ token: buyers[1].token }),
    `mutation($p: Object) { callCloudCode(input: {functionName: checkout, params: $p}) { result } }`, { p: cart });
  assert.equal(again.errors[0].extensions.code, 142, 'b is sold out: nothing is taken');
  assert.equal((await get(`/classes/Product/${a}`)).json.stock, 1);
});
