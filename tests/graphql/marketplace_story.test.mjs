// The marketplace through GraphQL only, with a real GraphQL client: an artisan signs up, makes
// its profile and products; a buyer signs up, logs in, browses with filters and owners, orders,
// sees the order; the order steps through its lifecycle. Sessions are REST sessions both ways.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, codeOf, globalId, rand } from './support.mjs';
import { get, post, withSession } from '../http/support.mjs';

const SIGN_UP = `mutation SignUp($fields: CreateUserFieldsInput) {
  signUp(input: {fields: $fields, clientMutationId: "s1"}) {
    clientMutationId
    viewer { sessionToken user { id objectId username role } }
  }
}`;

const anonymous = client();
let artisan; // {token, id}
let buyer; // {token, id, username, password}
let profile; // the artisan's profile objectId
const products = [];
let order;

test('an artisan signs up, makes its profile and products through GraphQL', async () => {
  const username = `gqlmaker_${rand(10)}`;
  const up = await anonymous.request(SIGN_UP, {
    fields: { username, password: 'pw-story-1', email: `${username}@example.test`, role: 'artisan' },
  });
  assert.equal(up.signUp.clientMutationId, 's1');
  assert.equal(up.signUp.viewer.user.role, 'artisan');
  assert.equal(up.signUp.viewer.user.id, globalId('_User', up.signUp.viewer.user.objectId));
  artisan = { token: up.signUp.viewer.sessionToken, id: up.signUp.viewer.user.objectId };
  const maker = client({ token: artisan.token });
  const made = await maker.request(`mutation { createArtisan(input: {fields: {name: "Story Pottery"}}) { artisan { objectId name user { objectId username } } } }`);
  assert.equal(made.createArtisan.artisan.name, 'Story Pottery');
  assert.equal(made.createArtisan.artisan.user.objectId, artisan.id, 'Artisan.user is the caller');
  profile = made.createArtisan.artisan.objectId;
  for (const [title, price, stock] of [['Story bowl', 24.5, 1], ['Story jug', 60, 2], ['Story cup', 12, 5]]) {
    const res = await maker.request(
      `mutation($f: CreateProductFieldsInput) { createProduct(input: {fields: $f}) { product { objectId title price stock owner { objectId name } } } }`,
      { f: { title, price, stock, sku: `story-${rand(12)}`, tags: ['story'], owner: { link: globalId('Artisan', profile) } } },
    );
    assert.equal(res.createProduct.product.owner.name, 'Story Pottery');
    assert.equal(res.createProduct.product.stock, stock);
    products.push(res.createProduct.product);
  }
});

test('a buyer signs up, logs in, and browses with filters and owners', async () => {
  const username = `gqlbuyer_${rand(10)}`;
  const password = 'pw-story-2';
  const up = await anonymous.request(SIGN_UP, { fields: { username, password, email: `${username}@example.test` } });
  assert.equal(up.signUp.viewer.user.role, 'buyer');
  const logged = await anonymous.request(
    `mutation($u: String!, $p: String!) { logIn(input: {username: $u, password: $p}) { viewer { sessionToken user { objectId username } } } }`,
    { u: username, p: password },
  );
  buyer = { token: logged.logIn.viewer.sessionToken, id: logged.logIn.viewer.user.objectId, username, password };
  // A GraphQL session is a REST session.
  const me = await get('/users/me', withSession(buyer.token));
  assert.equal(me.json.username, username);

  const browse = await client({ token: buyer.token }).request(
    `query Browse($owner: ID!, $max: Float) {
      products(where: {owner: {have: {id: {equalTo: $owner}}}, price: {lessThan: $max}}, order: [price_DESC], first: 10) {
        count
        edges { cursor node { id title price tags { ... on Element { value } } owner { name } } }
        pageInfo { hasNextPage hasPreviousPage startCursor }
      }
    }`,
    { owner: globalId('Artisan', profile), max: 50 },
  );
  const page = browse.products;
  assert.equal(page.count, 2);
  assert.deepEqual(page.edges.map((e) => e.node.title), ['Story bowl', 'Story cup']);
  assert.deepEqual(page.edges[0].node.tags, [{ value: 'story' }]);
  assert.equal(page.edges[0].node.owner.name, 'Story Pottery');
  assert.equal(page.pageInfo.hasNextPage, false);
  assert.equal(page.pageInfo.hasPreviousPage, false);
  const next = await anonymous.request(
    `query($owner: ID!, $after: String) { products(where: {owner: {have: {objectId: {equalTo: $owner}}}}, order: [price_ASC], first: 1, after: $after) { edges { node { title } } pageInfo { hasNextPage hasPreviousPage } } }`,
    { owner: profile, after: page.edges[0].cursor },
  );
  assert.deepEqual(next.products.edges.map((e) => e.node.title), ['Story bowl']);
  assert.equal(next.products.pageInfo.hasPreviousPage, true);
  assert.equal(next.products.pageInfo.hasNextPage, true);
  const one = await anonymous.request(`query($id: ID!) { product(id: $id) { title owner { objectId } } }`, { id: globalId('Product', products[0].objectId) });
  assert.equal(one.product.title, 'Story bowl');
});

