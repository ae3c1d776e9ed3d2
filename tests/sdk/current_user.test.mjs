// The SDK's current user in Node: after Parse.User.enableUnsafeCurrentUser(), sign-up, logIn and
// become set a process-wide current user whose session token travels with every call, as in a
// browser app. That state is global to the process, so these tests live in their own file (each
// test file is its own process) and run one after another.

import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { Parse, rand, rejectsWith, step, wire, serverErrors, sentTo } from './support.mjs';

const password = `pw-${rand(12)}`;
const newName = (p) => `sdk_cu_${p}_${rand(10)}`;

/** Signs up through the SDK as an app does (the user becomes current). */
async function signUpCurrent(prefix, fields = {}) {
  const user = new Parse.User();
  const username = newName(prefix);
  user.set({ username, password, email: `${username}@example.test`, ...fields });
  await step(`signUp ${prefix}`, () => user.signUp());
  return user;
}

before(() => {
  assert.equal(Parse.User.current(), null, 'Node keeps no current user by default');
  Parse.User.enableUnsafeCurrentUser();
});

test('Parse.User.current() is the user who signed up, and its session token travels with later calls', async () => {
  const user = await signUpCurrent('first');
  const current = Parse.User.current();
  assert.ok(current, 'no current user after signUp');
  assert.equal(current.id, user.id);
  assert.equal(current.getSessionToken(), user.getSessionToken());
  assert.equal(current.get('username'), user.get('username'));
  assert.equal((await Parse.User.currentAsync()).id, user.id);

  // No {sessionToken} option: the SDK sends the current user's. A user reads only itself, so
  // this get succeeds only if the token was sent.
  const self = await step('Query(_User).get(self) without options', () => new Parse.Query(Parse.User).get(user.id));
  assert.equal(self.get('email'), user.get('email'));
  const sent = sentTo('/classes/_User').at(-1);
  assert.equal(sent._SessionToken, user.getSessionToken());

  assert.equal(current.isCurrent(), true);
  assert.equal(current.authenticated(), true);
});

test('Parse.User.current().fetch() keeps the user signed in (the response carries its session token)', async () => {
  // The SDK's fetch replaces the object's server data with the response, sessionToken included.
  // Parse Server's GET /classes/_User/:id (ClassesRouter.handleGet) therefore puts the caller's
  // own session token into the answer when a user fetches itself ("Force the session token"):
  // without it, fetching the current user silently signs the app out.
  const user = await signUpCurrent('fetch');
  const token = user.getSessionToken();
  const current = Parse.User.current();
  await step('current().fetch()', () => current.fetch());
  assert.equal(current.get('role'), 'buyer', 'the server defaults the role to buyer');
  assert.equal(current.getSessionToken(), token, `the fetched user lost its session token\n${wire(1)}`);
  assert.equal(current.authenticated(), true);
  assert.equal(Parse.User.current()?.getSessionToken(), token);
  // Still signed in: reading itself works without options.
  assert.equal((await new Parse.Query(Parse.User).get(user.id)).id, user.id);
});

test('Parse.User.logIn makes the logged-in user current', async () => {
  const a = await signUpCurrent('login_a');
  const b = await signUpCurrent('login_b');
  assert.equal(Parse.User.current().id, b.id);

  const back = await step('Parse.User.logIn(a)', () => Parse.User.logIn(a.get('username'), password));
  assert.equal(back.id, a.id);
  assert.equal(Parse.User.current().id, a.id);
  assert.notEqual(Parse.User.current().getSessionToken(), a.getSessionToken(), 'a login opens a new session');
  // The current user's token goes with calls made without options: it reads itself, not b.
  const mine = new Parse.Query(Parse.User);
  assert.equal((await mine.get(a.id)).id, a.id);
  await rejectsWith(new Parse.Query(Parse.User).get(b.id), Parse.Error.OBJECT_NOT_FOUND, 'the current user (a) getting b');
});

