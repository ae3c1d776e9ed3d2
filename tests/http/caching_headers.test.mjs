// Answers that hold a session token, or that depend on who asked, are never stored by a cache
// (`Cache-Control: no-store`); no JSON answer can be sniffed into something a browser runs
// (`X-Content-Type-Options: nosniff`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { get, post, show, withSession, signUp } from './support.mjs';

test('sign-up, login, /users/me, /sessions/me and a user reading itself say Cache-Control: no-store', async () => {
  const body = { username: `nostore_${Date.now()}`, password: 'pw-nostore' };
  const signedUp = await post('/users', body);
  assert.equal(signedUp.status, 201, show(signedUp));
  assert.equal(signedUp.headers.get('cache-control'), 'no-store');
  const login = await post('/login', body);
  assert.equal(login.status, 200, show(login));
  assert.equal(login.headers.get('cache-control'), 'no-store');
  const { objectId, sessionToken } = signedUp.json;
  for (const path of ['/users/me', '/sessions/me', `/users/${objectId}`]) {
    const res = await get(path, withSession(sessionToken));
    assert.equal(res.status, 200, `${path}: ${show(res)}`);
    assert.equal(res.headers.get('cache-control'), 'no-store', path);
  }
  const user = await signUp('nostore');
  const viaSdk = await post('/users/me', { _method: 'GET', _SessionToken: user.token }, { contentType: 'text/plain' });
  assert.equal(viaSdk.status, 200, show(viaSdk));
  assert.equal(viaSdk.headers.get('cache-control'), 'no-store', 'a token in the body counts too');
});

test('every JSON answer says X-Content-Type-Options: nosniff, errors included', async () => {
  const answers = [
    await get('/health'),
    await get('/classes/Product?limit=1'),
    await get('/classes/Product', { appId: 'wrong' }),
    await get('/classes/Product/none'),
    await post('/login', { username: 'nobody', password: 'x' }),
  ];
  for (const res of answers) {
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, show(res));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', show(res));
  }
  assert.equal(answers[1].headers.get('cache-control'), null, 'a public read may be cached');
});
