// A protected field cannot be sorted on, as it cannot be queried: the order of two rows would
// tell a caller the hidden value, one binary search at a time.
import test from 'node:test';
import assert from 'node:assert/strict';
import { get, put, qs, show, expectStatus, expectError, withSession, signUp } from './support.mjs';

test('ordering by a protected field answers 119, as a where on it does', async () => {
  const [victim, spy] = await Promise.all([signUp('ordvictim'), signUp('ordspy')]);
  // The victim makes its user public; its email stays protected.
  expectStatus(await put(`/users/${victim.id}`, { ACL: { '*': { read: true }, [victim.id]: { read: true, write: true } } }, withSession(victim.token)), 200);
  const where = { objectId: { $in: [victim.id, spy.id] } };
  const asSpy = withSession(spy.token);
  expectError(await get(`/classes/_User${qs({ where: { email: { $gt: 'a' } } })}`, asSpy), 400, 119);
  for (const order of ['email', '-email', 'username,email']) {
    expectError(await get(`/classes/_User${qs({ where, order, keys: 'objectId' })}`, asSpy), 400, 119);
  }
  const byName = await get(`/classes/_User${qs({ where, order: 'username' })}`, asSpy);
  assert.equal(byName.status, 200, show(byName));
  assert.equal(byName.json.results.length, 2);
  assert.ok(byName.json.results.every((u) => u.email === undefined || u.objectId === spy.id));
  const master = await get(`/classes/_User${qs({ where, order: 'email' })}`, { master: true });
  assert.equal(master.status, 200, show(master));
});
