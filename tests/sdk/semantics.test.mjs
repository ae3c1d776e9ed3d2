// General Parse semantics through the JS SDK, on scratch classes this file creates with the
// master key: field operations, batches, compound and sub-queries, includes, the value types,
// ACLs and roles, iteration.
//
// The server runs with client class creation off (ALLOW_CLIENT_CLASS_CREATION=false): unlike a
// default Parse Server, a client can neither create a class nor add a field by saving it. So the
// classes and every field a user writes are declared up front with POST /schemas (master key).
// Every call acting as a user passes `{sessionToken}` (the SDK keeps no current user in Node).

import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Parse, MASTER, as, rand, uniqueClass, createClass, dropClass, signUp, rejectsWith, step, ids, wire, serverErrors, sentTo,
} from './support.mjs';

const C = uniqueClass('sem');
const T = uniqueClass('semtag');

let alice; // { user, token, ... }
let bob;

before(async () => {
  await createClass(C, {
    name: 'String',
    group: 'String',
    kind: 'String',
    n: 'Number',
    tags: 'Array',
    when: 'Date',
    loc: 'GeoPoint',
    meta: 'Object',
    flag: 'Boolean',
    ref: { type: 'Pointer', targetClass: C },
    owner: { type: 'Pointer', targetClass: '_User' },
    likes: { type: 'Relation', targetClass: C },
  });
  await createClass(T, { label: 'String', weight: 'Number', group: 'String' });
  [alice, bob] = await Promise.all([signUp('alice'), signUp('bob')]);
});

after(async () => {
  await dropClass(C);
  await dropClass(T);
});

/** A fresh group tag, so each test queries only its own rows. */
const newGroup = () => `g_${rand(8)}`;

/** A new scratch object with the given fields (unsaved). */
function obj(fields = {}) {
  const o = new Parse.Object(C);
  o.set(fields);
  return o;
}

