// The account flows through the Parse JS SDK's own calls (issue 17): requestPasswordReset,
// requestEmailVerification and verifyPassword, with the mailed links followed as a person would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Parse, rand, signUp, masterRequest, rejectsWith, step } from './support.mjs';

async function linkTo(email, subject) {
  const res = await masterRequest('GET', `/dev/outbox?to=${encodeURIComponent(email)}`);
  assert.equal(res.status, 200, res.text);
  const mail = res.json.results.find((m) => subject.test(m.subject));
  assert.ok(mail, `no mail "${subject}" to ${email}`);
  return mail.links[0];
}

test('Parse.User.requestPasswordReset mails a link whose form sets the password the SDK then logs in with', async () => {
  const { user, username, password } = await signUp('reset');
  const email = user.getEmail();
  await step('requestPasswordReset', () => Parse.User.requestPasswordReset(email));
  // An unknown email resolves alike.
  await step('requestPasswordReset unknown', () => Parse.User.requestPasswordReset(`nobody_${rand(10)}@example.test`));
  const link = await linkTo(email, /Password reset/);
  const newPassword = `pw-sdk-new-${rand(8)}`;
  const form = new URLSearchParams({ token: new URL(link).searchParams.get('token'), new_password: newPassword, confirm_password: newPassword });
  const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  assert.equal(done.status, 200);
  // The session the SDK held is over; the old password no longer logs in, the new one does.
  await rejectsWith(Parse.User.me(user.getSessionToken()), Parse.Error.INVALID_SESSION_TOKEN, 'me with the old session');
  await rejectsWith(Parse.User.logIn(username, password), Parse.Error.OBJECT_NOT_FOUND, 'logIn with the old password');
  const again = await step('logIn', () => Parse.User.logIn(username, newPassword));
  assert.equal(again.id, user.id);
});

test('Parse.User.requestEmailVerification sends a new link, and emailVerified turns true once it is opened', async () => {
  const { user, token } = await signUp('verify');
  assert.equal((await step('me', () => Parse.User.me(token))).get('emailVerified'), false);
  await step('requestEmailVerification', () => Parse.User.requestEmailVerification(user.getEmail()));
  const opened = await fetch(await linkTo(user.getEmail(), /verify your email/));
  assert.equal(opened.status, 200);
  const me = await step('me', () => Parse.User.me(token));
  assert.equal(me.get('emailVerified'), true);
});

test('Parse.User.verifyPassword answers the user for the right password and 101 for a wrong one', async () => {
  const { user, username, password } = await signUp('verifypw');
  const checked = await step('verifyPassword', () => Parse.User.verifyPassword(username, password));
  // The SDK hands over the server's JSON as it is.
  assert.equal(checked.objectId, user.id);
  assert.equal(checked.username, username);
  assert.equal(checked.sessionToken, undefined);
  await rejectsWith(Parse.User.verifyPassword(username, 'wrong-password'), Parse.Error.OBJECT_NOT_FOUND, 'verifyPassword with a wrong password');
});

test('a short password is refused by the SDK sign-up with the policy error (142)', async () => {
  const user = new Parse.User();
  user.set({ username: `sdk_short_${rand(10)}`, password: 'short' });
  const e = await rejectsWith(user.signUp(), Parse.Error.VALIDATION_ERROR, 'signUp with a short password');
  assert.equal(e.message, 'Password must be at least 8 characters long.');
});
