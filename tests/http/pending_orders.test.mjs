// Unpaid orders and the stock they hold (security review F8): a pending order shows when it
// lapses and lapses then (the artisan's hub cancels it and puts its stock back), a paid order
// never does, and one buyer holds at most UNPAID_ITEMS_LIMIT units unpaid.
//
// These need short lapses and a small limit, so they run on a private `wrangler dev`.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rand, show, expectError, pointer, sleep } from './support.mjs';
import { startWorker } from '../support/worker.mjs';

const LAPSE_MINUTES = 0.05; // 3 s
const UNPAID_ITEMS_LIMIT = 3;

let worker;

before(async () => {
  worker = await startWorker({
    vars: {
      PENDING_ORDER_MINUTES: String(LAPSE_MINUTES),
      UNPAID_ITEMS_LIMIT: String(UNPAID_ITEMS_LIMIT),
      CHECKOUT_LIMIT: '1000',
      SIGNUP_IP_LIMIT: '1000',
    },
  });
});

after(async () => {
  await worker?.dispose();
});

const call = (...args) => worker.call(...args);

function expect(res, status) {
  assert.equal(res.status, status, show(res));
  return res.json;
}

async function newUser(role) {
  const username = `hold_${rand(10)}`;
  const body = expect(await call('POST', '/users', { username, password: `pw-${rand(12)}`, role }), 201);
  return { id: body.objectId, token: body.sessionToken };
}

/** An artisan with a profile and one product of `stock`; answers the product's pointer. */
async function productWithStock(stock) {
  const artisan = await newUser('artisan');
  const profile = expect(await call('POST', '/classes/Artisan', { name: `Hold ${rand()}` }, { token: artisan.token }), 201);
  const product = expect(await call('POST', '/classes/Product', {
    title: 'Held vase', sku: `hold-${rand(12)}`, price: 10, stock, owner: pointer('Artisan', profile.objectId),
  }, { token: artisan.token }), 201);
  return pointer('Product', product.objectId);
}

async function stockOf(product) {
  return expect(await call('GET', `/classes/Product/${product.objectId}`, undefined, { master: true }), 200).stock;
}

const order = (buyer, product, quantity) =>
  call('POST', '/classes/Order', { items: [{ product, quantity }] }, { token: buyer.token });

test('an unpaid order shows when it lapses, then lapses: cancelled, its stock back', { timeout: 60_000 }, async () => {
  const product = await productWithStock(2);
  const buyer = await newUser('buyer');
  const placed = expect(await order(buyer, product, 1), 201);
  const seen = expect(await call('GET', `/classes/Order/${placed.objectId}`, undefined, { token: buyer.token }), 200);
  assert.equal(seen.status, 'pending');
  const lapse = Date.parse(seen.expiresAt.iso) - Date.parse(seen.createdAt);
  assert.equal(lapse, LAPSE_MINUTES * 60_000, JSON.stringify(seen));
  assert.equal(await stockOf(product), 1);
  // The hub's alarm fires at the lapse; a busy machine may run it late, never early.
  let status = 'pending';
  for (let i = 0; i < 100 && status === 'pending'; i++) {
    await sleep(250);
    status = expect(await call('GET', `/classes/Order/${placed.objectId}`, undefined, { token: buyer.token }), 200).status;
  }
  assert.equal(status, 'cancelled');
  assert.equal(await stockOf(product), 2);
});

test('a paid order never lapses', { timeout: 60_000 }, async () => {
  const product = await productWithStock(2);
  const buyer = await newUser('buyer');
  const placed = expect(await order(buyer, product, 1), 201);
  expect(await call('PUT', `/classes/Order/${placed.objectId}`, { status: 'paid' }, { master: true }), 200);
  await sleep(LAPSE_MINUTES * 60_000 * 2);
  const seen = expect(await call('GET', `/classes/Order/${placed.objectId}`, undefined, { token: buyer.token }), 200);
  assert.equal(seen.status, 'paid');
  assert.equal(await stockOf(product), 1);
});

test(`a buyer holds at most ${UNPAID_ITEMS_LIMIT} unpaid items; a refused order takes no stock`, async () => {
  const product = await productWithStock(10);
  const buyer = await newUser('buyer');
  expect(await order(buyer, product, UNPAID_ITEMS_LIMIT), 201);
  expectError(await order(buyer, product, 1), 400, 142);
  assert.equal(await stockOf(product), 10 - UNPAID_ITEMS_LIMIT);
  // Another buyer has an allowance of its own.
  const other = await newUser('buyer');
  expect(await order(other, product, 1), 201);
});
