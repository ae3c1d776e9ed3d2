// What two clients nobody here wrote need: Parse Dashboard (its feature flags, its jobs, logs and
// webhooks pages, creating users, "Run as…") and SDKs that save whole objects (the Python SDK
// sends a user's role with every save).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  rand, get, post, put, qs, expectStatus, expectError, pointer, withSession, signUp,
} from './support.mjs';

test('serverInfo advertises the schema features the dashboard asks for, and no Cloud Code it lacks', async () => {
  const info = expectStatus(await get('/serverInfo', { master: true }), 200);
  assert.equal(typeof info.parseServerVersion, 'string');
  const { schemas, hooks, cloudCode, globalConfig } = info.features;
  assert.equal(schemas.editClassLevelPermissions, true);
  assert.equal(schemas.editPointerPermissions, true);
  assert.equal(schemas.addClass, true);
  assert.equal(hooks.create, false);
  assert.equal(cloudCode.jobs, false);
  assert.equal(globalConfig.read, true);
  assert.equal(globalConfig.update, false);
});

for (const [path, empty] of [
  ['/hooks/functions', []],
  ['/hooks/triggers', []],
  ['/cloud_code/jobs', []],
  ['/cloud_code/jobs/data', { jobs: [], in_use: [] }],
  [`/scriptlog${qs({ level: 'info', n: 100 })}`, []],
]) {
  test(`${path.split('?')[0]} answers the master key a well-formed empty answer and anyone else 403`, async () => {
    assert.deepEqual(expectStatus(await get(path, { master: true }), 200), empty);
    assert.equal((await get(path)).status, 403);
    const user = await signUp('dashpage');
    assert.equal((await get(path, withSession(user.token))).status, 403);
  });
}

test('the _User schema lists a write-only password, which no read ever returns and no field can shadow', async () => {
  const schema = expectStatus(await get('/schemas/_User', { master: true }), 200);
  assert.deepEqual(schema.fields.password, { type: 'String' });
  // The dashboard creates a user with the master key, password included; it can then log in.
  const username = `dash_${rand(10)}`;
  const created = expectStatus(await post('/classes/_User', { username, password: 'pw-dashboard-1' }, { master: true }), 201);
  const found = expectStatus(await get(`/users/${created.objectId}`, { master: true }), 200);
  assert.equal(found.password, undefined);
  assert.equal(found._hashed_password, undefined);
  expectStatus(await post('/login', { username, password: 'pw-dashboard-1' }), 200);
  expectError(await put('/schemas/_User', { fields: { password: { type: 'String' } } }, { master: true }), 400, 255);
});

test('the master key reads each session with its token, which signs in as that user; nobody else gets one', async () => {
  const user = await signUp('runas');
  const other = await signUp('runasother');
  const where = qs({ where: { user: pointer('_User', user.id) } });
  const sessions = expectStatus(await get(`/sessions${where}`, { master: true }), 200).results;
  assert.equal(sessions.length, 1);
  const token = sessions[0].sessionToken;
  assert.equal(typeof token, 'string');
  const me = expectStatus(await get('/users/me', withSession(token)), 200);
  assert.equal(me.objectId, user.id);
  const one = expectStatus(await get(`/classes/_Session/${sessions[0].objectId}`, { master: true }), 200);
  assert.equal(typeof one.sessionToken, 'string');
  // The user itself, another user and an anonymous client never see a stored session's token.
  for (const opts of [withSession(user.token), withSession(other.token), {}]) {
    const seen = await get(`/sessions${where}`, opts);
    for (const row of seen.json?.results ?? []) assert.equal(row.sessionToken, undefined, JSON.stringify(row));
    const byId = await get(`/sessions/${sessions[0].objectId}`, opts);
    assert.equal(byId.json?.sessionToken, undefined, JSON.stringify(byId.json));
  }
});

test('saving a whole user, its role unchanged, succeeds; a changed role is still 119', async () => {
  const user = await signUp('wholesave');
  const me = expectStatus(await get('/users/me', withSession(user.token)), 200);
  const saved = await put(`/users/${user.id}`, { username: me.username, email: me.email, role: me.role, emailVerified: me.emailVerified }, withSession(user.token));
  expectStatus(saved, 200);
  expectError(await put(`/users/${user.id}`, { role: 'artisan' }, withSession(user.token)), 400, 119);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).role, 'buyer');
});

test('schemas list fields in the order they were added, objectId, createdAt, updatedAt and ACL first', async () => {
  const className = `Ordered_${rand(8)}`;
  // Added one by one, in an order that is neither alphabetical nor its reverse.
  for (const field of ['zeta', 'alpha', 'mu']) {
    expectStatus(await post(`/classes/${className}`, { [field]: 1 }, { master: true }), 201);
  }
  expectStatus(await put(`/schemas/${className}`, { fields: { beta: { type: 'String' } } }, { master: true }), 200);
  const one = expectStatus(await get(`/schemas/${className}`, { master: true }), 200);
  assert.deepEqual(Object.keys(one.fields), ['objectId', 'createdAt', 'updatedAt', 'ACL', 'zeta', 'alpha', 'mu', 'beta']);
  const all = expectStatus(await get('/schemas', { master: true }), 200);
  const listed = all.results.find((s) => s.className === className);
  assert.deepEqual(Object.keys(listed.fields), Object.keys(one.fields));
  const users = expectStatus(await get('/schemas/_User', { master: true }), 200);
  assert.deepEqual(Object.keys(users.fields).slice(0, 7), ['objectId', 'createdAt', 'updatedAt', 'ACL', 'password', 'username', 'email']);
});
