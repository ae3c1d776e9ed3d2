// /roles: Parse's route for _Role objects, the same objects and rules as /classes/_Role. Roles
// grant access (an ACL entry "role:<name>"), so only the master key creates or changes them;
// anyone may read them, as _Role's class-level permissions say.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  OBJECT_ID,
  rand, get, post, put, del, qs, expectStatus, expectError, pointer, withSession, signUp,
  createClass, dropClass, createObject,
} from './support.mjs';

const roleName = () => `curators_${rand(10)}`;

test('the master key creates a role at /roles and reads it back at /roles and /classes/_Role', async () => {
  const name = roleName();
  const created = expectStatus(await post('/roles', { name, ACL: { '*': { read: true } } }, { master: true }), 201);
  assert.match(created.objectId, OBJECT_ID);
  const byRoute = expectStatus(await get(`/roles/${created.objectId}`), 200);
  const byClass = expectStatus(await get(`/classes/_Role/${created.objectId}`), 200);
  assert.equal(byRoute.name, name);
  assert.deepEqual(byRoute, byClass);
  const found = expectStatus(await get(`/roles${qs({ where: { name } })}`), 200);
  assert.deepEqual(found.results.map((r) => r.objectId), [created.objectId]);
});

test('a role given to a user at /roles opens what an ACL grants that role', async () => {
  const member = await signUp('rolemember');
  const outsider = await signUp('roleoutsider');
  const name = roleName();
  const role = expectStatus(await post('/roles', { name, ACL: { '*': { read: true } } }, { master: true }), 201);
  expectStatus(await put(`/roles/${role.objectId}`, {
    users: { __op: 'AddRelation', objects: [pointer('_User', member.id)] },
  }, { master: true }), 200);
  const className = await createClass(`RoleNotes_${rand(8)}`, { text: 'String' });
  try {
    const note = await createObject(className, { text: 'for curators', ACL: { [`role:${name}`]: { read: true } } }, { master: true });
    const seen = expectStatus(await get(`/classes/${className}/${note}`, withSession(member.token)), 200);
    assert.equal(seen.text, 'for curators');
    expectError(await get(`/classes/${className}/${note}`, withSession(outsider.token)), 404, 101);
    const members = expectStatus(await get(`/roles${qs({ where: { users: pointer('_User', member.id) } })}`), 200);
    assert.deepEqual(members.results.map((r) => r.name), [name]);
  } finally {
    await dropClass(className);
  }
});

test('clients may read roles but not create, change or delete them (119)', async () => {
  const user = await signUp('roleclient');
  const role = expectStatus(await post('/roles', { name: roleName(), ACL: { '*': { read: true } } }, { master: true }), 201);
  expectError(await post('/roles', { name: roleName() }, withSession(user.token)), 400, 119);
  expectError(await post('/roles', { name: roleName() }), 400, 119);
  expectError(await put(`/roles/${role.objectId}`, { name: roleName() }, withSession(user.token)), 400, 119);
  expectError(await del(`/roles/${role.objectId}`, withSession(user.token)), 400, 119);
  expectStatus(await get(`/roles/${role.objectId}`, withSession(user.token)), 200);
  expectStatus(await del(`/roles/${role.objectId}`, { master: true }), 200);
  expectError(await get(`/roles/${role.objectId}`), 404, 101);
});
