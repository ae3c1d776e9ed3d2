// The marketplace's permission matrix (DESIGN §3): anonymous, buyer, artisan A, artisan B, an admin
// (a user made admin with the master key) and the master key, against Artisan, Product, AccessLog,
// Order and _Session — who may create, read, update and delete what, and the fields the server owns.
//
// The classes are the template's own, shared with other test files running in parallel: every
// user and SKU here is unique, and assertions only look at rows this file created.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import {
  ISO_DATE, OBJECT_ID,
  rand, missingId, get, post, put, del, qs, show, expectStatus, expectError, pointer,
  withSession, signUp,
} from './support.mjs';

/** Request options acting as `user` (anything with a `token`). */
const as = (user, opts = {}) => withSession(user.token, opts);

const sku = (tag = 'sku') => `${tag}-${rand(12)}`;

let buyer; // a buyer
let buyer2; // another buyer
let artisanA; // an artisan account with a profile
let artisanB; // another artisan account with a profile
let admin; // a buyer made admin with the master key
let profileA; // artisan A's Artisan objectId
let profileB; // artisan B's Artisan objectId
let productA; // a product of artisan A (stock 5)
let productB; // a product of artisan B

async function createProfile(user, name = `Workshop ${rand()}`) {
  const res = await post('/classes/Artisan', { name, description: 'hand made' }, as(user));
  assert.equal(res.status, 201, `creating an Artisan profile: ${show(res)}`);
  return res.json.objectId;
}

async function createProduct(user, owner, fields = {}) {
  const res = await post('/classes/Product', { title: 'Bowl', sku: sku(), price: 25, stock: 5, owner: pointer('Artisan', owner), ...fields }, as(user));
  assert.equal(res.status, 201, `creating a Product: ${show(res)}`);
  return res.json.objectId;
}

async function createLog(user, product) {
  const res = await post('/classes/AccessLog', { product: pointer('Product', product) }, as(user));
  assert.equal(res.status, 201, `creating an AccessLog: ${show(res)}`);
  return res.json.objectId;
}

/** GET /classes/AccessLog restricted to one id, as `opts`: the ids the caller sees. */
async function logIdsSeen(id, opts) {
  const res = await get(`/classes/AccessLog${qs({ where: { objectId: id } })}`, opts);
  return expectStatus(res, 200).results.map((r) => r.objectId);
}

before(async () => {
  [buyer, buyer2, artisanA, artisanB, admin] = await Promise.all([
    signUp('buyer'),
    signUp('buyer2'),
    signUp('artisanA', { role: 'artisan' }),
    signUp('artisanB', { role: 'artisan' }),
    signUp('admin'),
  ]);
  expectStatus(await put(`/users/${admin.id}`, { role: 'admin' }, { master: true }), 200);
  [profileA, profileB] = await Promise.all([createProfile(artisanA), createProfile(artisanB)]);
  [productA, productB] = await Promise.all([createProduct(artisanA, profileA), createProduct(artisanB, profileB)]);
});

// ---------------------------------------------------------------------------------------------
// Artisan

test('anyone, signed in or not, finds and gets Artisan profiles', async () => {
  for (const opts of [{}, as(buyer), as(artisanB)]) {
    const got = expectStatus(await get(`/classes/Artisan/${profileA}`, opts), 200);
    assert.equal(got.objectId, profileA);
    assert.deepEqual(got.user, pointer('_User', artisanA.id));
    const found = expectStatus(await get(`/classes/Artisan${qs({ where: { objectId: { $in: [profileA, profileB] } } })}`, opts), 200);
    assert.deepEqual(found.results.map((r) => r.objectId).sort(), [profileA, profileB].sort());
  }
});

test('an artisan creates its profile and the server sets user to the caller', async () => {
  const artisan = await signUp('newartisan', { role: 'artisan' });
  const res = await post('/classes/Artisan', { name: 'Clay & Co' }, as(artisan));
  const body = expectStatus(res, 201);
  assert.match(body.objectId, OBJECT_ID);
  const got = expectStatus(await get(`/classes/Artisan/${body.objectId}`), 200);
  assert.deepEqual(got.user, pointer('_User', artisan.id));
  assert.equal(got.name, 'Clay & Co');
});