/** Another instance of the same row, with separate state (the SDK's single-instance mode is off in Node). */
function twin(o) {
  const t = new Parse.Object(C);
  t.id = o.id;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Field operations

test('increment is applied on the server and the save answers the resulting value', async () => {
  const a = obj({ name: 'counter', n: 1, group: newGroup() });
  await step('save', () => a.save(null, as(alice.user)));

  const b = twin(a);
  b.increment('n', 2);
  await step('twin.increment(n, 2).save()', () => b.save(null, as(alice.user)));
  assert.equal(b.get('n'), 3, `the update response did not carry n\n${wire(1)}`);

  // `a` still believes n = 1; its increment is applied to the stored 3, and the answer says 6.
  a.increment('n', 3);
  await a.save(null, as(alice.user));
  assert.deepEqual(sentTo(`/classes/${C}/${a.id}`).at(-1).n, { __op: 'Increment', amount: 3 });
  assert.equal(a.get('n'), 6, `the update response did not carry the server's n\n${wire(1)}`);

  a.decrement('n', 10);
  await a.save(null, as(alice.user));
  assert.equal(a.get('n'), -4);

  a.increment('n', 0.5);
  await a.save(null, as(alice.user));
  assert.equal(a.get('n'), -3.5);
  assert.equal((await new Parse.Query(C).get(a.id)).get('n'), -3.5);

  // Increment on a field that has no value yet starts from 0.
  const c = obj({ name: 'fresh', group: newGroup() });
  await c.save(null, as(alice.user));
  c.increment('n');
  await c.save(null, as(alice.user));
  assert.equal(c.get('n'), 1);
});

test('add, addUnique and remove edit arrays on the server and the save answers the resulting array', async () => {
  const a = obj({ name: 'arrays', tags: ['a'], group: newGroup() });
  await a.save(null, as(alice.user));

  const b = twin(a);
  b.add('tags', 'b');
  await step('twin.add(tags, b).save()', () => b.save(null, as(alice.user)));
  assert.deepEqual(b.get('tags'), ['a', 'b'], `the update response did not carry tags\n${wire(1)}`);

  a.addUnique('tags', 'a');
  a.addUnique('tags', 'c');
  await step('addUnique(tags, a/c).save()', () => a.save(null, as(alice.user)));
  assert.deepEqual(sentTo(`/classes/${C}/${a.id}`).at(-1).tags, { __op: 'AddUnique', objects: ['a', 'c'] });
  assert.deepEqual(a.get('tags'), ['a', 'b', 'c']);

  a.addAll('tags', ['c', 'd']);
  await a.save(null, as(alice.user));
  assert.deepEqual(a.get('tags'), ['a', 'b', 'c', 'c', 'd']);

  a.remove('tags', 'c');
  await step('remove(tags, c).save()', () => a.save(null, as(alice.user)));
  assert.deepEqual(a.get('tags'), ['a', 'b', 'd']);

  a.removeAll('tags', ['a', 'zzz']);
  await a.save(null, as(alice.user));
  assert.deepEqual(a.get('tags'), ['b', 'd']);

  // Objects in arrays: addUnique compares them by value; pointers by class and id.
  const p = obj({ name: 'pointee', group: newGroup() });
  await p.save(null, as(alice.user));
  a.addUnique('tags', { k: 1 });
  a.addUnique('tags', p);
  await a.save(null, as(alice.user));
  a.addUnique('tags', { k: 1 });
  a.addUnique('tags', p);
  await a.save(null, as(alice.user));
  const stored = (await new Parse.Query(C).get(a.id)).get('tags');
  assert.equal(stored.length, 4, `tags are ${JSON.stringify(stored)}`);
  assert.deepEqual(stored[2], { k: 1 });
  assert.equal(stored[3].id, p.id);
  a.remove('tags', p);
  await a.save(null, as(alice.user));
  assert.deepEqual((await new Parse.Query(C).get(a.id)).get('tags'), ['b', 'd', { k: 1 }]);
});

test('unset deletes a field, which then no longer exists for queries', async () => {
  const group = newGroup();
  const a = obj({ name: 'to-unset', n: 5, group });
  await a.save(null, as(alice.user));
  a.unset('name');
  await step("unset('name').save()", () => a.save(null, as(alice.user)));
  assert.deepEqual(sentTo(`/classes/${C}/${a.id}`).at(-1).name, { __op: 'Delete' });
  assert.equal(a.get('name'), undefined);
  assert.equal(a.has('name'), false);

  const fetched = await new Parse.Query(C).get(a.id);
  assert.equal(fetched.get('name'), undefined);
  assert.equal(fetched.has('name'), false);
  assert.equal(fetched.get('n'), 5);
  const without = await new Parse.Query(C).equalTo('group', group).doesNotExist('name').find();
  assert.deepEqual(ids(without), [a.id]);
});

test('a client cannot add a field to a class, the master key can', async () => {
  // Parse Server lets clients add fields by default (CLP addField: *); this server keeps the
  // schema in the master key's hands (client class creation off), so a save naming an unknown
  // field is refused and stores nothing.
  const a = obj({ name: 'schema', group: newGroup(), [`extra_${rand(4)}`]: 1 });
  const err = await a.save(null, as(alice.user)).then(() => null, (e) => e);
  assert.ok(err instanceof Parse.Error, `a client added a field\n${wire(1)}`);
  assert.ok([Parse.Error.OPERATION_FORBIDDEN, Parse.Error.INVALID_KEY_NAME].includes(err.code), `Parse.Error ${err.code} ${err.message}`);
  assert.equal(a.id, undefined);

  const extra = `extra_${rand(4)}`;
  const m = obj({ name: 'schema', group: newGroup(), [extra]: 7 });
  await step('master save with a new field', () => m.save(null, MASTER));
  assert.equal((await new Parse.Query(C).get(m.id)).get(extra), 7);

  // Nor can a client create a class.
  const err2 = await new Parse.Object(uniqueClass('nope')).save({ x: 1 }, as(alice.user)).then(() => null, (e) => e);
  assert.ok(err2 instanceof Parse.Error, `a client created a class\n${wire(1)}`);
  assert.equal(err2.code, Parse.Error.OPERATION_FORBIDDEN, `Parse.Error ${err2.code} ${err2.message}`);
});

// ---------------------------------------------------------------------------------------------
// Batches

test('Parse.Object.saveAll creates and updates several objects in one /batch request', async () => {
  const group = newGroup();
  const existing = obj({ name: 'old', n: 1, group });
  await existing.save(null, as(alice.user));
  existing.set('name', 'renamed');
  existing.increment('n', 4);
  const fresh = [obj({ name: 'one', group }), obj({ name: 'two', group }), obj({ name: 'three', group })];

  const before = sentTo('/batch').length;
  const saved = await step('Parse.Object.saveAll', () => Parse.Object.saveAll([existing, ...fresh], as(alice.user)));
  assert.equal(sentTo('/batch').length - before, 1, 'saveAll did not use one /batch');
  const batch = sentTo('/batch').at(-1);
  assert.equal(batch.requests.length, 4);
  assert.ok(batch.requests.every((r) => r.path.startsWith(new URL(Parse.serverURL).pathname + '/classes/')), JSON.stringify(batch.requests[0]));

  assert.equal(saved.length, 4);
  for (const o of fresh) assert.match(o.id ?? '', /^[A-Za-z0-9]{10}$/);
  assert.equal(existing.get('n'), 5, `the batch update did not answer n\n${wire(1)}`);
  const found = await new Parse.Query(C).equalTo('group', group).ascending('createdAt').find();
  assert.deepEqual(found.map((o) => o.get('name')).sort(), ['one', 'renamed', 'three', 'two']);

  // A failing item fails its own save only; Parse reports it as the error of the whole call.
  const other = obj({ name: 'private', group });
  other.setACL(new Parse.ACL(alice.user));
  await other.save(null, as(alice.user));
  other.set('name', 'hijacked');
  const ok = obj({ name: 'fine', group });
  const err = await Parse.Object.saveAll([ok, other], as(bob.user)).then(() => null, (e) => e);
  assert.ok(err instanceof Parse.Error, `saveAll with a forbidden item succeeded\n${wire(1)}`);
  assert.equal(err.code, Parse.Error.OBJECT_NOT_FOUND, `Parse.Error ${err.code} ${err.message}\n${wire(1)}`);
  assert.equal((await new Parse.Query(C).get(other.id, as(alice.user))).get('name'), 'private');
});

test('Parse.Object.destroyAll deletes several objects in one /batch request', async () => {
  const group = newGroup();
  const objs = await Parse.Object.saveAll([obj({ name: 'x', group }), obj({ name: 'y', group }), obj({ name: 'z', group })], as(alice.user));
  assert.equal(await new Parse.Query(C).equalTo('group', group).count(), 3);

  await step('Parse.Object.destroyAll', () => Parse.Object.destroyAll(objs, as(alice.user)));
  const batch = sentTo('/batch').at(-1);
  assert.deepEqual(batch.requests.map((r) => r.method), ['DELETE', 'DELETE', 'DELETE']);
  assert.equal(await new Parse.Query(C).equalTo('group', group).count(), 0);
  await rejectsWith(new Parse.Query(C).get(objs[0].id), Parse.Error.OBJECT_NOT_FOUND, 'get after destroy');

  const one = obj({ name: 'single', group });
  await one.save(null, as(alice.user));
  await step('destroy()', () => one.destroy(as(alice.user)));
  await rejectsWith(new Parse.Query(C).get(one.id), Parse.Error.OBJECT_NOT_FOUND, 'get after destroy');
});

// ---------------------------------------------------------------------------------------------
// Queries

test('Parse.Query.or and Parse.Query.and combine queries', async () => {
  const group = newGroup();
  const rows = await Parse.Object.saveAll(
    [1, 2, 3, 4, 5].map((n) => obj({ group, n, name: n % 2 ? 'odd' : 'even' })),
    as(alice.user),
  );
  const byN = Object.fromEntries(rows.map((o) => [o.get('n'), o]));
  const base = () => new Parse.Query(C).equalTo('group', group);

  const either = await step('Parse.Query.or', () => Parse.Query.or(base().lessThan('n', 2), base().greaterThan('n', 4)).find());
  assert.deepEqual(ids(either), ids([byN[1], byN[5]]));
  assert.ok(Array.isArray(sentTo(`/classes/${C}`).at(-1).where.$or));

  const both = await step('Parse.Query.and', () => Parse.Query.and(base().greaterThan('n', 1), base().equalTo('name', 'odd')).find());
  assert.deepEqual(ids(both), ids([byN[3], byN[5]]));

  const nested = await Parse.Query.and(base(), Parse.Query.or(new Parse.Query(C).equalTo('n', 2), new Parse.Query(C).equalTo('n', 3)))
    .descending('n')
    .find();
  assert.deepEqual(nested.map((o) => o.get('n')), [3, 2]);

  const none = await Parse.Query.nor(base().lessThan('n', 3), base().greaterThan('n', 3)).equalTo('group', group).find();
  assert.deepEqual(ids(none), [byN[3].id]);
});

test('query.exists and query.doesNotExist test for a field', async () => {
  const group = newGroup();
  const [withFlag, withoutFlag, falseFlag] = await Parse.Object.saveAll(
    [obj({ group, flag: true }), obj({ group }), obj({ group, flag: false })],
    as(alice.user),
  );
  const has = await new Parse.Query(C).equalTo('group', group).exists('flag').find();
  assert.deepEqual(ids(has), ids([withFlag, falseFlag]));
  const hasNot = await new Parse.Query(C).equalTo('group', group).doesNotExist('flag').find();
  assert.deepEqual(ids(hasNot), [withoutFlag.id]);
  const isFalse = await new Parse.Query(C).equalTo('group', group).equalTo('flag', false).find();
  assert.deepEqual(ids(isFalse), [falseFlag.id]);
  const notTrue = await new Parse.Query(C).equalTo('group', group).notEqualTo('flag', true).find();
  assert.deepEqual(ids(notTrue), ids([withoutFlag, falseFlag]), 'notEqualTo matches rows without the field, as in Parse');
});

test('Parse.Query.each visits every matching object once, in batches', async () => {
  const group = newGroup();
  const made = await Parse.Object.saveAll(Array.from({ length: 7 }, (_, i) => obj({ group, n: i })), as(alice.user));
  const seen = [];
  await step('query.each({batchSize: 3})', () => new Parse.Query(C).equalTo('group', group).each((o) => { seen.push(o.id); }, { batchSize: 3 }));
  assert.deepEqual(seen.slice().sort(), ids(made));
  // The SDK pages by objectId: order objectId, then objectId > last seen.
  const pages = sentTo(`/classes/${C}`).slice(-3);
  assert.equal(pages[0].order, 'objectId');
  assert.ok(pages[1].where.objectId?.$gt, JSON.stringify(pages[1].where));

  let total = 0;
  await new Parse.Query(C).equalTo('group', group).greaterThan('n', 4).each(() => { total += 1; });
  assert.equal(total, 2);
});

test('matchesQuery and doesNotMatchQuery filter by a pointer\'s target ($inQuery, $notInQuery)', async () => {
  const group = newGroup();
  const [red, blue] = await Parse.Object.saveAll([obj({ group, kind: 'child', name: 'red' }), obj({ group, kind: 'child', name: 'blue' })], as(alice.user));
  const [p1, p2, p3] = await Parse.Object.saveAll(
    [obj({ group, kind: 'parent', ref: red }), obj({ group, kind: 'parent', ref: blue }), obj({ group, kind: 'parent' })],
    as(alice.user),
  );
  const parents = () => new Parse.Query(C).equalTo('group', group).equalTo('kind', 'parent');
  const reds = new Parse.Query(C).equalTo('name', 'red');

  const matching = await step('matchesQuery', () => parents().matchesQuery('ref', reds).find());
  assert.deepEqual(sentTo(`/classes/${C}`).at(-1).where.ref, { $inQuery: { where: { name: 'red' }, className: C } });
  assert.deepEqual(ids(matching), [p1.id]);

  const notMatching = await step('doesNotMatchQuery', () => parents().doesNotMatchQuery('ref', reds).find());
  assert.ok(sentTo(`/classes/${C}`).at(-1).where.ref.$notInQuery);
  assert.deepEqual(ids(notMatching), ids([p2, p3]));

  // equalTo with a Parse.Object compares the pointer.
  const pointingAtBlue = await parents().equalTo('ref', blue).find();
  assert.deepEqual(ids(pointingAtBlue), [p2.id]);
  const ptrIn = await parents().containedIn('ref', [red, blue]).find();
  assert.deepEqual(ids(ptrIn), ids([p1, p2]));
});

test('matchesKeyInQuery and doesNotMatchKeyInQuery compare a key with another query\'s key ($select, $dontSelect)', async () => {
  const group = newGroup();
  await Parse.Object.saveAll(
    [['oak', 1], ['ash', 1], ['elm', 2]].map(([label, weight]) => {
      const t = new Parse.Object(T);
      t.set({ label, weight, group });
      return t;
    }),
    as(alice.user),
  );
  const [oak, ash, elm, pine] = await Parse.Object.saveAll(['oak', 'ash', 'elm', 'pine'].map((name) => obj({ group, name })), as(alice.user));
  const light = new Parse.Query(T).equalTo('group', group).equalTo('weight', 1);

  const selected = await step('matchesKeyInQuery', () => new Parse.Query(C).equalTo('group', group).matchesKeyInQuery('name', 'label', light).find());
  assert.deepEqual(sentTo(`/classes/${C}`).at(-1).where.name, {
    $select: { key: 'label', query: { className: T, where: { group, weight: 1 } } },
  });
  assert.deepEqual(ids(selected), ids([oak, ash]));

  const dont = await step('doesNotMatchKeyInQuery', () => new Parse.Query(C).equalTo('group', group).doesNotMatchKeyInQuery('name', 'label', light).find());
  assert.ok(sentTo(`/classes/${C}`).at(-1).where.name.$dontSelect);
  assert.deepEqual(ids(dont), ids([elm, pine]));
});

test('a relation adds objects with relation.add and is queried with relation.query() ($relatedTo)', async () => {
  const group = newGroup();
  const [a, b, c] = await Parse.Object.saveAll([obj({ group, name: 'a' }), obj({ group, name: 'b' }), obj({ group, name: 'c' })], as(alice.user));
  const likes = a.relation('likes');
  likes.add([b, c]);
  await step('relation.add + save', () => a.save(null, as(alice.user)));
  assert.equal(sentTo(`/classes/${C}/${a.id}`).at(-1).likes.__op, 'AddRelation');

  const liked = await step('relation.query().find()', () => a.relation('likes').query().find());
  assert.deepEqual(ids(liked), ids([b, c]));
  a.relation('likes').remove(b);
  await a.save(null, as(alice.user));
  assert.deepEqual(ids(await a.relation('likes').query().find()), [c.id]);
});

test('equalTo and containedIn on a Relation field find the objects whose relation holds the object', async () => {
  // The reverse of relation.query(): "who likes c?". Parse Server answers it by rewriting the
  // condition on a Relation key to the owning ids (DatabaseController.reduceInRelation), and the
  // Parse docs use it (query.equalTo("likes", post)).
  const group = newGroup();
  const [a, b, c, d] = await Parse.Object.saveAll(['a', 'b', 'c', 'd'].map((name) => obj({ group, name })), as(alice.user));
  a.relation('likes').add([c, d]);
  b.relation('likes').add(d);
  await Parse.Object.saveAll([a, b], as(alice.user));

  const likersOfC = await step("equalTo('likes', c)", () => new Parse.Query(C).equalTo('group', group).equalTo('likes', c).find());
  assert.deepEqual(sentTo(`/classes/${C}`).at(-1).where.likes, { __type: 'Pointer', className: C, objectId: c.id });
  assert.deepEqual(ids(likersOfC), [a.id]);
  const likersOfD = await new Parse.Query(C).equalTo('group', group).equalTo('likes', d).find();
  assert.deepEqual(ids(likersOfD), ids([a, b]));
  const likersOfAny = await step("containedIn('likes', [c])", () => new Parse.Query(C).equalTo('group', group).containedIn('likes', [c]).find());
  assert.deepEqual(ids(likersOfAny), [a.id]);
});

// ---------------------------------------------------------------------------------------------
// Values

test('Date, GeoPoint, Object, Array and Pointer fields round-trip through save, get and find', async () => {
  const group = newGroup();
  const target = obj({ group, name: 'target' });
  await target.save(null, as(alice.user));
  const when = new Date('2024-05-01T12:34:56.789Z');
  const nestedWhen = new Date('2023-01-02T03:04:05.006Z');
  const meta = { s: 'text', n: 1.5, b: false, nul: null, list: [1, 'two', { three: 3 }], deep: { a: { b: { c: 'd' } } } };
  const a = obj({
    group,
    name: 'values',
    when,
    loc: new Parse.GeoPoint(52.52, 13.405),
    meta: { ...meta, at: nestedWhen },
    tags: ['x', 2, true, { y: [1, 2] }, null],
    ref: target,
    owner: alice.user,
  });
  await step('save with every type', () => a.save(null, as(alice.user)));
  const sent = sentTo(`/classes/${C}`).at(-1);
  assert.deepEqual(sent.when, { __type: 'Date', iso: when.toISOString() });
  assert.deepEqual(sent.loc, { __type: 'GeoPoint', latitude: 52.52, longitude: 13.405 });
  assert.deepEqual(sent.ref, { __type: 'Pointer', className: C, objectId: target.id });
  assert.deepEqual(sent.owner, { __type: 'Pointer', className: '_User', objectId: alice.user.id });

  for (const [how, load] of [
    ['get', () => new Parse.Query(C).get(a.id)],
    ['find', async () => (await new Parse.Query(C).equalTo('group', group).equalTo('name', 'values').find())[0]],
  ]) {
    const got = await step(how, load);
    assert.ok(got.get('when') instanceof Date, `${how}: when is ${JSON.stringify(got.get('when'))}`);
    assert.equal(got.get('when').toISOString(), when.toISOString());
    assert.ok(got.get('loc') instanceof Parse.GeoPoint, `${how}: loc is ${JSON.stringify(got.get('loc'))}`);
    assert.equal(got.get('loc').latitude, 52.52);
    assert.equal(got.get('loc').longitude, 13.405);
    const m = got.get('meta');
    assert.ok(m.at instanceof Date, `${how}: a Date inside an Object came back as ${JSON.stringify(m.at)}`);
    assert.equal(m.at.toISOString(), nestedWhen.toISOString());
    const { at, ...rest } = m;
    assert.deepEqual(rest, meta);
    assert.deepEqual(got.get('tags'), ['x', 2, true, { y: [1, 2] }, null]);
    assert.ok(got.get('ref') instanceof Parse.Object);
    assert.equal(got.get('ref').className, C);
    assert.equal(got.get('ref').id, target.id);
    assert.ok(got.get('owner') instanceof Parse.User, `${how}: owner is ${got.get('owner')?.constructor?.name}`);
    assert.equal(got.get('owner').id, alice.user.id);
    assert.ok(got.createdAt instanceof Date && got.updatedAt instanceof Date);
  }

  // Querying by these values.
  const base = () => new Parse.Query(C).equalTo('group', group);
  assert.deepEqual(ids(await base().greaterThan('when', new Date('2024-05-01T00:00:00Z')).find()), [a.id]);
  assert.deepEqual(ids(await base().lessThan('when', new Date('2024-05-01T00:00:00Z')).find()), []);
  assert.deepEqual(ids(await base().equalTo('when', when).find()), [a.id]);
  assert.deepEqual(ids(await base().equalTo('meta.s', 'text').find()), [a.id]);
  assert.deepEqual(ids(await base().equalTo('meta.deep.a.b.c', 'd').find()), [a.id]);
  assert.deepEqual(ids(await base().equalTo('owner', alice.user).find()), [a.id]);
  assert.deepEqual(ids(await base().greaterThan('createdAt', new Date(Date.now() - 3600_000)).equalTo('name', 'values').find()), [a.id]);
});

test('fetchWithInclude loads a pointed-to object in full', async () => {
  const group = newGroup();
  const child = obj({ group, name: 'child', n: 42 });
  await child.save(null, as(alice.user));
  const parent = obj({ group, name: 'parent', ref: child });
  await parent.save(null, as(alice.user));
  const grand = obj({ group, name: 'grand', ref: parent });
  await grand.save(null, as(alice.user));

  const p = twin(parent);
  await step("fetchWithInclude('ref')", () => p.fetchWithInclude('ref', as(alice.user)));
  assert.equal(p.get('name'), 'parent');
  assert.equal(p.get('ref').id, child.id);
  assert.equal(p.get('ref').get('name'), 'child', `ref was not included\n${wire(1)}`);
  assert.equal(p.get('ref').get('n'), 42);

  const g = twin(grand);
  await step("fetchWithInclude(['ref.ref'])", () => g.fetchWithInclude(['ref.ref'], as(alice.user)));
  assert.equal(g.get('ref').get('name'), 'parent');
  assert.equal(g.get('ref').get('ref').get('name'), 'child');

  // Parse.Object.fetchAllWithInclude, the batch form.
  const [g2] = await Parse.Object.fetchAllWithInclude([twin(grand)], 'ref', as(alice.user));
  assert.equal(g2.get('ref').get('name'), 'parent');
});

// ---------------------------------------------------------------------------------------------
// ACLs and roles

test('an object readable only by user A is invisible to user B, to anonymous callers, and visible to the master key', async () => {
  const group = newGroup();
  const secret = obj({ group, name: 'secret' });
  secret.setACL(new Parse.ACL(alice.user));
  await step('save with ACL(alice)', () => secret.save(null, as(alice.user)));
  assert.deepEqual(sentTo(`/classes/${C}`).at(-1).ACL, { [alice.user.id]: { read: true, write: true } });
  const open = obj({ group, name: 'open' });
  await open.save(null, as(alice.user));

  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(alice.user))), ids([secret, open]));
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(bob.user))), [open.id]);
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find()), [open.id]);
  assert.equal(await new Parse.Query(C).equalTo('group', group).count(as(bob.user)), 1);
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(MASTER)), ids([secret, open]));
  await rejectsWith(new Parse.Query(C).get(secret.id, as(bob.user)), Parse.Error.OBJECT_NOT_FOUND, "bob getting alice's object");

  const mine = await new Parse.Query(C).get(secret.id, as(alice.user));
  const acl = mine.getACL();
  assert.ok(acl instanceof Parse.ACL);
  assert.equal(acl.getReadAccess(alice.user), true);
  assert.equal(acl.getReadAccess(bob.user), false);
  assert.equal(acl.getPublicReadAccess(), false);

  // Public read, write by A only: B reads but cannot write.
  const readable = obj({ group, name: 'readable' });
  const acl2 = new Parse.ACL(alice.user);
  acl2.setPublicReadAccess(true);
  readable.setACL(acl2);
  await readable.save(null, as(alice.user));
  const asBob = await new Parse.Query(C).get(readable.id, as(bob.user));
  asBob.set('name', 'defaced');
  await rejectsWith(asBob.save(null, as(bob.user)), Parse.Error.OBJECT_NOT_FOUND, "bob writing alice's object");
  await rejectsWith(asBob.destroy(as(bob.user)), Parse.Error.OBJECT_NOT_FOUND, "bob destroying alice's object");
  assert.equal((await new Parse.Query(C).get(readable.id)).get('name'), 'readable');

  // Alice hands read access to Bob.
  acl.setReadAccess(bob.user, true);
  mine.setACL(acl);
  await mine.save(null, as(alice.user));
  assert.equal((await new Parse.Query(C).get(secret.id, as(bob.user))).get('name'), 'secret');
});

