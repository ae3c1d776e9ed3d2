// A live subscription cannot query or watch a protected field (an error frame with 119, as a
// REST where answers), so neither live events nor a lastSeq replay can be an oracle for it.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { Live, GLOBAL_PATH, put, expectStatus, withSession, signUp, closeAll } from './support.mjs';

after(() => closeAll());

test('subscribing to _User by email, or watching email, is refused with 119, lastSeq included', async () => {
  const [victim, spy] = await Promise.all([signUp('lqvictim'), signUp('lqspy')]);
  expectStatus(await put(`/users/${victim.id}`, { ACL: { '*': { read: true }, [victim.id]: { read: true, write: true } } }, withSession(victim.token)), 200);
  const live = await Live.connected(GLOBAL_PATH, { sessionToken: spy.token });
  const queries = [
    [{ className: '_User', where: { email: { $regex: '^lqvictim' } } }, {}],
    [{ className: '_User', where: { $or: [{ username: 'nobody' }, { email: victim.email }] } }, {}],
    [{ className: '_User', where: { objectId: victim.id }, watch: ['email'] }, {}],
    [{ className: '_User', where: { email: { $regex: '^lqvictim' } } }, { lastSeq: 0 }],
  ];
  let id = 1;
  for (const [query, extra] of queries) {
    const reply = await live.subscribe(id, query, extra);
    assert.equal(reply.op, 'error', JSON.stringify(query));
    assert.equal(reply.code, 119, JSON.stringify(reply));
    id += 1;
  }
  // A query on public fields works, and its events carry no email.
  await live.subscribed(id, { className: '_User', where: { objectId: victim.id } });
  expectStatus(await put(`/users/${victim.id}`, { email: `x${victim.email}` }, withSession(victim.token)), 200);
  const update = await live.event('update', id, victim.id);
  assert.equal(update.object.email, undefined);
  await live.assertNone((f) => f.requestId < id && f.op !== 'error', 'events for refused subscriptions', 800);
});