test('an artisan naming itself as user creates its profile', async () => {
  const artisan = await signUp('selfnamed', { role: 'artisan' });
  const res = await post('/classes/Artisan', { name: 'Me', user: pointer('_User', artisan.id) }, as(artisan));
  expectStatus(res, 201);
});

test('a buyer creating an Artisan profile answers 400 code 119', async () => {
  const res = await post('/classes/Artisan', { name: 'Not an artisan' }, as(buyer));
  expectError(res, 400, 119);
  const count = expectStatus(await get(`/classes/Artisan${qs({ where: { user: pointer('_User', buyer.id) }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('an anonymous client creating an Artisan profile answers 400 code 119', async () => {
  expectError(await post('/classes/Artisan', { name: 'Nobody' }), 400, 119);
});

test('escalation: an artisan creating a profile for another user answers 400 code 119', async () => {
  const artisan = await signUp('forger', { role: 'artisan' });
  const victim = await signUp('victim', { role: 'artisan' });
  expectError(await post('/classes/Artisan', { name: 'Forged', user: pointer('_User', victim.id) }, as(artisan)), 400, 119);
  const count = expectStatus(await get(`/classes/Artisan${qs({ where: { user: { $in: [pointer('_User', victim.id), pointer('_User', artisan.id)] } }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('a second Artisan profile for the same account answers 400 code 137', async () => {
  expectError(await post('/classes/Artisan', { name: 'Second shop' }, as(artisanA)), 400, 137);
  const count = expectStatus(await get(`/classes/Artisan${qs({ where: { user: pointer('_User', artisanA.id) }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 1);
});

test('an artisan updates its own profile', async () => {
  const res = await put(`/classes/Artisan/${profileA}`, { description: 'Wheel-thrown stoneware' }, as(artisanA));
  assert.match(expectStatus(res, 200).updatedAt, ISO_DATE);
  assert.equal(expectStatus(await get(`/classes/Artisan/${profileA}`), 200).description, 'Wheel-thrown stoneware');
});

test('escalation: artisan B updating artisan A\'s profile answers 404 code 101 and changes nothing', async () => {
  const beforeName = expectStatus(await get(`/classes/Artisan/${profileA}`), 200).name;
  expectError(await put(`/classes/Artisan/${profileA}`, { name: 'Hijacked' }, as(artisanB)), 404, 101);
  expectError(await put(`/classes/Artisan/${profileA}`, { name: 'Hijacked' }, as(buyer)), 404, 101);
  assert.equal(expectStatus(await get(`/classes/Artisan/${profileA}`), 200).name, beforeName);
});

test('artisan B deleting artisan A\'s profile answers 404 code 101 and deletes nothing', async () => {
  expectError(await del(`/classes/Artisan/${profileA}`, as(artisanB)), 404, 101);
  expectStatus(await get(`/classes/Artisan/${profileA}`), 200);
});

test('an artisan changing the user of its profile answers 400 code 119; sending it unchanged is no change', async () => {
  expectError(await put(`/classes/Artisan/${profileA}`, { user: pointer('_User', artisanB.id) }, as(artisanA)), 400, 119);
  // An SDK saving the whole profile sends its user back as it is: that changes nothing.
  expectStatus(await put(`/classes/Artisan/${profileA}`, { user: pointer('_User', artisanA.id) }, as(artisanA)), 200);
  assert.deepEqual(expectStatus(await get(`/classes/Artisan/${profileA}`), 200).user, pointer('_User', artisanA.id));
});

test('an artisan deletes its own profile', async () => {
  const artisan = await signUp('closing', { role: 'artisan' });
  const profile = await createProfile(artisan);
  const res = await del(`/classes/Artisan/${profile}`, as(artisan));
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  expectError(await get(`/classes/Artisan/${profile}`), 404, 101);
});

// ---------------------------------------------------------------------------------------------
// Product

test('anyone, signed in or not, finds and gets products', async () => {
  for (const opts of [{}, as(buyer), as(artisanB)]) {
    const got = expectStatus(await get(`/classes/Product/${productA}`, opts), 200);
    assert.deepEqual(got.owner, pointer('Artisan', profileA));
    const found = expectStatus(await get(`/classes/Product${qs({ where: { owner: pointer('Artisan', profileA) } })}`, opts), 200);
    assert.ok(found.results.some((p) => p.objectId === productA), JSON.stringify(found));
  }
});

test('an artisan creates a product for its own profile, stock defaulting to 1', async () => {
  const code = sku('own');
  const res = await post('/classes/Product', { title: 'Vase', sku: code, price: 19.99, owner: pointer('Artisan', profileA) }, as(artisanA));
  const body = expectStatus(res, 201);
  const got = expectStatus(await get(`/classes/Product/${body.objectId}`), 200);
  assert.equal(got.sku, code);
  assert.equal(got.price, 19.99);
  assert.equal(got.stock, 1);
});

test('escalation: an artisan creating a product for another artisan\'s profile answers 400 code 119', async () => {
  const code = sku('foreign');
  expectError(await post('/classes/Product', { title: 'Fake', sku: code, price: 5, owner: pointer('Artisan', profileB) }, as(artisanA)), 400, 119);
  const count = expectStatus(await get(`/classes/Product${qs({ where: { sku: code }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('a buyer creating a product answers 400 code 119', async () => {
  const code = sku('buyer');
  expectError(await post('/classes/Product', { title: 'Nope', sku: code, price: 5, owner: pointer('Artisan', profileA) }, as(buyer)), 400, 119);
  const count = expectStatus(await get(`/classes/Product${qs({ where: { sku: code }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('an anonymous client creating a product answers 400 code 119', async () => {
  expectError(await post('/classes/Product', { title: 'Nope', sku: sku('anon'), price: 5, owner: pointer('Artisan', profileA) }), 400, 119);
});

test('a product without a sku answers 400 code 142', async () => {
  expectError(await post('/classes/Product', { title: 'No sku', price: 5, owner: pointer('Artisan', profileA) }, as(artisanA)), 400, 142);
});

test('a product priced 0, -1 or 1.234 answers 400 code 142', async () => {
  for (const price of [0, -1, 1.234]) {
    const code = sku('price');
    const res = await post('/classes/Product', { title: 'Bad price', sku: code, price, owner: pointer('Artisan', profileA) }, as(artisanA));
    assert.deepEqual([res.status, res.json?.code], [400, 142], `price ${price}: ${show(res)}`);
  }
});

test('a product with stock -1 or 1.5 answers 400 code 142', async () => {
  for (const stock of [-1, 1.5]) {
    const res = await post('/classes/Product', { title: 'Bad stock', sku: sku('stock'), price: 5, stock, owner: pointer('Artisan', profileA) }, as(artisanA));
    assert.deepEqual([res.status, res.json?.code], [400, 142], `stock ${stock}: ${show(res)}`);
  }
});

test('a product with an invalid price or stock on update answers 400 code 142', async () => {
  expectError(await put(`/classes/Product/${productA}`, { price: 0 }, as(artisanA)), 400, 142);
  expectError(await put(`/classes/Product/${productA}`, { stock: 2.5 }, as(artisanA)), 400, 142);
});

test('a product value of the wrong type answers 400 code 111 before the template rules, on create and update', async () => {
  const owner = pointer('Artisan', profileA);
  expectError(
    await post('/classes/Product', { title: 'Typed', sku: sku('type'), price: 'x', owner }, as(artisanA)),
    400, 111, 'schema mismatch for Product.price; expected Number but got String',
  );
  for (const [label, fields] of [
    ['price "x"', { price: 'x' }],
    ['stock "2"', { stock: '2' }],
    ['title 5', { title: 5 }],
    ['sku 5', { sku: 5 }],
    ['a pointer for a price', { price: pointer('Artisan', profileA) }],
  ]) {
    const created = await post('/classes/Product', { title: 'Typed', sku: sku('type'), price: 5, owner, ...fields }, as(artisanA));
    assert.deepEqual([created.status, created.json?.code], [400, 111], `create, ${label}: ${show(created)}`);
    const updated = await put(`/classes/Product/${productA}`, fields, as(artisanA));
    assert.deepEqual([updated.status, updated.json?.code], [400, 111], `update, ${label}: ${show(updated)}`);
  }
  // A value of the right type that the template refuses is still its 142.
  expectError(await put(`/classes/Product/${productA}`, { price: 0 }, as(artisanA)), 400, 142);
});

test('a duplicate sku answers 400 code 137', async () => {
  const code = sku('dup');
  await createProduct(artisanA, profileA, { sku: code });
  expectError(await post('/classes/Product', { title: 'Twin', sku: code, price: 5, owner: pointer('Artisan', profileB) }, as(artisanB)), 400, 137);
});

test('the owning artisan updates its product', async () => {
  const id = await createProduct(artisanA, profileA);
  const res = await put(`/classes/Product/${id}`, { price: 42.5, title: 'Big bowl' }, as(artisanA));
  assert.match(expectStatus(res, 200).updatedAt, ISO_DATE);
  const got = expectStatus(await get(`/classes/Product/${id}`), 200);
  assert.deepEqual([got.price, got.title], [42.5, 'Big bowl']);
});

test('escalation: artisan B editing artisan A\'s product answers 404 code 101 and changes nothing', async () => {
  const id = await createProduct(artisanA, profileA, { price: 30 });
  expectError(await put(`/classes/Product/${id}`, { price: 0.01 }, as(artisanB)), 404, 101);
  expectError(await put(`/classes/Product/${id}`, { stock: { __op: 'Increment', amount: -1 } }, as(artisanB)), 404, 101);
  assert.equal(expectStatus(await get(`/classes/Product/${id}`), 200).price, 30);
});

test('a buyer editing a product answers 404 code 101', async () => {
  const id = await createProduct(artisanA, profileA, { price: 30 });
  expectError(await put(`/classes/Product/${id}`, { price: 1 }, as(buyer)), 404, 101);
  assert.equal(expectStatus(await get(`/classes/Product/${id}`), 200).price, 30);
});

test('artisan B or a buyer deleting artisan A\'s product answers 404 code 101 and deletes nothing', async () => {
  const id = await createProduct(artisanA, profileA);
  expectError(await del(`/classes/Product/${id}`, as(artisanB)), 404, 101);
  expectError(await del(`/classes/Product/${id}`, as(buyer)), 404, 101);
  expectStatus(await get(`/classes/Product/${id}`), 200);
});

test('the owning artisan deletes its product', async () => {
  const id = await createProduct(artisanA, profileA);
  const res = await del(`/classes/Product/${id}`, as(artisanA));
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  expectError(await get(`/classes/Product/${id}`), 404, 101);
});

test('an artisan moving its product to another profile (changing owner) answers 400 code 119', async () => {
  const id = await createProduct(artisanA, profileA);
  expectError(await put(`/classes/Product/${id}`, { owner: pointer('Artisan', profileB) }, as(artisanA)), 400, 119);
  assert.deepEqual(expectStatus(await get(`/classes/Product/${id}`), 200).owner, pointer('Artisan', profileA));
});

test('a stock decrement below zero answers 400 code 142 and leaves the stock unchanged', async () => {
  const id = await createProduct(artisanA, profileA, { stock: 1 });
  const res = await put(`/classes/Product/${id}`, { stock: { __op: 'Increment', amount: -5 } }, as(artisanA));
  expectError(res, 400, 142);
  assert.equal(expectStatus(await get(`/classes/Product/${id}`), 200).stock, 1);
  // A decrement that stays at or above zero is fine and answers the new value.
  const ok = expectStatus(await put(`/classes/Product/${id}`, { stock: { __op: 'Increment', amount: -1 } }, as(artisanA)), 200);
  assert.equal(ok.stock, 0);
});

// ---------------------------------------------------------------------------------------------
// AccessLog

test('a signed-in buyer logs a product view: 201, user set to the caller, accessTime now', async () => {
  const t0 = Date.now();
  const res = await post('/classes/AccessLog', { product: pointer('Product', productA) }, as(buyer));
  const body = expectStatus(res, 201);
  assert.match(body.objectId, OBJECT_ID);
  const got = expectStatus(await get(`/classes/AccessLog/${body.objectId}`, { master: true }), 200);
  assert.deepEqual(got.user, pointer('_User', buyer.id));
  assert.deepEqual(got.product, pointer('Product', productA));
  assert.equal(got.accessTime?.__type, 'Date', JSON.stringify(got));
  assert.match(got.accessTime.iso, ISO_DATE);
  const at = Date.parse(got.accessTime.iso);
  assert.ok(at >= t0 - 60_000 && at <= Date.now() + 60_000, `accessTime ${got.accessTime.iso} is not now`);
});

test('an artisan can log a view too (any signed-in user)', async () => {
  await createLog(artisanB, productA);
});

test('escalation: forging the user of an AccessLog answers 400 code 119', async () => {
  const res = await post('/classes/AccessLog', { product: pointer('Product', productB), user: pointer('_User', buyer2.id) }, as(buyer));
  expectError(res, 400, 119);
  const count = expectStatus(await get(`/classes/AccessLog${qs({ where: { user: pointer('_User', buyer2.id), product: pointer('Product', productB) }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('an AccessLog naming its own user is accepted', async () => {
  const res = await post('/classes/AccessLog', { product: pointer('Product', productB), user: pointer('_User', buyer.id) }, as(buyer));
  expectStatus(res, 201);
});

test('an anonymous AccessLog answers 400 code 119', async () => {
  expectError(await post('/classes/AccessLog', { product: pointer('Product', productA) }), 400, 119);
});

test('an AccessLog without a product answers 400 code 142', async () => {
  expectError(await post('/classes/AccessLog', {}, as(buyer)), 400, 142);
});

test('an AccessLog of a product that does not exist answers 400 code 142', async () => {
  expectError(await post('/classes/AccessLog', { product: pointer('Product', missingId()) }, as(buyer)), 400, 142);
});

test('the logging user, the product\'s artisan and an admin see an AccessLog by find and by get', async () => {
  const id = await createLog(buyer, productA);
  for (const [who, user] of [['the logging buyer', buyer], ['artisan A', artisanA], ['the admin', admin]]) {
    assert.deepEqual(await logIdsSeen(id, as(user)), [id], `${who} should find the log`);
    const got = await get(`/classes/AccessLog/${id}`, as(user));
    assert.equal(expectStatus(got, 200).objectId, id, `${who}: ${show(got)}`);
  }
  assert.deepEqual(await logIdsSeen(id, { master: true }), [id]);
});

test('escalation: another buyer cannot read a buyer\'s AccessLog (find hides it, get 404 101)', async () => {
  const id = await createLog(buyer, productA);
  assert.deepEqual(await logIdsSeen(id, as(buyer2)), []);
  expectError(await get(`/classes/AccessLog/${id}`, as(buyer2)), 404, 101);
  const all = expectStatus(await get(`/classes/AccessLog${qs({ where: { user: pointer('_User', buyer.id) } })}`, as(buyer2)), 200);
  assert.deepEqual(all.results, []);
});

test('another artisan cannot read the AccessLog of a product it does not own', async () => {
  const id = await createLog(buyer, productA);
  assert.deepEqual(await logIdsSeen(id, as(artisanB)), []);
  expectError(await get(`/classes/AccessLog/${id}`, as(artisanB)), 404, 101);
});

test('an artisan finding AccessLogs of its product sees the views of every user', async () => {
  const product = await createProduct(artisanA, profileA);
  const ids = [await createLog(buyer, product), await createLog(buyer2, product), await createLog(artisanB, product)];
  const res = await get(`/classes/AccessLog${qs({ where: { product: pointer('Product', product) } })}`, as(artisanA));
  assert.deepEqual(expectStatus(res, 200).results.map((r) => r.objectId).sort(), [...ids].sort());
  // buyer2 sees only its own view of it.
  const mine = await get(`/classes/AccessLog${qs({ where: { product: pointer('Product', product) } })}`, as(buyer2));
  assert.deepEqual(expectStatus(mine, 200).results.map((r) => r.objectId), [ids[1]]);
});

test('no client may update an AccessLog (400 code 119), not even its user, the artisan or an admin', async () => {
  const id = await createLog(buyer, productA);
  const original = expectStatus(await get(`/classes/AccessLog/${id}`, { master: true }), 200);
  for (const user of [buyer, artisanA, admin, buyer2]) {
    const res = await put(`/classes/AccessLog/${id}`, { accessTime: { __type: 'Date', iso: '2020-01-01T00:00:00.000Z' } }, as(user));
    expectError(res, 400, 119);
  }
  expectError(await put(`/classes/AccessLog/${id}`, { accessTime: { __type: 'Date', iso: '2020-01-01T00:00:00.000Z' } }), 400, 119);
  assert.deepEqual(expectStatus(await get(`/classes/AccessLog/${id}`, { master: true }), 200).accessTime, original.accessTime);
});

test('no client may delete an AccessLog (400 code 119)', async () => {
  const id = await createLog(buyer, productA);
  for (const user of [buyer, artisanA, admin, buyer2]) {
    expectError(await del(`/classes/AccessLog/${id}`, as(user)), 400, 119);
  }
  expectError(await del(`/classes/AccessLog/${id}`), 400, 119);
  expectStatus(await get(`/classes/AccessLog/${id}`, { master: true }), 200);
});

// ---------------------------------------------------------------------------------------------
// Order

test('creating an Order through /classes/Order as a client answers 400 code 119', async () => {
  const body = { artisan: pointer('Artisan', profileA), items: [{ product: pointer('Product', productA), quantity: 1, unitPrice: 0.01 }], totalAmount: 0.01 };
  for (const user of [buyer, artisanA, admin]) {
    expectError(await post('/classes/Order', body, as(user)), 400, 119);
  }
  const count = expectStatus(await get(`/classes/Order${qs({ where: { buyer: { $in: [pointer('_User', buyer.id), pointer('_User', artisanA.id), pointer('_User', admin.id)] } }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('an anonymous Order find answers 400 code 119', async () => {
  expectError(await get('/classes/Order'), 400, 119);
});

// ---------------------------------------------------------------------------------------------
// _Session

test('a client cannot create a _Session (400 code 119)', async () => {
  const res = await post('/classes/_Session', { user: pointer('_User', buyer.id), sessionToken: `r:${rand(20)}` }, as(buyer));
  expectError(res, 400, 119);
  expectError(await post('/classes/_Session', { user: pointer('_User', buyer.id) }), 400, 119);
});

test('a client cannot update its own _Session (400 code 119)', async () => {
  const session = expectStatus(await get('/sessions/me', as(buyer)), 200);
  const res = await put(`/classes/_Session/${session.objectId}`, { expiresAt: { __type: 'Date', iso: '2999-01-01T00:00:00.000Z' } }, as(buyer));
  expectError(res, 400, 119);
  const after = expectStatus(await get('/sessions/me', as(buyer)), 200);
  assert.deepEqual(after.expiresAt, session.expiresAt);
});

test('a user sees only its own sessions in /classes/_Session', async () => {
  const user = await signUp('sessions');
  expectStatus(await post('/login', { username: user.username, password: user.password }), 200);
  const res = await get('/classes/_Session', as(user));
  const results = expectStatus(res, 200).results;
  assert.equal(results.length, 2, show(res));
  for (const s of results) assert.deepEqual(s.user, pointer('_User', user.id), show(res));
  const current = expectStatus(await get('/sessions/me', as(user)), 200).objectId;
  assert.ok(results.some((s) => s.objectId === current), show(res));
  // Another user's session is invisible, by find and by get.
  const others = expectStatus(await get(`/classes/_Session${qs({ where: { user: pointer('_User', buyer.id) } })}`, as(user)), 200);
  assert.deepEqual(others.results, []);
  const buyerSession = expectStatus(await get('/sessions/me', as(buyer)), 200).objectId;
  expectError(await get(`/classes/_Session/${buyerSession}`, as(user)), 404, 101);
});

test('anonymous clients see no sessions', async () => {
  const res = await get(`/classes/_Session${qs({ where: { user: pointer('_User', buyer.id) } })}`);
  assert.deepEqual(expectStatus(res, 200).results, []);
});

// ---------------------------------------------------------------------------------------------
// Schema: no client-added fields

test('clients can never add fields to the marketplace classes (400 code 119)', async () => {
  const field = `hack_${rand()}`;
  expectError(await post('/classes/Product', { title: 'X', sku: sku('field'), price: 5, owner: pointer('Artisan', profileA), [field]: 1 }, as(artisanA)), 400, 119);
  expectError(await put(`/classes/Product/${productA}`, { [field]: 1 }, as(artisanA)), 400, 119);
  expectError(await put(`/classes/Artisan/${profileA}`, { [field]: 'x' }, as(artisanA)), 400, 119);
  expectError(await post('/classes/AccessLog', { product: pointer('Product', productA), [field]: true }, as(buyer)), 400, 119);
  expectError(await put(`/users/${buyer.id}`, { [field]: 'x' }, as(buyer)), 400, 119);
  expectError(await post('/users', { username: `field_${rand(10)}`, password: 'pw-1-long-enough', [field]: 'x' }), 400, 119);
  const schema = expectStatus(await get('/schemas/Product', { master: true }), 200);
  assert.ok(!(field in schema.fields), JSON.stringify(schema.fields));
});

// ---------------------------------------------------------------------------------------------
// Hidden fields in includes

test('including an Artisan\'s user never exposes a password, hash or email to others', async () => {
  const path = `/classes/Artisan${qs({ where: { objectId: profileA }, include: 'user' })}`;
  for (const opts of [{}, as(buyer), as(artisanB)]) {
    const res = await get(path, opts);
    expectStatus(res, 200);
    for (const needle of ['password', 'hashed', '$pbkdf2', artisanA.email, artisanA.password]) {
      assert.ok(!res.text.includes(needle), `leaks ${needle}: ${show(res)}`);
    }
  }
});

test('an artisan including its own user sees it without any password field', async () => {
  const res = await get(`/classes/Artisan${qs({ where: { objectId: profileA }, include: 'user' })}`, as(artisanA));
  const body = expectStatus(res, 200);
  assert.equal(body.results.length, 1);
  for (const needle of ['password', 'hashed', '$pbkdf2', artisanA.password]) {
    assert.ok(!res.text.includes(needle), `leaks ${needle}: ${show(res)}`);
  }
});

test('deep includes from AccessLog never expose a password or hash', async () => {
  const id = await createLog(buyer, productA);
  const path = `/classes/AccessLog${qs({ where: { objectId: id }, include: 'user,product.owner.user' })}`;
  for (const user of [buyer, artisanA, admin]) {
    const res = await get(path, as(user));
    const body = expectStatus(res, 200);
    assert.equal(body.results.length, 1, show(res));
    for (const needle of ['password', 'hashed', '$pbkdf2', buyer.password, artisanA.password]) {
      assert.ok(!res.text.includes(needle), `leaks ${needle}: ${show(res)}`);
    }
  }
  // The product's artisan does not learn the buyer's email through the include.
  const res = await get(path, as(artisanA));
  assert.ok(!res.text.includes(buyer.email), `leaks the buyer's email to the artisan: ${show(res)}`);
});

// ---------------------------------------------------------------------------------------------
// The admin

test('an admin reads every AccessLog but cannot edit other artisans\' products', async () => {
  const id = await createLog(buyer2, productB);
  assert.deepEqual(await logIdsSeen(id, as(admin)), [id]);
  expectError(await put(`/classes/Product/${productB}`, { price: 1 }, as(admin)), 404, 101);
});

test('the master key reads, updates and deletes across the board', async () => {
  const id = await createLog(buyer, productA);
  expectStatus(await get(`/classes/AccessLog/${id}`, { master: true }), 200);
  expectStatus(await put(`/classes/AccessLog/${id}`, { accessTime: { __type: 'Date', iso: '2020-01-01T00:00:00.000Z' } }, { master: true }), 200);
  const res = await del(`/classes/AccessLog/${id}`, { master: true });
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  const orders = expectStatus(await get(`/classes/Order${qs({ limit: 0, count: 1 })}`, { master: true }), 200);
  assert.equal(typeof orders.count, 'number');
});
