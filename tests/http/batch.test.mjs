// POST /batch: per-request results in order, and all-or-nothing transactions.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MOUNT, OBJECT_ID, ISO_DATE,
  uniqueClass, missingId, createClass, dropClass, createObject, countRows,
  get, post, show, expectError,
} from './support.mjs';

const C = uniqueClass('batch');
const path = (suffix = '') => `${MOUNT}/classes/${C}${suffix}`;

before(async () => {
  await createClass(C, { name: 'String', counter: 'Number', tag: 'String' });
});

after(async () => {
  await dropClass(C);
});

test('a batch of mixed create, update and delete answers one {success} or {error} per request, in order', async () => {
  const a = await createObject(C, { name: 'a', counter: 0 });
  const b = await createObject(C, { name: 'b' });
  const ghost = missingId();
  const res = await post('/batch', {
    requests: [
      { method: 'POST', path: path(), body: { name: 'new', tag: 'mixed' } },
      { method: 'PUT', path: path(`/${a}`), body: { counter: { __op: 'Increment', amount: 1 } } },
      { method: 'DELETE', path: path(`/${b}`) },
      { method: 'PUT', path: path(`/${ghost}`), body: { name: 'ghost' } },
      { method: 'POST', path: path(), body: { name: 12345, tag: 'mixed-bad' } },
    ],
  });
  assert.equal(res.status, 200, show(res));
  assert.ok(Array.isArray(res.json), show(res));
  assert.equal(res.json.length, 5);

  const [created, updated, deleted, missing, wrongType] = res.json;
  assert.deepEqual(Object.keys(created), ['success']);
  assert.deepEqual(Object.keys(created.success).sort(), ['createdAt', 'objectId']);
  assert.match(created.success.objectId, OBJECT_ID);
  assert.match(created.success.createdAt, ISO_DATE);

  assert.deepEqual(Object.keys(updated), ['success']);
  assert.deepEqual(Object.keys(updated.success).sort(), ['counter', 'updatedAt']);
  assert.equal(updated.success.counter, 1);

  assert.deepEqual(deleted, { success: {} });

  assert.deepEqual(Object.keys(missing), ['error']);
  assert.deepEqual(Object.keys(missing.error).sort(), ['code', 'error']);
  assert.equal(missing.error.code, 101);
  assert.equal(typeof missing.error.error, 'string');

  assert.deepEqual(Object.keys(wrongType), ['error']);
  assert.equal(wrongType.error.code, 111);
  assert.equal(typeof wrongType.error.error, 'string');

  // The effects are there.
  const newRow = await get(`/classes/${C}/${created.success.objectId}`);
  assert.equal(newRow.status, 200, show(newRow));
  assert.equal(newRow.json.name, 'new');
  assert.equal((await get(`/classes/${C}/${a}`)).json.counter, 1);
  assert.equal((await get(`/classes/${C}/${b}`)).status, 404);
  assert.equal((await get(`/classes/${C}/${ghost}`)).status, 404);
  assert.equal(await countRows(C, { tag: 'mixed-bad' }), 0);
});

test('a batch GET sub-request answers the object', async () => {
  const id = await createObject(C, { name: 'readable' });
  const res = await post('/batch', { requests: [{ method: 'GET', path: path(`/${id}`) }] });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.length, 1);
  assert.equal(res.json[0].success.objectId, id);
  assert.equal(res.json[0].success.name, 'readable');
});

test('a batch without a transaction keeps the requests that succeeded when another fails', async () => {
  const tag = 'partial';
  const res = await post('/batch', {
    requests: [
      { method: 'POST', path: path(), body: { tag, name: 'ok1' } },
      { method: 'POST', path: path(), body: { tag, name: false } },
      { method: 'POST', path: path(), body: { tag, name: 'ok2' } },
    ],
  });
  assert.equal(res.status, 200, show(res));
  assert.ok(res.json[0].success);
  assert.equal(res.json[1].error.code, 111);
  assert.ok(res.json[2].success);
  assert.equal(await countRows(C, { tag }), 2);
});

test('a transactional batch that succeeds writes every request', async () => {
  const tag = 'tx-ok';
  const res = await post('/batch', {
    transaction: true,
    requests: [
      { method: 'POST', path: path(), body: { tag, name: 'one' } },
      { method: 'POST', path: path(), body: { tag, name: 'two' } },
    ],
  });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.length, 2);
  for (const item of res.json) assert.match(item.success.objectId, OBJECT_ID);
  assert.equal(await countRows(C, { tag }), 2);
});

test('a transactional batch with one wrong-typed request writes nothing', async () => {
  const tag = 'tx-fail';
  const res = await post('/batch', {
    transaction: true,
    requests: [
      { method: 'POST', path: path(), body: { tag, name: 'v1' } },
      { method: 'POST', path: path(), body: { tag, name: 'v2' } },
      { method: 'POST', path: path(), body: { tag, name: 10 } },
      { method: 'POST', path: path(), body: { tag, name: 'v3' } },
    ],
  });
  // Parse Server answers a failed transaction with a generic 500; the contract forbids 5xx for a
  // client mistake, so we require 400 and the failing request's {code, error} (what the SDK reads).
  expectError(res, 400, 111);
  assert.equal(await countRows(C, { tag }), 0);
});

test('a transactional batch rolls back an update that came before the failing request', async () => {
  const id = await createObject(C, { name: 'stable', counter: 0 });
  const res = await post('/batch', {
    transaction: true,
    requests: [
      { method: 'PUT', path: path(`/${id}`), body: { counter: { __op: 'Increment', amount: 5 }, name: 'changed' } },
      { method: 'POST', path: path(), body: { tag: 'tx-roll', counter: 'not a number' } },
    ],
  });
  expectError(res, 400, 111);
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.counter, 0);
  assert.equal(got.json.name, 'stable');
  assert.equal(await countRows(C, { tag: 'tx-roll' }), 0);
});

test('a batch whose requests is not an array answers 400 code 107', async () => {
  const res = await post('/batch', { requests: { method: 'POST', path: path(), body: {} } });
  // Parse: batch.js throws INVALID_JSON "requests must be an array".
  expectError(res, 400, 107);
});

// Found by `make fuzz`: an empty batch has nothing for D1 to run, and D1 refuses an empty batch
// (500). Parse answers an empty list.
test('an empty /batch answers [] (also as a transaction)', async () => {
  for (const body of [{ requests: [] }, { requests: [], transaction: true }]) {
    const res = await post('/batch', body);
    assert.equal(res.status, 200, show(res));
    assert.deepEqual(res.json, []);
  }
});
