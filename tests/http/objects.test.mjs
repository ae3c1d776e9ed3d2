// Object lifecycle: create, get, update (with field ops), delete — over plain REST.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PARSE_URL, OBJECT_ID, ISO_DATE,
  uniqueClass, missingId, createClass, dropClass, createObject,
  get, post, put, del, show, expectError, pointer, date,
} from './support.mjs';

const C = uniqueClass('obj');

before(async () => {
  await createClass(C, {
    name: 'String',
    n: 'Number',
    f: 'Number',
    neg: 'Number',
    flag: 'Boolean',
    off: 'Boolean',
    when: 'Date',
    meta: 'Object',
    list: 'Array',
    ptr: { type: 'Pointer', targetClass: C },
    counter: 'Number',
    fresh: 'Number',
    a: 'Array',
    u: 'Array',
    r: 'Array',
    empty: 'Array',
  });
});

after(async () => {
  await dropClass(C);
});

test('creating an object answers 201 with a Location header and a body of exactly objectId and createdAt', async () => {
  const before = Date.now();
  const res = await post(`/classes/${C}`, { name: 'first' });
  assert.equal(res.status, 201, show(res));
  assert.deepEqual(Object.keys(res.json).sort(), ['createdAt', 'objectId']);
  assert.match(res.json.objectId, OBJECT_ID);
  assert.match(res.json.createdAt, ISO_DATE);
  // Same machine, so the clock is shared; allow generous skew.
  assert.ok(Math.abs(Date.parse(res.json.createdAt) - before) < 5 * 60_000, res.json.createdAt);
  assert.equal(res.headers.get('location'), `${PARSE_URL}/classes/${C}/${res.json.objectId}`);
});

test('two creates get two different objectIds', async () => {
  const a = await createObject(C, { name: 'x' });
  const b = await createObject(C, { name: 'x' });
  assert.notEqual(a, b);
});

test('getting an object by id returns every field plus createdAt and updatedAt, and each type round-trips exactly', async () => {
  const target = await createObject(C, { name: 'target' });
  const data = {
    name: 'Widget',
    n: 3,
    f: 2.5,
    neg: -7,
    flag: true,
    off: false,
    when: date('2024-05-01T12:34:56.789Z'),
    meta: { color: 'red', size: { w: 1, h: 2.25 }, tags: ['a', 'b'], ok: true, nothing: null },
    list: [1, 'two', { three: 3 }, [4, 5], false, 6.5],
    ptr: pointer(C, target),
  };
  const created = await post(`/classes/${C}`, data);
  assert.equal(created.status, 201, show(created));
  const id = created.json.objectId;

  const res = await get(`/classes/${C}/${id}`);
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json, {
    objectId: id,
    createdAt: created.json.createdAt,
    // Parse sets updatedAt to the creation time on create.
    updatedAt: created.json.createdAt,
    ...data,
  });
  // Integers stay integers on the wire (no "3.0"), floats stay floats.
  assert.match(res.text, /"n":3[,}]/);
  assert.match(res.text, /"neg":-7[,}]/);
  assert.match(res.text, /"f":2\.5[,}]/);
  assert.deepEqual(res.json.when, { __type: 'Date', iso: '2024-05-01T12:34:56.789Z' });
  assert.deepEqual(res.json.ptr, { __type: 'Pointer', className: C, objectId: target });
});

test('updating with PUT answers 200 with updatedAt plus the resulting value of each Increment, Add, AddUnique and Remove field', async () => {
  const created = await post(`/classes/${C}`, {
    name: 'before',
    counter: 5,
    a: [1],
    u: ['x', 'y'],
    r: ['p', 'q', 'p', 'z'],
  });
  assert.equal(created.status, 201, show(created));
  const id = created.json.objectId;

  const res = await put(`/classes/${C}/${id}`, {
    name: 'after',
    counter: { __op: 'Increment', amount: 2 },
    a: { __op: 'Add', objects: [2, 2] },
    u: { __op: 'AddUnique', objects: ['y', 'z'] },
    r: { __op: 'Remove', objects: ['p'] },
  });
  assert.equal(res.status, 200, show(res));
  // Plain sets ("name") are not echoed; ops are, with their resulting values.
  assert.deepEqual(Object.keys(res.json).sort(), ['a', 'counter', 'r', 'u', 'updatedAt']);
  assert.match(res.json.updatedAt, ISO_DATE);
  assert.ok(Date.parse(res.json.updatedAt) >= Date.parse(created.json.createdAt));
  assert.equal(res.json.counter, 7);
  assert.deepEqual(res.json.a, [1, 2, 2]);
  assert.deepEqual(res.json.u, ['x', 'y', 'z']);
  assert.deepEqual(res.json.r, ['q', 'z']);

  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.status, 200, show(got));
  assert.deepEqual(got.json, {
    objectId: id,
    createdAt: created.json.createdAt,
    updatedAt: res.json.updatedAt,
    name: 'after',
    counter: 7,
    a: [1, 2, 2],
    u: ['x', 'y', 'z'],
    r: ['q', 'z'],
  });
});

