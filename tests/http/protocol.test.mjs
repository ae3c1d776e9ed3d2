// Transport-level contract: health, CORS, application id, and the JS SDK's request style
// (every call a text/plain POST with _method and credentials in the body).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  PARSE_URL, APP_ID, MASTER_KEY, OBJECT_ID, ISO_DATE,
  uniqueClass, missingId, createClass, dropClass, createObject, countRows,
  request, get, post, show, expectError, pointer, sleep,
} from './support.mjs';

const C = uniqueClass('proto');
const OWN = uniqueClass('protoown');
const INSTALLATION = randomUUID();

/** What the SDK appends to every body (see shared/reference/parse-js-sdk-8.6.2-wire.json). */
function sdkBody(extra, { master = false } = {}) {
  return {
    ...extra,
    _ApplicationId: APP_ID,
    _ClientVersion: 'js8.6.2',
    ...(master ? { _MasterKey: MASTER_KEY } : {}),
    _InstallationId: INSTALLATION,
  };
}

/** A request shaped like the SDK's: POST, Content-Type text/plain, no X-Parse-* headers. */
function sdk(path, body) {
  return request('POST', path, undefined, {
    appId: null,
    raw: JSON.stringify(body),
    contentType: 'text/plain',
    headers: { 'User-Agent': 'Parse/js8.6.2 (NodeJS 20.20.2)' },
  });
}

before(async () => {
  await createClass(OWN, { label: 'String' });
  await createClass(C, {
    name: 'String',
    stock: 'Number',
    color: 'String',
    tags: 'Array',
    owner: { type: 'Pointer', targetClass: OWN },
  });
});

after(async () => {
  await dropClass(C);
  await dropClass(OWN);
});

test('GET /health answers 200 {status:"ok"} without any Parse header', async () => {
  // Parse mounts /health before the application-id check. What it checks: operability.test.mjs.
  const res = await fetch(`${PARSE_URL}/health`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, 'ok');
});

test('GET /health also answers with the application id', async () => {
  const res = await get('/health');
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.status, 'ok');
});

test('a CORS preflight on /classes/C allows any origin, the four verbs and the Parse headers', async () => {
  const res = await fetch(`${PARSE_URL}/classes/${C}`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'https://shop.example.com',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'x-parse-application-id, x-parse-session-token, content-type',
    },
  });
  assert.ok([200, 204].includes(res.status), `status ${res.status}`);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const methods = (res.headers.get('access-control-allow-methods') ?? '')
    .split(',').map((m) => m.trim().toUpperCase());
  for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) assert.ok(methods.includes(m), `allow-methods lacks ${m}: ${methods}`);
  const allowed = (res.headers.get('access-control-allow-headers') ?? '')
    .split(',').map((h) => h.trim().toLowerCase());
  for (const h of ['x-parse-application-id', 'x-parse-session-token', 'content-type', 'x-parse-master-key', 'x-parse-client-version', 'x-parse-request-id']) {
    assert.ok(allowed.includes(h), `allow-headers lacks ${h}: ${allowed}`);
  }
});

test('ordinary answers, errors included, carry Access-Control-Allow-Origin', async () => {
  const created = await post(`/classes/${C}`, { name: 'cors' }, { headers: { Origin: 'https://shop.example.com' } });
  assert.equal(created.status, 201, show(created));
  assert.equal(created.headers.get('access-control-allow-origin'), '*');

  const listed = await get(`/classes/${C}`, { headers: { Origin: 'https://shop.example.com' } });
  assert.equal(listed.status, 200, show(listed));
  assert.equal(listed.headers.get('access-control-allow-origin'), '*');

  const missing = await get(`/classes/${C}/${missingId()}`, { headers: { Origin: 'https://shop.example.com' } });
  assert.equal(missing.status, 404, show(missing));
  assert.equal(missing.headers.get('access-control-allow-origin'), '*');

  const unauthorized = await get(`/classes/${C}`, { appId: null, headers: { Origin: 'https://shop.example.com' } });
  assert.equal(unauthorized.status, 403, show(unauthorized));
  assert.equal(unauthorized.headers.get('access-control-allow-origin'), '*');
});

