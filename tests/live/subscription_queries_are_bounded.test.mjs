// F2 (issue 19): a LiveQuery subscription's `where` has the limits of a REST `where` (20
// $regex, 2 that need the regex engine, 1,000-wide lists and $or, 8 levels), and one socket
// holds at most 40 $regex over all its subscriptions, all counted before anything compiles.
// Before, an anonymous frame of ~1,900 heavy regexes took ~2.5 s of a hub's CPU, and six of
// them on an artisan's hub held that artisan's checkout 16 s.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { Live, brief, closeAll, freshSku } from './support.mjs';

after(() => closeAll());

const regexes = (n, pattern) => ({ $or: Array.from({ length: n }, (_, i) => ({ title: { $regex: pattern(i) } })) });

test('the review\'s subscribe frame of 1,900 heavy regexes answers error 102 at once, and the socket still serves', async () => {
  const live = await Live.connected();
  const heavy = regexes(1900, (i) => `\\w{${4980 - (i % 50)}}`);
  const started = Date.now();
  const refused = await live.subscribe(1, { className: 'Product', where: heavy });
  assert.equal(refused.op, 'error', brief(refused));
  assert.equal(refused.code, 102);
  assert.ok(Date.now() - started < 2000, `refusing took ${Date.now() - started} ms`);
  const ok = await live.subscribe(2, { className: 'Product', where: { sku: freshSku() } });
  assert.equal(ok.op, 'subscribed', brief(ok));
  live.close();
});

test('a subscription takes 20 literal regexes but not 21, and 2 engine regexes but not 3', async () => {
  const live = await Live.connected();
  assert.equal((await live.subscribe(1, { className: 'Product', where: regexes(20, (i) => `^t${i}`) })).op, 'subscribed');
  const tooMany = await live.subscribe(2, { className: 'Product', where: regexes(21, (i) => `^t${i}`) });
  assert.equal(tooMany.code, 102, brief(tooMany));
  assert.equal((await live.subscribe(3, { className: 'Product', where: regexes(2, (i) => `(a|b)z${i}`) })).op, 'subscribed');
  const engine = await live.subscribe(4, { className: 'Product', where: regexes(3, (i) => `(a|b)z${i}`) });
  assert.equal(engine.code, 102, brief(engine));
  live.close();
});

test('one socket holds at most 40 regexes over all its subscriptions', async () => {
  const live = await Live.connected();
  const twenty = regexes(20, (i) => `^t${i}`);
  assert.equal((await live.subscribe(1, { className: 'Product', where: twenty })).op, 'subscribed');
  assert.equal((await live.subscribe(2, { className: 'Product', where: twenty })).op, 'subscribed');
  const third = await live.subscribe(3, { className: 'Product', where: regexes(1, () => '^x') });
  assert.equal(third.op, 'error', brief(third));
  assert.equal(third.code, 102);
  live.close();
});
