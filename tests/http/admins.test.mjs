// The marketplace's admins, black-box: they read every user and every order, change another
// user's role (that field alone, never their own) and read users' emails; buyers and artisans read
// only what is theirs. A role change holds for sessions already open.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { expectError, expectStatus, get, pointer, post, put, qs, signUp, withSession } from './support.mjs';

let admin;
let buyer;
let other;
let artisan;
let product;

before(async () => {
  [admin, buyer, other, artisan] = await Promise.all([signUp('adm'), signUp('admbuyer'), signUp('admother'), signUp('admart', { role: 'artisan' })]);
  // The sign-up's session becomes an admin's at once: roles are read with the session, per request.
  expectStatus(await put(`/users/${admin.id}`, { role: 'admin' }, { master: true }), 200);
  const shop = expectStatus(await post('/classes/Artisan', { name: 'Admin test shop', user: pointer('_User', artisan.id) }, withSession(artisan.token)), 201);
  product = expectStatus(
    await post('/classes/Product', { title: 'Admin test cup', sku: `ADM-${artisan.id}`, price: 10, stock: 5, owner: pointer('Artisan', shop.objectId) }, withSession(artisan.token)),
    201,
  );
});

test('an admin finds every user, with its role; a buyer finds only itself', async () => {
  const where = { objectId: { $in: [buyer.id, other.id, artisan.id] } };
  const all = expectStatus(await get(`/users${qs({ where, order: 'username' })}`, withSession(admin.token)), 200);
  assert.deepEqual(all.results.map((u) => u.objectId).sort(), [buyer.id, other.id, artisan.id].sort());
  assert.equal(all.results.find((u) => u.objectId === artisan.id).role, 'artisan');
  const counted = expectStatus(await get(`/users${qs({ where, count: 1, limit: 0 })}`, withSession(admin.token)), 200);
  assert.equal(counted.count, 3);

  const mine = expectStatus(await get(`/users${qs({ where })}`, withSession(buyer.token)), 200);
  assert.deepEqual(mine.results.map((u) => u.objectId), [buyer.id]);
  expectError(await get(`/users/${other.id}`, withSession(buyer.token)), 404, 101);
});

test('an admin reads every order; another buyer reads none of them', async () => {
  const order = expectStatus(await post('/classes/Order', { items: [{ product: pointer('Product', product.objectId), quantity: 1 }] }, withSession(buyer.token)), 201);
  const read = expectStatus(await get(`/classes/Order/${order.objectId}`, withSession(admin.token)), 200);
  assert.equal(read.buyer.objectId, buyer.id);
  const found = expectStatus(await get(`/classes/Order${qs({ where: { buyer: pointer('_User', buyer.id) } })}`, withSession(admin.token)), 200);
  assert.deepEqual(found.results.map((o) => o.objectId), [order.objectId]);
  expectError(await get(`/classes/Order/${order.objectId}`, withSession(other.token)), 404, 101);
});

test("an admin changes another user's role, and only that; nobody changes their own", async () => {
  expectStatus(await put(`/users/${other.id}`, { role: 'artisan' }, withSession(admin.token)), 200);
  assert.equal(expectStatus(await get(`/users/${other.id}`, withSession(admin.token)), 200).role, 'artisan');
  expectError(await put(`/users/${other.id}`, { role: 'buyer', email: 'taken-over@example.test' }, withSession(admin.token)), 400, 119);
  assert.notEqual((await put(`/users/${other.id}`, { password: 'taken-over-now' }, withSession(admin.token))).status, 200);
  expectError(await put(`/users/${admin.id}`, { role: 'buyer' }, withSession(admin.token)), 400, 119);
  assert.notEqual((await put(`/users/${buyer.id}`, { role: 'admin' }, withSession(buyer.token))).status, 200);
  assert.notEqual((await put(`/users/${other.id}`, { role: 'admin' }, withSession(buyer.token))).status, 200);
});

test("an admin reads users' emails; a user reads its own, nobody else reads any", async () => {
  assert.equal(expectStatus(await get(`/users/${buyer.id}`, withSession(admin.token)), 200).email, buyer.email);
  const found = expectStatus(await get(`/users${qs({ where: { objectId: { $in: [buyer.id, artisan.id] } } })}`, withSession(admin.token)), 200);
  assert.deepEqual(found.results.map((u) => u.email).sort(), [buyer.email, artisan.email].sort());
  assert.equal(expectStatus(await get(`/users/${buyer.id}`, withSession(buyer.token)), 200).email, buyer.email);
  // A user readable by anyone (public ACL) still hides its email from others than admins.
  const open = await signUp('admpublic');
  expectStatus(await put(`/users/${open.id}`, { ACL: { '*': { read: true }, [open.id]: { read: true, write: true } } }, withSession(open.token)), 200);
  const seen = expectStatus(await get(`/users/${open.id}`, withSession(buyer.token)), 200);
  assert.equal(seen.username, open.username);
  assert.equal(seen.email, undefined, 'another user never reads the email');
  assert.equal(expectStatus(await get(`/users/${open.id}`), 200).email, undefined, 'nor does an anonymous caller');
  assert.equal(expectStatus(await get(`/users/${open.id}`, withSession(admin.token)), 200).email, open.email);
});

test("a role change holds at once for the sessions already open, both ways", async () => {
  const helper = await signUp('admhelper');
  const session = helper.token;
  const probe = () => get(`/users/${buyer.id}`, withSession(session));
  expectError(await probe(), 404, 101);
  expectStatus(await put(`/users/${helper.id}`, { role: 'admin' }, withSession(admin.token)), 200);
  assert.equal(expectStatus(await probe(), 200).objectId, buyer.id, 'promoted: the open session reads as an admin');
  expectStatus(await put(`/users/${helper.id}`, { role: 'buyer' }, withSession(admin.token)), 200);
  expectError(await probe(), 404, 101);
  assert.notEqual((await put(`/users/${other.id}`, { role: 'artisan' }, withSession(session))).status, 200, 'demoted: no more role changes');
});