test('answers are JSON', async () => {
  const res = await get(`/classes/${C}`);
  assert.equal(res.status, 200, show(res));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
});

test('a request without an application id answers 403 {"error":"unauthorized"}', async () => {
  const res = await get(`/classes/${C}`, { appId: null });
  assert.equal(res.status, 403, show(res));
  assert.deepEqual(res.json, { error: 'unauthorized' });
});

test('a request with a wrong application id answers 403 {"error":"unauthorized"} and writes nothing', async () => {
  const res = await post(`/classes/${C}`, { name: 'wrong-app' }, { appId: `not-${APP_ID}` });
  assert.equal(res.status, 403, show(res));
  assert.deepEqual(res.json, { error: 'unauthorized' });
  assert.equal(await countRows(C, { name: 'wrong-app' }), 0);
});

test('a wrong _ApplicationId in the body answers 403 {"error":"unauthorized"}', async () => {
  const res = await sdk(`/classes/${C}`, { ...sdkBody({ where: {}, _method: 'GET' }), _ApplicationId: 'nope' });
  assert.equal(res.status, 403, show(res));
  assert.deepEqual(res.json, { error: 'unauthorized' });
});

test('a text/plain POST with _ApplicationId in the body creates, and the underscore keys are not stored', async () => {
  const res = await sdk(`/classes/${C}`, sdkBody({ name: 'from-sdk', stock: 3, tags: ['a'] }));
  assert.equal(res.status, 201, show(res));
  assert.deepEqual(Object.keys(res.json).sort(), ['createdAt', 'objectId']);
  assert.match(res.json.objectId, OBJECT_ID);
  assert.equal(res.headers.get('location'), `${PARSE_URL}/classes/${C}/${res.json.objectId}`);

  const got = await get(`/classes/${C}/${res.json.objectId}`);
  assert.equal(got.status, 200, show(got));
  assert.deepEqual(got.json, {
    objectId: res.json.objectId,
    createdAt: res.json.createdAt,
    updatedAt: res.json.createdAt,
    name: 'from-sdk',
    stock: 3,
    tags: ['a'],
  });
});

test('a query string decodes as URLSearchParams does: %+a is "% a", not a newline', async () => {
  const tag = `pct-${Date.now()}`;
  const percent = await createObject(C, { name: `% a${tag}` });
  await createObject(C, { name: `\n${tag}` });
  // `%` before `+a` is no escape, and `+` in a query is a space.
  const query = `where=%7B%22name%22%3A%22%+a${tag}%22%7D`;
  assert.equal(new URLSearchParams(query).get('where'), `{"name":"% a${tag}"}`);
  const res = await get(`/classes/${C}?${query}`);
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json.results.map((r) => r.objectId), [percent], show(res));
});

test('a text/plain POST with _method GET and an object where acts as a query', async () => {
  const tag = `q-${Date.now()}`;
  for (let i = 0; i < 7; i++) await createObject(C, { name: tag, stock: i });
  const res = await sdk(`/classes/${C}`, sdkBody({ where: { name: tag, stock: { $gte: 1 } }, order: 'stock', limit: 5, _method: 'GET' }));
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(Object.keys(res.json), ['results']);
  assert.deepEqual(res.json.results.map((r) => r.stock), [1, 2, 3, 4, 5]);
  assert.match(res.json.results[0].createdAt, ISO_DATE);
});

test('a text/plain POST with _method GET, count 1 and limit 0 counts', async () => {
  const tag = `c-${Date.now()}`;
  for (let i = 0; i < 3; i++) await createObject(C, { name: tag, stock: i });
  const res = await sdk(`/classes/${C}`, sdkBody({ where: { name: tag }, limit: 0, count: 1, _method: 'GET' }));
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json, { results: [], count: 3 });
});

