// The limits are on by default: deeply nested input is refused before it is parsed (thousands
// of levels would overflow the parser's stack and trap the instance), and depth, root fields
// (aliases included), fields, `first` and the reads of one request are bounded. The master key
// gets wider limits, never none. Every refusal is JSON and the worker keeps answering.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, failing, raw, signUp } from './support.mjs';

const json = (body) => ({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

async function expectRefused(query, opts = {}, status = 400) {
  const res = await raw('POST', { ...json({ query, variables: opts.variables }), headers: { 'Content-Type': 'application/json', ...(opts.headers ?? {}) } });
  assert.equal(res.status, status, res.text.slice(0, 300));
  assert.ok(Array.isArray(res.json?.errors), res.text.slice(0, 300));
  return res.json.errors[0];
}

async function stillAnswers() {
  assert.deepEqual(await client().request('{ health }'), { health: true });
}

test('thousands of nested levels are refused before parsing, and the worker lives on', async () => {
  const levels = 5_000;
  for (const query of [
    `{ ${'products { edges { node { owner '.repeat(levels)} }`,
    `{ products(where: ${'{AND: ['.repeat(levels)}{}${']}'.repeat(levels)}) { count } }`,
    `query { products(where: {tags: {in: ${'['.repeat(levels)}1${']'.repeat(levels)}}}) { count } }`,
  ]) {
    const error = await expectRefused(query);
    assert.match(error.message, /nested deeper/);
  }
  await expectRefused(`{ ${'a { '.repeat(3_000)}}`, { headers: { 'X-Parse-Master-Key': process.env.MASTER_KEY } });
  await stillAnswers();
});

test('deeply nested variables are refused as JSON', async () => {
  let where = {};
  for (let i = 0; i < 2_000; i += 1) where = { AND: [where] };
  const res = await raw('POST', json({ query: 'query($w: ProductWhereInput) { products(where: $w) { count } }', variables: { w: where } }));
  assert.equal(res.status, 400);
  assert.equal(res.json.errors[0].extensions.code, 'BAD_REQUEST');
  await stillAnswers();
});

test('depth is limited to 12 for clients, before the fields are even checked', async () => {
  await client().request('{ orders: products { edges { node { owner { user { ACL { public { read } } } } } } } }');
  const thirteen = `{ ${'a { '.repeat(12)}b${' }'.repeat(12)} }`;
  const error = await expectRefused(thirteen);
  assert.equal(error.message, 'GraphQL query depth of 13 exceeds maximum allowed depth of 12');
  assert.equal(error.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
});

test('root fields, aliases included, are limited to 20', async () => {
  const twenty = Array.from({ length: 20 }, (_, i) => `a${i}: health`).join(' ');
  const ok = await client().request(`{ ${twenty} }`);
  assert.equal(Object.keys(ok).length, 20);
  const error = await expectRefused(`{ ${twenty} extra: health }`);
  assert.match(error.message, /root fields/);
  assert.equal(error.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
});

test('fragments that fan out are measured, not expanded', async () => {
  let query = '{ ...F0 }\n';
  for (let i = 0; i < 30; i += 1) query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
  query += 'fragment F30 on Query { health }';
  const error = await expectRefused(query, { headers: { 'X-Parse-Master-Key': process.env.MASTER_KEY } });
  assert.match(error.message, /fields/);
  await stillAnswers();
});

test('first is clamped to 1,000, negative pages are 102', async () => {
  const page = await client().request('{ products(first: 100000) { edges { node { objectId } } } }');
  assert.ok(page.products.edges.length <= 1000);
  const res = await failing(client(), '{ products(first: -1) { count } }');
  assert.equal(res.errors[0].extensions.code, 102);
  assert.equal(res.errors[0].message, 'First should be a positive number');
});

test('the account lockout holds through GraphQL logIn', async () => {
  const user = await signUp('gqllock');
  const login = (password) => failing(client(), 'mutation($u: String!, $p: String!) { logIn(input: {username: $u, password: $p}) { viewer { sessionToken } } }', { u: user.username, p: password });
  for (let i = 0; i < 5; i += 1) {
    const res = await login('wrong-password');
    assert.equal(res.errors[0].extensions.code, 101);
  }
  const locked = await login(user.password);
  assert.equal(locked.errors[0].extensions.code, 155, JSON.stringify(locked.errors));
  assert.match(locked.errors[0].message, /locked/);
});

test('one request hashes at most two passwords, aliases or not', async () => {
  const user = await signUp('gqlhash');
  const three = ['a', 'b', 'c'].map((a) => `${a}: logIn(input: {username: "${user.username}", password: "${user.password}"}) { viewer { sessionToken } }`).join(' ');
  const res = await failing(client(), `mutation { ${three} }`);
  assert.ok(res.data.a && res.data.b, JSON.stringify(res));
  assert.equal(res.data.c, null);
  assert.equal(res.errors[0].extensions.code, 155);
});
