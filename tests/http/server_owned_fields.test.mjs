// Fields only the server sets: a client's value is refused (`emailVerified` at sign-up, as Parse
// Server does) or replaced by the server's (`AccessLog.accessTime`, as a beforeSave would).
import test from 'node:test';
import assert from 'node:assert/strict';
import { rand, get, post, show, expectStatus, expectError, pointer, withSession, signUp, countRows } from './support.mjs';

test('a client cannot sign up with a verified email', async () => {
  const username = `verified_${rand(10)}`;
  const res = await post('/users', { username, password: 'pw-x-long-enough', email: `${username}@example.test`, emailVerified: true });
  expectError(res, 400, 119);
  assert.equal(await countRows('_User', { username }), 0);
  const unverified = await signUp('unverified', { emailVerified: false });
  const me = expectStatus(await get('/users/me', withSession(unverified.token)), 200);
  assert.notEqual(me.emailVerified, true);
});

test("an access log carries the server's time, not a backdated one the client sent", async () => {
  const artisan = await signUp('logartisan', { role: 'artisan' });
  const profile = expectStatus(await post('/classes/Artisan', { name: `W ${rand()}` }, withSession(artisan.token)), 201);
  const product = expectStatus(
    await post(
      '/classes/Product',
      { title: 'Bowl', sku: `log-${rand(12)}`, price: 10, stock: 1, owner: pointer('Artisan', profile.objectId) },
      withSession(artisan.token),
    ),
    201,
  );
  const viewer = await signUp('viewer');
  const before = Date.now();
  const log = await post(
    '/classes/AccessLog',
    { product: pointer('Product', product.objectId), accessTime: { __type: 'Date', iso: '1970-01-01T00:00:00.000Z' } },
    withSession(viewer.token),
  );
  assert.equal(log.status, 201, show(log));
  const stored = expectStatus(await get(`/classes/AccessLog/${log.json.objectId}`, withSession(viewer.token)), 200);
  const at = Date.parse(stored.accessTime.iso);
  assert.ok(at >= before - 60_000 && at <= Date.now() + 60_000, `accessTime is now: ${stored.accessTime.iso}`);
});
