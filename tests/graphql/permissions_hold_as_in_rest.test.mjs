// The permission matrix through GraphQL: ACLs, class-level permissions, protected fields and
// the marketplace's rules hold exactly as in REST, because GraphQL calls the same services.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { client, codeOf, failing, globalId, newShop, rand, signUp, pointer } from './support.mjs';
import { get, post, withSession } from '../http/support.mjs';

let shop; // an artisan with its profile
let rival; // another artisan
let buyer;
let stranger;
let productId;

const CREATE_PRODUCT = `mutation($f: CreateProductFieldsInput) { createProduct(input: {fields: $f}) { product { objectId } } }`;
const UPDATE_PRODUCT = `mutation($id: ID!, $f: UpdateProductFieldsInput) { updateProduct(input: {id: $id, fields: $f}) { product { objectId title } } }`;

const productFields = (profile) => ({ title: `Perm ${rand(6)}`, sku: `perm-${rand(12)}`, price: 10, stock: 2, owner: { link: profile } });

before(async () => {
  [shop, rival] = await Promise.all([newShop('gqlperm'), newShop('gqlperm2')]);
  [buyer, stranger] = await Promise.all([signUp('gqlperm_b'), signUp('gqlperm_s')]);
  const made = await client({ token: shop.user.token }).request(CREATE_PRODUCT, { f: productFields(shop.profile) });
  productId = made.createProduct.product.objectId;
});

test('only artisans create products, and only for their own profile', async () => {
  assert.equal(await codeOf(client(), CREATE_PRODUCT, { f: productFields(shop.profile) }), 119);
  assert.equal(await codeOf(client({ token: buyer.token }), CREATE_PRODUCT, { f: productFields(shop.profile) }), 119);
  assert.ok([101, 119].includes(await codeOf(client({ token: rival.user.token }), CREATE_PRODUCT, { f: productFields(shop.profile) })));
});

test('only the owner edits; the owner never moves; deletes are the owner\'s', async () => {
  const byRival = await codeOf(client({ token: rival.user.token }), UPDATE_PRODUCT, { id: productId, f: { title: 'stolen' } });
  assert.ok([101, 119].includes(byRival), String(byRival));
  const moved = await codeOf(client({ token: shop.user.token }), UPDATE_PRODUCT, { id: productId, f: { owner: { link: rival.profile } } });
  assert.equal(moved, 119);
  const ok = await client({ token: shop.user.token }).request(UPDATE_PRODUCT, { id: globalId('Product', productId), f: { title: 'Renamed' } });
  assert.equal(ok.updateProduct.product.title, 'Renamed');
  const del = `mutation($id: ID!) { deleteProduct(input: {id: $id}) { product { objectId title } } }`;
  assert.ok([101, 119].includes(await codeOf(client({ token: buyer.token }), del, { id: productId })));
  const extra = await client({ token: shop.user.token }).request(CREATE_PRODUCT, { f: productFields(shop.profile) });
  const gone = await client({ token: shop.user.token }).request(del, { id: extra.createProduct.product.objectId });
  assert.equal(gone.deleteProduct.product.objectId, extra.createProduct.product.objectId);
  assert.equal((await get(`/classes/Product/${extra.createProduct.product.objectId}`)).status, 404);
});

test('validation rules hold: prices positive with two decimals, stock whole', async () => {
  assert.equal(await codeOf(client({ token: shop.user.token }), CREATE_PRODUCT, { f: { ...productFields(shop.profile), price: -1 } }), 142);
  assert.equal(await codeOf(client({ token: shop.user.token }), UPDATE_PRODUCT, { id: productId, f: { stock: 1.5 } }), 142);
});