test('a Parse.Role grants its users read access to objects whose ACL names the role', async () => {
  const group = newGroup();
  const name = `sdk_staff_${rand(8)}`;
  const roleAcl = new Parse.ACL();
  roleAcl.setPublicReadAccess(true);
  const role = new Parse.Role(name, roleAcl);
  await step('Parse.Role.save (master)', () => role.save(null, MASTER));
  assert.match(role.id, /^[A-Za-z0-9]{10}$/);

  role.getUsers().add(alice.user);
  await step('role.getUsers().add(alice); role.save (master)', () => role.save(null, MASTER));
  const sentOp = sentTo(`/roles/${role.id}`).at(-1)?.users ?? sentTo(`/classes/_Role/${role.id}`).at(-1)?.users;
  assert.equal(sentOp?.__op, 'AddRelation');

  const memo = obj({ group, name: 'staff memo' });
  const acl = new Parse.ACL();
  acl.setRoleReadAccess(name, true);
  memo.setACL(acl);
  await memo.save(null, MASTER);
  assert.deepEqual(sentTo(`/classes/${C}`).at(-1).ACL, { [`role:${name}`]: { read: true } });

  // Roles are resolved with the session at each request, so Alice's existing session sees the
  // memo at once (Parse Server too clears its role cache when a _Role is saved).
  const seenByAlice = await step('alice finds the memo', () => new Parse.Query(C).equalTo('group', group).find(as(alice.user)));
  assert.deepEqual(ids(seenByAlice), [memo.id], `alice does not see a role:${name} object\n${wire(1)}`);
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(bob.user))), []);
  await rejectsWith(new Parse.Query(C).get(memo.id, as(bob.user)), Parse.Error.OBJECT_NOT_FOUND, 'bob getting the memo');
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find()), []);

  // A fresh login sees it too.
  const again = await Parse.User.logIn(alice.username, alice.password);
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(again))), [memo.id]);

  // The role can be found by name and through its users relation.
  const found = await new Parse.Query(Parse.Role).equalTo('name', name).first();
  assert.equal(found?.id, role.id);
  assert.equal(found.getName(), name);
  const members = await found.getUsers().query().find(MASTER);
  assert.deepEqual(ids(members), [alice.user.id]);

  // A role inside a role: members of the child role inherit the parent's access.
  const childRole = new Parse.Role(`sdk_junior_${rand(8)}`, roleAcl);
  childRole.getUsers().add(bob.user);
  await childRole.save(null, MASTER);
  role.getRoles().add(childRole);
  await step('role.getRoles().add(child); save', () => role.save(null, MASTER));
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(bob.user))), [memo.id], 'a user of a child role does not inherit');

  // Removing Alice takes the access away.
  role.getUsers().remove(alice.user);
  await role.save(null, MASTER);
  assert.deepEqual(ids(await new Parse.Query(C).equalTo('group', group).find(as(alice.user))), []);

  // Clients cannot make roles (the server's _Role CLP).
  const err = await new Parse.Role(`sdk_rogue_${rand(6)}`, roleAcl).save(null, as(bob.user)).then(() => null, (e) => e);
  assert.ok(err instanceof Parse.Error, `a client created a role\n${wire(1)}`);
});

test('the server never answered 5xx to the SDK during this file', () => {
  const bad = serverErrors();
  assert.deepEqual(bad.map((e) => `${e.method} ${e.url} ${e.body?.slice(0, 300)} → ${e.status} ${e.response?.slice(0, 300)}`), []);
});