test('a plain PUT answers exactly {updatedAt}', async () => {
  const id = await createObject(C, { name: 'plain' });
  const res = await put(`/classes/${C}/${id}`, { name: 'plain2', n: 10 });
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(Object.keys(res.json), ['updatedAt']);
  assert.match(res.json.updatedAt, ISO_DATE);
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.name, 'plain2');
  assert.equal(got.json.n, 10);
});

test('Increment, Add and AddUnique on unset fields start from zero and from an empty array', async () => {
  const id = await createObject(C, { name: 'unset' });
  const res = await put(`/classes/${C}/${id}`, {
    fresh: { __op: 'Increment', amount: 3 },
    a: { __op: 'Add', objects: ['k'] },
    u: { __op: 'AddUnique', objects: ['k', 'k'] },
  });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.fresh, 3);
  assert.deepEqual(res.json.a, ['k']);
  assert.deepEqual(res.json.u, ['k']);
});

test('a negative or fractional Increment amount is applied exactly', async () => {
  const id = await createObject(C, { counter: 10 });
  const down = await put(`/classes/${C}/${id}`, { counter: { __op: 'Increment', amount: -1 } });
  assert.equal(down.status, 200, show(down));
  assert.equal(down.json.counter, 9);
  const frac = await put(`/classes/${C}/${id}`, { counter: { __op: 'Increment', amount: 0.5 } });
  assert.equal(frac.status, 200, show(frac));
  assert.equal(frac.json.counter, 9.5);
});

test('a Delete op unsets the field so it is absent on GET', async () => {
  const id = await createObject(C, { name: 'doomed', n: 1, meta: { k: 1 } });
  const res = await put(`/classes/${C}/${id}`, { name: { __op: 'Delete' }, meta: { __op: 'Delete' } });
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(Object.keys(res.json), ['updatedAt']);
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.status, 200, show(got));
  assert.ok(!('name' in got.json), show(got));
  assert.ok(!('meta' in got.json), show(got));
  assert.equal(got.json.n, 1);
});

test('twenty concurrent Increments of one sum exactly', async () => {
  const id = await createObject(C, { counter: 0 });
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => put(`/classes/${C}/${id}`, { counter: { __op: 'Increment', amount: 1 } })),
  );
  for (const r of responses) assert.equal(r.status, 200, show(r));
  // Each increment is atomic, so each response reports a distinct resulting value.
  const seen = responses.map((r) => r.json.counter).sort((x, y) => x - y);
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i + 1));
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.json.counter, 20);
});

test('deleting an object answers 200 {} and then GET and a second DELETE answer 404 code 101', async () => {
  const id = await createObject(C, { name: 'bye' });
  const res = await del(`/classes/${C}/${id}`);
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json, {});

  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.status, 404, show(got));
  assert.deepEqual(got.json, { code: 101, error: 'Object not found.' });

  const again = await del(`/classes/${C}/${id}`);
  // Parse's message here varies ("Object not found." / "Object not found for delete."): code only.
  expectError(again, 404, 101);
});

test('GET, PUT and DELETE of a missing id answer 404 code 101 and PUT creates nothing', async () => {
  const id = missingId();
  const got = await get(`/classes/${C}/${id}`);
  assert.equal(got.status, 404, show(got));
  assert.deepEqual(got.json, { code: 101, error: 'Object not found.' });

  const upd = await put(`/classes/${C}/${id}`, { name: 'ghost' });
  expectError(upd, 404, 101);

  const gone = await del(`/classes/${C}/${id}`);
  expectError(gone, 404, 101);

  const still = await get(`/classes/${C}/${id}`);
  assert.equal(still.status, 404, show(still));
});

test('objectId, createdAt and updatedAt given on create are not taken from the client', async () => {
  // Parse rejects a client-chosen objectId unless allowCustomObjectId is on, and ignores
  // createdAt/updatedAt in the body — here we only require that nothing client-given sticks.
  const res = await post(`/classes/${C}`, { name: 'sneaky', createdAt: '2000-01-01T00:00:00.000Z' });
  if (res.status === 201) {
    const got = await get(`/classes/${C}/${res.json.objectId}`);
    assert.notEqual(got.json.createdAt, '2000-01-01T00:00:00.000Z');
  } else {
    assert.equal(res.status, 400, show(res));
    assert.equal(typeof res.json.code, 'number', show(res));
  }
});
