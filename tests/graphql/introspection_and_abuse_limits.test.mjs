// Introspection is the master key's by default (the shared server), `__typename` everyone's;
// GRAPHQL_PUBLIC_INTROSPECTION opens it to the classes the OpenAPI document shows each caller
// (a private server). The abuse limits (sign-ups per address, checkouts per buyer) hold for
// GraphQL exactly as for REST, on that private server with tight limits.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../support/worker.mjs';
import { client, failing, graphqlUrl, raw, rand, pointer } from './support.mjs';

const INTROSPECT = '{ __schema { types { name } queryType { fields { name } } } }';

test('introspection is master-only by default; __typename is always allowed', async () => {
  const res = await raw('POST', { body: JSON.stringify({ query: INTROSPECT }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 403);
  assert.deepEqual(res.json, { errors: [{ message: 'Introspection is not allowed' }] });
  const typeQuery = await raw('POST', { body: JSON.stringify({ query: '{ __type(name: "Product") { name } }' }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(typeQuery.status, 403);
  assert.deepEqual(await client().request('{ __typename }'), { __typename: 'Query' });
  const master = await client({ master: true }).request(INTROSPECT);
  const types = master.__schema.types.map((t) => t.name);
  for (const t of ['Product', 'ProductConnection', 'ProductWhereInput', 'ProductOrder', 'CreateProductFieldsInput', 'User', 'Viewer', 'Node', 'ArrayResult', 'Element']) {
    assert.ok(types.includes(t), t);
  }
  const roots = master.__schema.queryType.fields.map((f) => f.name);
  for (const r of ['health', 'node', 'viewer', 'products', 'product', 'users', 'accessLogs', 'classes']) assert.ok(roots.includes(r), r);
});

let worker;
let url;
const internal = `GqlInternal${rand(6)}`;

before(async () => {
  worker = await startWorker({
    vars: { GRAPHQL_PUBLIC_INTROSPECTION: 'true', SIGNUP_IP_LIMIT: '2', SIGNUP_IP_WINDOW_MINUTES: '10', CHECKOUT_LIMIT: '1', CHECKOUT_WINDOW_MINUTES: '10' },
  });
  url = graphqlUrl(worker.url);
  const made = await worker.call('POST', `/schemas/${internal}`, {
    className: internal,
    fields: { secret: { type: 'String' } },
    classLevelPermissions: { find: {}, count: {}, get: {}, create: {}, update: {}, delete: {}, addField: {} },
  }, { master: true });
  assert.equal(made.status, 200, made.text);
});

after(() => worker?.kill());

test('with GRAPHQL_PUBLIC_INTROSPECTION, a client sees what the OpenAPI document shows it', async () => {
  const mine = client({ url, masterKey: worker.masterKey });
  const open = await mine.request(INTROSPECT);
  const types = open.__schema.types.map((t) => t.name);
  assert.ok(types.includes('Product'));
  assert.ok(!types.includes(internal), 'a class with every permission empty is internal');
  const doc = await worker.call('GET', '/openapi.json');
  assert.ok(!JSON.stringify(doc.json).includes(internal));
  const master = await client({ url, master: true, masterKey: worker.masterKey }).request(INTROSPECT);
  assert.ok(master.__schema.types.map((t) => t.name).includes(internal));
  // Standard client introspection (deep `ofType` chains) fits the client limits.
  const { getIntrospectionQuery } = await import('graphql');
  const full = await mine.request(getIntrospectionQuery());
  assert.ok(full.__schema.types.length > 50);
});

test('the sign-up limit per address holds for GraphQL signUp', async () => {
  const mine = client({ url, headers: { 'CF-Connecting-IP': '203.0.113.77' } });
  const signUp = () => failing(mine, `mutation { signUp(input: {fields: {username: "lim_${rand(10)}", password: "pw-123456"}}) { viewer { sessionToken } } }`).catch((e) => e);
  const up = (n) => mine.request(`mutation { signUp(input: {fields: {username: "lim_${rand(10)}_${n}", password: "pw-123456"}}) { viewer { sessionToken } } }`);
  await up(1);
  await up(2);
  const third = await signUp();
  assert.equal(third.errors[0].extensions.code, 155);
  assert.ok(third.errors[0].extensions.retryAfter >= 1);
});

test('the checkout limit per buyer holds for createOrder', async () => {
  const call = (method, path, body, opts) => worker.call(method, path, body, { ip: '203.0.113.78', ...opts });
  const artisan = await call('POST', '/users', { username: `lima_${rand(8)}`, password: 'pw-123456', role: 'artisan' });
  const profile = await call('POST', '/classes/Artisan', { name: 'Limits' }, { token: artisan.json.sessionToken });
  const product = await call('POST', '/classes/Product', { title: 'x', sku: `lim-${rand(10)}`, price: 1, stock: 10, owner: pointer('Artisan', profile.json.objectId) }, { token: artisan.json.sessionToken });
  const buyer = await worker.call('POST', '/users', { username: `limb_${rand(8)}`, password: 'pw-123456' }, { ip: '203.0.113.79' });
  const order = `mutation($p: Any) { createOrder(input: {fields: {items: [{product: $p, quantity: 1}]}}) { order { objectId } } }`;
  const mine = client({ url, token: buyer.json.sessionToken });
  const p = pointer('Product', product.json.objectId);
  await mine.request(order, { p });
  const second = await failing(mine, order, { p });
  assert.equal(second.errors[0].extensions.code, 155);
});