test('users: each reads only itself, emails are hidden, roles are not chosen, nobody edits another', async () => {
  const q = `query($id: ID!) { user(id: $id) { username email } }`;
  assert.equal(await codeOf(client({ token: stranger.token }), q, { id: buyer.id }), 101, "another user's object is hidden");
  const self = await client({ token: buyer.token }).request(q, { id: buyer.id });
  assert.equal(self.user.email, buyer.email);
  const viewer = await client({ token: buyer.token }).request(`{ viewer { user { email } } }`);
  assert.equal(viewer.viewer.user.email, buyer.email);
  const where = await failing(client({ token: stranger.token }), `{ users(where: {email: {equalTo: "x"}}) { count } }`);
  assert.equal(where.errors[0].extensions.code, 119, 'a protected field cannot be queried');
  const promote = await codeOf(client({ token: buyer.token }), `mutation($id: ID!) { updateUser(input: {id: $id, fields: {role: "admin"}}) { user { role } } }`, { id: buyer.id });
  assert.equal(promote, 119);
  const edit = await codeOf(client({ token: stranger.token }), `mutation($id: ID!) { updateUser(input: {id: $id, fields: {username: "hijack"}}) { user { username } } }`, { id: buyer.id });
  assert.ok([101, 119].includes(edit), String(edit));
  const admin = await failing(client(), `mutation { signUp(input: {fields: {username: "gqladmin_${rand(8)}", password: "pw-123456", role: "admin"}}) { viewer { sessionToken } } }`);
  assert.equal(admin.errors[0].extensions.code, 119);
});

test('orders are seen by their buyer, the artisan and admins only', async () => {
  const res = await post('/classes/Order', { items: [{ product: pointer('Product', productId), quantity: 1 }] }, withSession(buyer.token));
  assert.equal(res.status, 201);
  const orderId = res.json.objectId;
  const query = `query($id: ID!) { order(id: $id) { objectId } }`;
  assert.equal(await codeOf(client(), query, { id: orderId }), 119, 'anonymous: requiresAuthentication');
  assert.equal(await codeOf(client({ token: stranger.token }), query, { id: orderId }), 101);
  assert.equal(await codeOf(client({ token: rival.user.token }), query, { id: orderId }), 101);
  assert.equal((await client({ token: shop.user.token }).request(query, { id: orderId })).order.objectId, orderId);
  const list = await client({ token: stranger.token }).request(`{ orders { count } }`);
  assert.equal(list.orders.count, 0);
  const node = await client({ token: buyer.token }).request(`query($id: ID!) { node(id: $id) { id ... on Order { status } } }`, { id: globalId('Order', orderId) });
  assert.equal(node.node.status, 'pending');
  assert.equal(await codeOf(client({ token: stranger.token }), `mutation($id: ID!) { deleteOrder(input: {id: $id}) { order { objectId } } }`, { id: orderId }), 119);
});

test('access logs are written as oneself', async () => {
  const made = await client({ token: buyer.token }).request(
    `mutation($p: ID!, $u: ID!) { createAccessLog(input: {fields: {product: {link: $p}, user: {link: $u}}}) { accessLog { objectId user { objectId } } } }`,
    { p: productId, u: stranger.id },
  ).catch((e) => e.response);
  if (made.errors) {
    assert.equal(made.errors[0].extensions.code, 119, JSON.stringify(made.errors));
  } else {
    assert.equal(made.createAccessLog.accessLog.user.objectId, buyer.id, 'the server sets the user');
  }
  const own = await client({ token: buyer.token }).request(
    `mutation($p: ID!) { createAccessLog(input: {fields: {product: {link: $p}}}) { accessLog { objectId user { objectId } } } }`, { p: productId });
  assert.equal(own.createAccessLog.accessLog.user.objectId, buyer.id);
});

test('private pointers come back null to strangers; the master key sees them', async () => {
  const q = `query($id: ID!) { product(id: $id) { owner { name user { username } } } }`;
  const anon = await client().request(q, { id: productId });
  assert.equal(anon.product.owner.user, null);
  const master = await client({ master: true }).request(q, { id: productId });
  assert.equal(master.product.owner.user.username, shop.user.username);
});
