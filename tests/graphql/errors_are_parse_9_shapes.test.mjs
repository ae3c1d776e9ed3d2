// Every error shape of the contract, and always JSON: transport refusals (Apollo's codes and
// statuses), REST's credential answers, resolver errors as HTTP 200 with the Parse code in
// `extensions.code`, a failed non-null field nulling `data`, and bodies that are not GraphQL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, failing, raw, rand, GRAPHQL_URL } from './support.mjs';

const json = (body) => ({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

function expectCode(res, status, code) {
  assert.equal(res.status, status, res.text.slice(0, 400));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.json?.errors?.[0]?.extensions?.code, code, res.text.slice(0, 400));
  assert.equal(typeof res.json.errors[0].message, 'string');
}

test('bodies that are not a GraphQL request are 400 BAD_REQUEST in JSON, never HTML', async () => {
  expectCode(await raw('POST', { body: '{"query": ', headers: { 'Content-Type': 'application/json' } }), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', { body: '', headers: { 'Content-Type': 'application/json' } }), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', json({ variables: {} })), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', json({ query: 42 })), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', json([{ query: '{ health }' }, { query: '{ health }' }])), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', { body: '{"query":"{ health }"}', headers: { 'Content-Type': 'text/plain' } }), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', json({ query: '{ health }', variables: [] })), 400, 'BAD_REQUEST');
  expectCode(await raw('POST', { body: '{"query":"{ health }","query":"{ health }"}', headers: { 'Content-Type': 'application/json' } }), 400, 'BAD_REQUEST');
  expectCode(await raw('DELETE'), 405, 'METHOD_NOT_ALLOWED');
});

test('a body over the limit is 413 in JSON', async () => {
  const res = await raw('POST', json({ query: '{ health }', pad: 'x'.repeat(1024 * 1024 + 10) }));
  assert.equal(res.status, 413);
  assert.equal(res.json.errors[0].extensions.code, 116);
});

test('syntax, validation, variables and operation choice are 400 with Apollo codes', async () => {
  const syntax = await raw('POST', json({ query: '{ health' }));
  expectCode(syntax, 400, 'GRAPHQL_PARSE_FAILED');
  assert.match(syntax.json.errors[0].message, /^Syntax Error: /);
  assert.equal(syntax.json.data, undefined);
  const unknown = await raw('POST', json({ query: '{ nope }' }));
  expectCode(unknown, 400, 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(unknown.json.errors[0].message, 'Cannot query field "nope".');
  expectCode(await raw('POST', json({ query: '{ products(bogus: 1) { count } }' })), 400, 'GRAPHQL_VALIDATION_FAILED');
  expectCode(await raw('POST', json({ query: '{ products(order: [nope_ASC]) { count } }' })), 400, 'GRAPHQL_VALIDATION_FAILED');
  expectCode(await raw('POST', json({ query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' })), 400, 'GRAPHQL_VALIDATION_FAILED');
  expectCode(await raw('POST', json({ query: '{ health @nope }' })), 400, 'GRAPHQL_VALIDATION_FAILED');
  expectCode(await raw('POST', json({ query: 'query($n: Int) { products(first: $n) { count } }', variables: { n: 'many' } })), 400, 'BAD_USER_INPUT');
  expectCode(await raw('POST', json({ query: 'query A { health } query B { health }' })), 400, 'OPERATION_RESOLUTION_FAILURE');
  expectCode(await raw('POST', json({ query: 'query A { health }', operationName: 'B' })), 400, 'OPERATION_RESOLUTION_FAILURE');
  const chosen = await raw('POST', json({ query: 'query A { a: health } query B { b: health }', operationName: 'B' }));
  assert.deepEqual(chosen.json, { data: { b: true } });
});

test('GET runs queries only: a mutation over GET is 405', async () => {
  const ok = await raw('GET', { query: `?query=${encodeURIComponent('query($x: Int) { products(first: $x) { count } }')}&variables=${encodeURIComponent('{"x": 1}')}` });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(typeof ok.json.data.products.count, 'number');
  const mutation = await raw('GET', { query: `?query=${encodeURIComponent('mutation { logOut { ok } }')}` });
  expectCode(mutation, 405, 'BAD_REQUEST');
  assert.equal(mutation.json.errors[0].message, 'GET requests only support query operations, not mutation operations');
});

test('credentials answer as REST does: 403 unauthorized, 400 with 209', async () => {
  for (const headers of [{ 'X-Parse-Application-Id': 'wrong' }, { 'X-Parse-Application-Id': '' }]) {
    const res = await raw('POST', { body: '{"query":"{ health }"}', headers: { ...headers, 'Content-Type': 'application/json' } });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, { error: 'unauthorized' });
  }
  const noAppId = await fetch(GRAPHQL_URL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{ health }"}' });
  assert.equal(noAppId.status, 403);
  const bad = await raw('POST', { ...json({ query: '{ health }' }), headers: { 'Content-Type': 'application/json', 'X-Parse-Session-Token': `r:${rand(20)}` } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { code: 209, error: 'Invalid session token' });
  const empty = await raw('POST', { ...json({ query: '{ health }' }), headers: { 'Content-Type': 'application/json', 'X-Parse-Session-Token': '' } });
  assert.deepEqual(empty.json, { data: { health: true } }, 'an empty token is anonymous');
});

test('resolver errors are 200 with the Parse code, and a failed non-null field nulls data', async () => {
  const missing = await failing(client(), 'query { product(id: "abcdefghij") { title } }');
  assert.equal(missing.status, 200);
  assert.equal(missing.data, null);
  assert.deepEqual(missing.errors[0].path, ['product']);
  assert.equal(missing.errors[0].message, 'Object not found.');
  assert.equal(missing.errors[0].extensions.code, 101);
  const login = await failing(client(), `mutation { logIn(input: {username: "nobody_${rand(10)}", password: "x"}) { viewer { sessionToken } } }`);
  assert.deepEqual(login.data, { logIn: null });
  assert.equal(login.errors[0].extensions.code, 101);
  assert.equal(login.errors[0].message, 'Invalid username/password.');
  const viewer = await failing(client(), '{ viewer { sessionToken } }');
  assert.equal(viewer.data, null);
  assert.equal(viewer.errors[0].extensions.code, 209);
  assert.equal(viewer.errors[0].message, 'Permission denied');
  const cursor = await failing(client(), '{ products(after: "not-a-cursor") { count } }');
  assert.equal(cursor.errors[0].extensions.code, 102);
  assert.equal(cursor.errors[0].message, 'After is not a valid cursor');
  const skip = await failing(client(), '{ products(skip: -1) { count } }');
  assert.equal(skip.errors[0].message, 'Skip should be a positive number');
  const pointerInput = await failing(client({ master: true }), 'mutation { createProduct(input: {fields: {title: "x", owner: {}}}) { product { objectId } } }');
  assert.equal(pointerInput.errors[0].extensions.code, 106);
  const schema = await failing(client(), '{ classes { name } }');
  assert.equal(schema.errors[0].extensions.code, 119);
  assert.equal(schema.errors[0].message, 'Permission denied');
});

test('a subscription answers that the schema has none', async () => {
  const res = await raw('POST', json({ query: 'subscription { health }' }));
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { errors: [{ message: 'Schema is not configured to execute subscription operation.' }], data: null });
});
