// A write the database refuses is told in the rule's words: no constraint name and no driver
// text reaches a client.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rand, post, put, expectStatus, expectError, pointer, withSession, signUp } from './support.mjs';

test('a refused stock or price is told as its rule, never as the constraint name', async () => {
  const artisan = await signUp('ckartisan', { role: 'artisan' });
  const as = withSession(artisan.token);
  const profile = expectStatus(await post('/classes/Artisan', { name: `W ${rand()}` }, as), 201);
  const product = expectStatus(
    await post('/classes/Product', { title: 'Cup', sku: `ck-${rand(12)}`, price: 10, stock: 1, owner: pointer('Artisan', profile.objectId) }, as),
    201,
  );
  const path = `/classes/Product/${product.objectId}`;
  for (const body of [{ stock: { __op: 'Increment', amount: -5 } }, { price: { __op: 'Increment', amount: -10 } }]) {
    const res = await put(path, body, as);
    expectError(res, 400, 142);
    assert.doesNotMatch(res.json.error, /_must_|constraint|SQLITE|D1_/i, res.json.error);
    assert.match(res.json.error, /(stock|price) must be/);
  }
});
