// F3 (issue 19): one request hashes at most two passwords (a /batch of logins, sign-ups or
// password changes answers 155 for the rest, without hashing), and logins and password changes
// count against their address (PASSWORD_IP_LIMIT), successful or not. Before, a 10 KB /batch of
// 100 logins ran 100 PBKDF2 hashes (52-61 s of CPU) while every other request waited.
//
// The address limit needs a tight setting, so it runs on a private `wrangler dev`.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT, rand, show, post } from './support.mjs';
import { startWorker } from '../support/worker.mjs';

const PASSWORD_IP_LIMIT = 3;

let worker;

before(async () => {
  worker = await startWorker({
    vars: { PASSWORD_IP_LIMIT: String(PASSWORD_IP_LIMIT), PASSWORD_IP_WINDOW_MINUTES: '10' },
  });
});

after(async () => {
  await worker?.dispose();
});

async function call(path, body, { ip, master } = {}) {
  const headers = { 'X-Parse-Application-Id': worker.appId, 'Content-Type': 'application/json' };
  if (ip) headers['CF-Connecting-IP'] = ip;
  if (master) headers['X-Parse-Master-Key'] = worker.masterKey;
  const res = await fetch(worker.url + path, {
    method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

test('a batch of 100 logins hashes two passwords and answers 155 for the other 98', async () => {
  const username = `hash_${rand(8)}`;
  const made = await post('/users', { username, password: 'pw-batch' });
  assert.equal(made.status, 201, show(made));
  const login = { method: 'POST', path: `${MOUNT}/login`, body: { username, password: 'pw-batch' } };
  const started = Date.now();
  const res = await post('/batch', { requests: Array(100).fill(login) });
  const took = Date.now() - started;
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.length, 100);
  assert.ok(res.json[0].success?.sessionToken && res.json[1].success?.sessionToken, show(res));
  for (const answer of res.json.slice(2)) assert.equal(answer.error?.code, 155, JSON.stringify(answer));
  assert.ok(took < 10_000, `the batch took ${took} ms`);
});

test('a batch of sign-ups creates two accounts and refuses the rest with 155', async () => {
  const requests = Array.from({ length: 5 }, () => ({
    method: 'POST', path: `${MOUNT}/users`, body: { username: `hb_${rand(10)}`, password: 'pw-long-enough' },
  }));
  const res = await post('/batch', { requests });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.filter((a) => a.success?.objectId).length, 2, show(res));
  assert.equal(res.json.filter((a) => a.error?.code === 155).length, 3, show(res));
});

test('successful logins from one address are limited by PASSWORD_IP_LIMIT; another address still logs in', async () => {
  const username = `pl_${rand(8)}`;
  const made = await call('/users', { username, password: 'pw-right' }, { master: true });
  assert.equal(made.status, 201, show(made));
  const ip = '203.0.113.77';
  for (let i = 0; i < PASSWORD_IP_LIMIT; i++) {
    const ok = await call('/login', { username, password: 'pw-right' }, { ip });
    assert.equal(ok.status, 200, show(ok));
  }
  const refused = await call('/login', { username, password: 'pw-right' }, { ip });
  assert.equal(refused.status, 429, show(refused));
  assert.equal(refused.json.code, 155);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  const other = await call('/login', { username, password: 'pw-right' }, { ip: '203.0.113.78' });
  assert.equal(other.status, 200, show(other));
});