test('user.save changes the current user\'s own email, and a taken email is refused with 203', async () => {
  const user = await signUpCurrent('email');
  const other = await signUpCurrent('email_other');
  await Parse.User.logIn(user.get('username'), password);
  const current = Parse.User.current();
  assert.equal(current.id, user.id);

  const email = `${newName('changed')}@example.test`;
  current.setEmail(email);
  await step('current.setEmail(...).save()', () => current.save());
  assert.equal(current.getEmail(), email);
  const fetched = await new Parse.Query(Parse.User).get(user.id);
  assert.equal(fetched.getEmail(), email);
  assert.equal(Parse.User.current().getEmail(), email);

  current.setEmail(other.getEmail());
  await rejectsWith(current.save(), Parse.Error.EMAIL_TAKEN, 'taking another user\'s email');
  current.revert('email');

  // The password still works, and a new password can be set the same way.
  const relogged = await Parse.User.logIn(user.get('username'), password);
  assert.equal(relogged.getEmail(), email);
  const newPassword = `pw2-${rand(10)}`;
  relogged.setPassword(newPassword);
  await step('setPassword().save()', () => relogged.save());
  await rejectsWith(Parse.User.logIn(user.get('username'), password), Parse.Error.OBJECT_NOT_FOUND, 'logIn with the old password');
  assert.equal((await Parse.User.logIn(user.get('username'), newPassword)).id, user.id);
});

test('Parse.Session.current() returns the current user\'s session', async () => {
  const user = await signUpCurrent('session');
  const session = await step('Parse.Session.current()', () => Parse.Session.current());
  assert.ok(session instanceof Parse.Session, `got ${session?.constructor?.name}`);
  assert.equal(session.getSessionToken(), user.getSessionToken());
  assert.equal(session.get('user')?.id, user.id, `session.user is ${JSON.stringify(session.get('user'))}\n${wire(1)}`);
  assert.match(session.id ?? '', /^[A-Za-z0-9]{10}$/);
  assert.ok(session.get('expiresAt') instanceof Date, `expiresAt is ${JSON.stringify(session.get('expiresAt'))}`);
  assert.ok(session.get('expiresAt') > new Date());
  // The user's own sessions are queryable too (Parse: _Session is readable by its user).
  const mine = await new Parse.Query(Parse.Session).find();
  assert.ok(mine.some((s) => s.id === session.id), `the user's sessions do not include the current one\n${wire(1)}`);
});

test('Parse.User.become(token) makes that token\'s user current; a bad token is refused with 209', async () => {
  const a = await signUpCurrent('become_a');
  const tokenA = a.getSessionToken();
  const b = await signUpCurrent('become_b');
  assert.equal(Parse.User.current().id, b.id);

  const became = await step('Parse.User.become(tokenA)', () => Parse.User.become(tokenA));
  assert.equal(became.id, a.id);
  assert.equal(became.get('username'), a.get('username'));
  assert.equal(Parse.User.current().id, a.id);
  assert.equal(Parse.User.current().getSessionToken(), tokenA);
  assert.equal((await new Parse.Query(Parse.User).get(a.id)).id, a.id);

  await rejectsWith(Parse.User.become('not-a-token'), Parse.Error.INVALID_SESSION_TOKEN, 'become with garbage');
  const tampered = `${tokenA.slice(0, -4)}AAAA`;
  await rejectsWith(Parse.User.become(tampered), Parse.Error.INVALID_SESSION_TOKEN, 'become with a tampered token');
});

test('the session token is revocable in the SDK\'s eyes (Parse.Session.isCurrentSessionRevocable)', async () => {
  // The SDK decides whether a session is revocable by looking for "r:" in the token
  // (isRevocableSession.js: token.indexOf('r:') > -1), as Parse Server's revocable tokens are
  // "r:<hex>". Parse.User.logOut() calls POST /logout only for such tokens, so a token without
  // "r:" is never revoked by an app's plain logOut().
  await signUpCurrent('revocable');
  assert.equal(Parse.Session.isCurrentSessionRevocable(), true, `the token ${Parse.User.current().getSessionToken().slice(0, 20)}… has no "r:"`);
});

test('Parse.User.logOut() clears the current user and revokes its session on the server (209 after)', async () => {
  const user = await signUpCurrent('logout');
  const token = user.getSessionToken();
  assert.equal((await Parse.User.me(token)).id, user.id);

  const before = sentTo('/logout').length;
  await step('Parse.User.logOut()', () => Parse.User.logOut());
  assert.equal(Parse.User.current(), null);
  assert.equal(sentTo('/logout').length - before, 1, `Parse.User.logOut() sent no POST /logout for the token ${token.slice(0, 20)}… (the SDK only revokes tokens containing "r:")`);
  await rejectsWith(Parse.User.me(token), Parse.Error.INVALID_SESSION_TOKEN, 'Parse.User.me with the logged-out token');
});

test('the server never answered 5xx to the SDK during this file', () => {
  const bad = serverErrors();
  assert.deepEqual(bad.map((e) => `${e.method} ${e.url} ${e.body?.slice(0, 300)} → ${e.status} ${e.response?.slice(0, 300)}`), []);
});
