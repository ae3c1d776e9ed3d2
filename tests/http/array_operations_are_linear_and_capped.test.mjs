// F1 (issue 19): AddUnique / Remove / Add run in time linear in the arrays, take at most 1,000
// objects at once (400, 107) and never grow an array past 10,000 elements (400, 142). Before,
// an AddUnique of 8,000 numbers onto an empty array hung the whole server (> 90 s, every other
// request waiting with it).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  uniqueClass, createClass, dropClass, createObject, get, put, show, expectError,
} from './support.mjs';

const C = uniqueClass('arr');
const MAX_OBJECTS = 1000;
const MAX_LENGTH = 10000;

before(async () => {
  await createClass(C, { tags: 'Array', title: 'String' });
});

after(async () => {
  await dropClass(C);
});

const numbers = (from, n) => Array.from({ length: n }, (_, i) => from + i);

test('the heaviest allowed AddUnique and Remove answer in well under a second while a read beside them waits no longer', async () => {
  const id = await createObject(C, { tags: numbers(0, MAX_LENGTH - MAX_OBJECTS) }, { master: true });
  const started = Date.now();
  const [added, read] = await Promise.all([
    put(`/classes/${C}/${id}`, { tags: { __op: 'AddUnique', objects: numbers(MAX_LENGTH - 1500, MAX_OBJECTS) } }, { master: true }),
    get(`/classes/${C}?limit=1`, { master: true }),
  ]);
  const took = Date.now() - started;
  assert.equal(added.status, 200, show(added));
  assert.equal(read.status, 200, show(read));
  assert.equal(added.json.tags.length, MAX_LENGTH - 500);
  assert.ok(took < 5000, `AddUnique with a read beside it took ${took} ms`);
  const removed = await put(`/classes/${C}/${id}`, { tags: { __op: 'Remove', objects: numbers(0, MAX_OBJECTS) } }, { master: true });
  assert.equal(removed.status, 200, show(removed));
  assert.equal(removed.json.tags.length, MAX_LENGTH - 500 - MAX_OBJECTS);
  assert.equal(removed.json.tags[0], MAX_OBJECTS);
});

test('an array operation with more than 1,000 objects answers 107 and writes nothing', async () => {
  const id = await createObject(C, { tags: [] }, { master: true });
  for (const op of ['Add', 'AddUnique', 'Remove']) {
    const res = await put(`/classes/${C}/${id}`, { tags: { __op: op, objects: numbers(0, MAX_OBJECTS + 1) } }, { master: true });
    expectError(res, 400, 107);
  }
  const res = await get(`/classes/${C}/${id}`, { master: true });
  assert.deepEqual(res.json.tags, []);
});

test('an array never grows past 10,000 elements: the write answers 142 and changes nothing', async () => {
  const id = await createObject(C, { tags: numbers(0, MAX_LENGTH) }, { master: true });
  const res = await put(`/classes/${C}/${id}`, { title: 'changed', tags: { __op: 'Add', objects: [-1] } }, { master: true });
  expectError(res, 400, 142);
  const after = await get(`/classes/${C}/${id}`, { master: true });
  assert.equal(after.json.tags.length, MAX_LENGTH);
  assert.equal(after.json.title, undefined);
  const plain = await put(`/classes/${C}/${id}`, { tags: numbers(0, MAX_LENGTH + 1) }, { master: true });
  expectError(plain, 400, 142);
});
