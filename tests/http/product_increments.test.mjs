// An `Increment` of a product's price or stock keeps the template's validation: a price stays
// positive with at most two decimals, stock a whole number of at least 0. A refused one answers
// 142 and changes nothing; neither can be removed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rand, get, post, put, expectStatus, expectError, pointer, withSession, signUp } from './support.mjs';

test('an Increment cannot make a price or a stock invalid, and a refused one changes nothing', async () => {
  const artisan = await signUp('incartisan', { role: 'artisan' });
  const as = withSession(artisan.token);
  const profile = expectStatus(await post('/classes/Artisan', { name: `W ${rand()}` }, as), 201);
  const product = expectStatus(
    await post('/classes/Product', { title: 'Vase', sku: `inc-${rand(12)}`, price: 120, stock: 7, owner: pointer('Artisan', profile.objectId) }, as),
    201,
  );
  const path = `/classes/Product/${product.objectId}`;
  const increment = (field, amount) => put(path, { [field]: { __op: 'Increment', amount } }, as);
  for (const [field, amount] of [['price', 0.001], ['price', -120], ['price', -500], ['stock', 0.5], ['stock', -8]]) {
    expectError(await increment(field, amount), 400, 142);
  }
  // Nor can a price or a stock be removed: that product could be neither shown nor sold.
  for (const field of ['price', 'stock']) {
    expectError(await put(path, { [field]: { __op: 'Delete' } }, as), 400, 142, `${field} cannot be removed`);
  }
  let now = expectStatus(await get(path), 200);
  assert.deepEqual([now.price, now.stock], [120, 7]);
  expectStatus(await increment('price', 0.5), 200);
  expectStatus(await increment('stock', -7), 200);
  now = expectStatus(await get(path), 200);
  assert.deepEqual([now.price, now.stock], [120.5, 0]);
});