test('the exact query the SDK sends (where with $gt, $in and $inQuery; include; keys; limit; skip; order) works', async () => {
  const aliceLabel = `alice-${Date.now()}`;
  const alice = await createObject(OWN, { label: aliceLabel });
  const bob = await createObject(OWN, { label: `bob-${Date.now()}` });
  // Spaced out so createdAt strictly increases.
  for (const [stock, color, who] of [[1, 'red', alice], [2, 'red', alice], [0, 'red', alice], [3, 'blue', alice], [4, 'red', bob], [5, 'red', alice], [6, 'red', alice]]) {
    await createObject(C, { name: 'sdkq', stock, color, owner: pointer(OWN, who) });
    await sleep(15);
  }
  const res = await sdk(`/classes/${C}`, sdkBody({
    where: {
      stock: { $gt: 0 },
      color: { $in: ['red'] },
      owner: { $inQuery: { where: { label: aliceLabel }, className: OWN } },
    },
    include: 'owner',
    keys: 'stock,owner',
    limit: 5,
    skip: 1,
    order: '-createdAt',
    _method: 'GET',
  }));
  assert.equal(res.status, 200, show(res));
  // Matching, newest first: stock 6, 5, 2, 1 → skip 1 → 5, 2, 1.
  assert.deepEqual(res.json.results.map((r) => r.stock), [5, 2, 1]);
  for (const row of res.json.results) {
    assert.deepEqual(Object.keys(row).sort(), ['createdAt', 'objectId', 'owner', 'stock', 'updatedAt']);
    assert.equal(row.owner.__type, 'Object');
    assert.equal(row.owner.className, OWN);
    assert.equal(row.owner.objectId, alice);
    assert.equal(row.owner.label, aliceLabel);
  }
});

test('a text/plain POST with _method PUT on /classes/C/id updates', async () => {
  const id = await createObject(C, { name: 'put-me', stock: 4, tags: ['x'] });
  const res = await sdk(`/classes/${C}/${id}`, sdkBody({
    tags: { __op: 'AddUnique', objects: ['sale'] },
    stock: { __op: 'Increment', amount: -1 },
    name: { __op: 'Delete' },
    _method: 'PUT',
  }));
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(Object.keys(res.json).sort(), ['stock', 'tags', 'updatedAt']);
  assert.equal(res.json.stock, 3);
  assert.deepEqual(res.json.tags, ['x', 'sale']);
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.stock, 3);
  assert.ok(!('name' in got.json));
});

test('a text/plain POST with _method DELETE on /classes/C/id deletes', async () => {
  const id = await createObject(C, { name: 'delete-me' });
  const res = await sdk(`/classes/${C}/${id}`, sdkBody({ _method: 'DELETE' }));
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json, {});
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.status, 404, show(got));
  assert.deepEqual(got.json, { code: 101, error: 'Object not found.' });
});

test('a text/plain POST with _method GET on /classes/C/id gets', async () => {
  const id = await createObject(C, { name: 'get-me', stock: 9 });
  const res = await sdk(`/classes/${C}/${id}`, sdkBody({ _method: 'GET' }));
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.objectId, id);
  assert.equal(res.json.stock, 9);
});

test('_MasterKey in the body grants the master key', async () => {
  const missing = uniqueClass('nosuch');
  // With allowClientClassCreation off, only the master key may query a class that does not exist.
  const asClient = await sdk(`/classes/${missing}`, sdkBody({ where: {}, _method: 'GET' }));
  expectError(asClient, 400, 119);
  const asMaster = await sdk(`/classes/${missing}`, sdkBody({ where: {}, _method: 'GET' }, { master: true }));
  assert.equal(asMaster.status, 200, show(asMaster));
  assert.deepEqual(asMaster.json, { results: [] });

  const schema = await sdk(`/schemas/${C}`, sdkBody({ _method: 'GET' }, { master: true }));
  assert.equal(schema.status, 200, show(schema));
  assert.equal(schema.json.className, C);
});

test('a JSON body with X-Parse headers and a _method override also works', async () => {
  const id = await createObject(C, { name: 'override', stock: 1 });
  const res = await post(`/classes/${C}/${id}`, { _method: 'PUT', stock: 2 });
  assert.equal(res.status, 200, show(res));
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.stock, 2);
});

test('X-Parse-Installation-Id and X-Parse-Client-Version headers are accepted', async () => {
  const res = await get(`/classes/${C}?limit=1`, {
    headers: { 'X-Parse-Installation-Id': INSTALLATION, 'X-Parse-Client-Version': 'js8.6.2' },
  });
  assert.equal(res.status, 200, show(res));
});
