// F4 (issue 19): one request has a budget for regex compiles and scans and for the size of
// the answers it builds, a /batch included. Before, $or with 20 scanning regexes took 9.6 s,
// 5,000 compiled regexes 5.3 s, and a 10 KB batch of finds returned 100 MB.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT, uniqueClass, createClass, dropClass, createObject, post, show, expectError } from './support.mjs';

const C = uniqueClass('budget');

before(async () => {
  await createClass(C, { title: 'String', body: 'String' });
  await createObject(C, { title: 'a', body: 'x' }, { master: true });
});

after(async () => {
  await dropClass(C);
});

const find = (where) => post(`/classes/${C}`, { _method: 'GET', where }, { master: true });

test('a query with 21 regexes, or 3 that need a scan, answers 102 before compiling them all', async () => {
  const literal = (i) => ({ title: { $regex: `^t${i}` } });
  const scan = (i) => ({ title: { $regex: `(a|b)zz${i}` } });
  assert.equal((await find({ $or: Array.from({ length: 20 }, (_, i) => literal(i)) })).status, 200);
  expectError(await find({ $or: Array.from({ length: 21 }, (_, i) => literal(i)) }), 400, 102);
  assert.equal((await find({ $or: [scan(0), scan(1)] })).status, 200);
  expectError(await find({ $or: [scan(0), scan(1), scan(2)] }), 400, 102);
  const started = Date.now();
  const heavy = await find({ $or: Array.from({ length: 5000 }, () => ({ title: { $regex: '\\w{4980}' } })) });
  expectError(heavy, 400, 102);
  assert.ok(Date.now() - started < 3000, `refusing 5,000 regexes took ${Date.now() - started} ms`);
});

test('a batch of finds stops at 4 MiB of answers: the rest answer 102 instead of being built', async () => {
  const big = 'y'.repeat(256 * 1024);
  for (let i = 0; i < 8; i++) await createObject(C, { title: `big${i}`, body: big }, { master: true });
  const request = { method: 'GET', path: `${MOUNT}/classes/${C}`, body: { limit: 1000 } };
  const res = await post('/batch', { requests: Array(100).fill(request) }, { master: true });
  assert.equal(res.status, 200, show(res));
  const served = res.json.filter((a) => a.success).length;
  assert.ok(served >= 1 && served <= 8, `${served} finds served`);
  for (const answer of res.json.slice(served)) assert.equal(answer.error?.code, 102, JSON.stringify(answer).slice(0, 200));
  assert.ok(res.text.length < 5 * 1024 * 1024, `the batch answered ${res.text.length} bytes`);
});