test('the buyer orders; the server prices it; both parties see it', async () => {
  const res = await client({ token: buyer.token, headers: { 'X-Parse-Request-Id': `story-${rand(12)}` } }).request(
    `mutation($items: Any) { createOrder(input: {fields: {items: $items}}) { order { objectId status totalAmount items { ... on Element { value } } buyer { objectId username } artisan { objectId name } } } }`,
    { items: [{ product: { __type: 'Pointer', className: 'Product', objectId: products[1].objectId }, quantity: 2 }] },
  );
  order = res.createOrder.order;
  assert.equal(order.status, 'pending');
  assert.equal(order.totalAmount, 120);
  assert.equal(order.buyer.username, buyer.username);
  assert.equal(order.artisan.name, 'Story Pottery');
  assert.equal(order.items[0].value.unitPrice, 60);
  const mine = await client({ token: buyer.token }).request(`{ orders { count edges { node { objectId totalAmount } } } }`);
  assert.ok(mine.orders.edges.some((e) => e.node.objectId === order.objectId));
  const theirs = await client({ token: artisan.token }).request(`query($id: ID!) { order(id: $id) { status buyer { objectId } } }`, { id: order.objectId });
  assert.equal(theirs.order.status, 'pending');
  const stock = await anonymous.request(`query($id: ID!) { product(id: $id) { stock } }`, { id: products[1].objectId });
  assert.equal(stock.product.stock, 0);
});

test('the order steps through its lifecycle as the state machine allows', async () => {
  const STEP = `mutation($id: ID!, $s: String) { updateOrder(input: {id: $id, fields: {status: $s}}) { order { status } } }`;
  // Not paid yet: the artisan cannot ship (142); the buyer cannot mark it paid (119).
  assert.equal(await codeOf(client({ token: artisan.token }), STEP, { id: order.objectId, s: 'shipped' }), 142);
  assert.equal(await codeOf(client({ token: buyer.token }), STEP, { id: order.objectId, s: 'paid' }), 119);
  const paid = await client({ master: true }).request(STEP, { id: globalId('Order', order.objectId), s: 'paid' });
  assert.equal(paid.updateOrder.order.status, 'paid');
  const shipped = await client({ token: artisan.token }).request(STEP, { id: order.objectId, s: 'shipped' });
  assert.equal(shipped.updateOrder.order.status, 'shipped');
  // REST sees what GraphQL did.
  const rest = await get(`/classes/Order/${order.objectId}`, withSession(buyer.token));
  assert.equal(rest.json.status, 'shipped');
  const out = await client({ token: buyer.token }).request(`mutation { logOut(input: {clientMutationId: "bye"}) { ok clientMutationId } }`);
  assert.deepEqual(out.logOut, { ok: true, clientMutationId: 'bye' });
  const after = await post('/logout', {}, withSession(buyer.token));
  assert.equal(after.json.code, 209, 'the token answers 209 at once');
});
