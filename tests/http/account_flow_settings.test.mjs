// The account flows' settings (issue 17), on a private worker of their own: links that expire,
// Parse's preventLoginWithUnverifiedEmail, and resetPasswordSuccessOnInvalidEmail turned off.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rand, sleep } from './support.mjs';
import { startWorker } from '../support/worker.mjs';

let worker;
before(async () => {
  worker = await startWorker({
    vars: {
      PASSWORD_RESET_TOKEN_MINUTES: '0.05', // 3 s
      EMAIL_VERIFY_TOKEN_HOURS: '0.001', // 3.6 s
      PREVENT_LOGIN_WITH_UNVERIFIED_EMAIL: 'true',
      RESET_PASSWORD_SUCCESS_ON_INVALID_EMAIL: 'false',
    },
  });
});
after(async () => {
  await worker?.dispose();
});

const call = (...args) => worker.call(...args);

async function linkFor(email, subject) {
  const res = await call('GET', `/dev/outbox?to=${encodeURIComponent(email)}`, undefined, { master: true });
  assert.equal(res.status, 200);
  const mail = res.json.results.find((m) => subject.test(m.subject));
  assert.ok(mail, `no mail "${subject}" to ${email}`);
  return mail.links[0];
}

test('with preventLoginWithUnverifiedEmail, sign-up opens no session and login waits for the link (205)', async () => {
  const username = `unverified_${rand(10)}`;
  const password = `pw-${rand(12)}`;
  const email = `${username}@example.test`;
  const signedUp = await call('POST', '/users', { username, password, email });
  assert.equal(signedUp.status, 201);
  assert.equal(signedUp.json.sessionToken, undefined);
  const refused = await call('POST', '/login', { username, password });
  assert.deepEqual([refused.status, refused.json], [400, { code: 205, error: 'User email is not verified.' }]);
  // A wrong password still answers as any wrong password does: 205 tells only the owner.
  assert.equal((await call('POST', '/login', { username, password: 'wrong-password' })).json.code, 101);
  const opened = await fetch(await linkFor(email, /verify your email/));
  assert.equal(opened.status, 200);
  const login = await call('POST', '/login', { username, password });
  assert.equal(login.status, 200);
  assert.equal(typeof login.json.sessionToken, 'string');
});

test('links stop working when they expire', async () => {
  const username = `expiry_${rand(10)}`;
  const email = `${username}@example.test`;
  assert.equal((await call('POST', '/users', { username, password: `pw-${rand(12)}`, email })).status, 201);
  assert.equal((await call('POST', '/requestPasswordReset', { email })).status, 200);
  const verify = await linkFor(email, /verify your email/);
  const reset = await linkFor(email, /Password reset/);
  await sleep(4_000); // both lifetimes (3 s and 3.6 s) pass
  const verified = await fetch(verify);
  assert.equal(verified.status, 400);
  assert.match(await verified.text(), /no longer works/);
  const form = await fetch(reset);
  assert.equal(form.status, 400);
  const posted = await fetch(reset, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: new URL(reset).searchParams.get('token'), new_password: 'pw-long-enough', confirm_password: 'pw-long-enough' }).toString(),
  });
  assert.equal(posted.status, 400);
});

test('with resetPasswordSuccessOnInvalidEmail off, an unknown email answers 205', async () => {
  const res = await call('POST', '/requestPasswordReset', { email: `ghost_${rand(10)}@example.test` });
  assert.equal(res.json.code, 205);
});
