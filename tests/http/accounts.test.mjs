// Accounts and sessions: sign-up, login, logout, /users/me, /sessions/me, session tokens (and
// forged ones), and what one user may see and change of another (DESIGN §2, §3 `_User`, §5).
//
// Every user here has a random username and email, so the file shares the server's `_User` table
// with other test files running in parallel without clashing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  PARSE_URL, APP_ID, OBJECT_ID, ISO_DATE,
  rand, missingId, request, get, post, put, del, qs, show, expectStatus, expectError, pointer,
  withSession, signUp,
} from './support.mjs';

const INVALID_LOGIN = 'Invalid username/password.';
const INVALID_SESSION = 'Invalid session token';

/** Asserts that a raw response text carries no password nor any hash of one. */
function assertNoSecrets(res, password) {
  for (const needle of ['"password"', '_hashed_password', 'hashed', '$pbkdf2']) {
    assert.ok(!res.text.includes(needle), `response leaks ${needle}: ${show(res)}`);
  }
  if (password) assert.ok(!res.text.includes(password), `response leaks the password itself: ${show(res)}`);
}

/** The SDK's way: POST with Content-Type text/plain, keys and `_method` in the body. */
function sdkRequest(path, body) {
  return request('POST', path, undefined, {
    appId: null,
    contentType: 'text/plain',
    raw: JSON.stringify({ _ApplicationId: APP_ID, _ClientVersion: 'js8.6.2', _InstallationId: `inst-${rand()}`, ...body }),
  });
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** The three parts of a JWT, the payload decoded (tokens are `r:<jwt>`: revocable, for the SDKs). */
function splitJwt(token) {
  assert.ok(token.startsWith('r:'), `a session token is revocable (r:): ${token}`);
  const parts = token.slice(2).split('.');
  assert.equal(parts.length, 3, `a session token is a JWT: ${token}`);
  return { header: parts[0], payload: parts[1], signature: parts[2], claims: JSON.parse(Buffer.from(parts[1], 'base64url').toString()) };
}

// ---------------------------------------------------------------------------------------------
// Sign-up

test('sign-up answers 201 with objectId, createdAt and sessionToken and a Location to the user', async () => {
  const username = `su_${rand(10)}`;
  const res = await post('/users', { username, password: 'secret-pass-1', email: `${username}@example.test` });
  const body = expectStatus(res, 201);
  // Besides Parse's three keys, the fields the server set (as Parse answers beforeSave changes):
  // the default role and the user's private ACL.
  assert.deepEqual(Object.keys(body).sort(), ['ACL', 'createdAt', 'objectId', 'role', 'sessionToken'], show(res));
  assert.equal(body.role, 'buyer');
  // Itself reads and writes; admins read (src/marketplace/admins.rs).
  assert.deepEqual(body.ACL, { [body.objectId]: { read: true, write: true }, 'role:admin': { read: true } });
  assert.match(body.objectId, OBJECT_ID);
  assert.match(body.createdAt, ISO_DATE);
  assert.ok(body.sessionToken.length > 0);
  assert.equal(res.headers.get('location'), `${PARSE_URL}/users/${body.objectId}`);
  assertNoSecrets(res, 'secret-pass-1');
});

test('a signed-up user is a buyer unless it asks to be an artisan', async () => {
  const buyer = await signUp('buyer');
  const me = expectStatus(await get('/users/me', withSession(buyer.token)), 200);
  assert.equal(me.role, 'buyer');
  const artisan = await signUp('artisan', { role: 'artisan' });
  const me2 = expectStatus(await get('/users/me', withSession(artisan.token)), 200);
  assert.equal(me2.role, 'artisan');
});

test('sign-up without a username answers 400 code 200', async () => {
  expectError(await post('/users', { password: 'pw-1-long-enough', email: `nouser_${rand()}@example.test` }), 400, 200);
});

test('sign-up without a password answers 400 code 201', async () => {
  const username = `nopw_${rand(10)}`;
  expectError(await post('/users', { username }), 400, 201);
  const count = expectStatus(await get(`/users${qs({ where: { username }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('sign-up with a taken username answers 400 code 202', async () => {
  const first = await signUp('dupname');
  expectError(await post('/users', { username: first.username, password: 'another-pw' }), 400, 202);
});

test('sign-up with an email taken in another case answers 400 code 203', async () => {
  const local = `Case_${rand(10)}`;
  const email = `${local}@Example.test`;
  await signUp('email1', { email });
  const res = await post('/users', { username: `email2_${rand(10)}`, password: 'pw-2-long-enough', email: email.toLowerCase() });
  expectError(res, 400, 203);
  const upper = await post('/users', { username: `email3_${rand(10)}`, password: 'pw-3-long-enough', email: email.toUpperCase() });
  expectError(upper, 400, 203);
});

test('sign-up with a malformed email answers 400 code 125', async () => {
  for (const email of ['not-an-email', `a${rand()}@`, `@${rand()}.io`, `a b${rand()}@x.io`, `a@b@${rand()}.io`]) {
    const username = `bademail_${rand(10)}`;
    const res = await post('/users', { username, password: 'pw-1-long-enough', email });
    expectError(res, 400, 125);
    assert.equal(res.json.code, 125, `email ${JSON.stringify(email)}: ${show(res)}`);
  }
});

test('sign-up asking for the admin role without the master key answers 400 code 119 and creates nobody', async () => {
  const username = `wannabe_${rand(10)}`;
  expectError(await post('/users', { username, password: 'pw-1-long-enough', role: 'admin' }), 400, 119);
  const count = expectStatus(await get(`/users${qs({ where: { username }, count: 1, limit: 0 })}`, { master: true }), 200);
  assert.equal(count.count, 0);
});

test('sign-up with an unknown role answers 400 code 142', async () => {
  expectError(await post('/users', { username: `king_${rand(10)}`, password: 'pw-1-long-enough', role: 'king' }), 400, 142);
});

test('sign-up with the master key may create an admin', async () => {
  const admin = await signUp('madeadmin', { role: 'admin' }, { master: true });
  const me = expectStatus(await get('/users/me', withSession(admin.token)), 200);
  assert.equal(me.role, 'admin');
});

test('a garbage session token sent along with sign-up is ignored', async () => {
  const user = await signUp('stale', {}, withSession('r:abc'));
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).objectId, user.id);
});

test('an SDK-style text/plain sign-up works', async () => {
  const username = `sdk_${rand(10)}`;
  const res = await sdkRequest('/users', { username, password: 'pw-sdk-long-enough', email: `${username}@example.test` });
  const body = expectStatus(res, 201);
  assert.match(body.objectId, OBJECT_ID);
  assert.equal(typeof body.sessionToken, 'string');
});

// ---------------------------------------------------------------------------------------------
// Login

test('POST /login answers the user with a sessionToken and without any password field', async () => {
  const user = await signUp('login');
  const res = await post('/login', { username: user.username, password: user.password });
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(body.username, user.username);
  assert.equal(body.email, user.email);
  assert.equal(body.role, 'buyer');
  assert.match(body.createdAt, ISO_DATE);
  assert.match(body.updatedAt, ISO_DATE);
  assert.deepEqual(body.ACL, { [user.id]: { read: true, write: true }, 'role:admin': { read: true } });
  assert.equal(typeof body.sessionToken, 'string');
  assert.notEqual(body.sessionToken, user.token, 'a login opens a new session');
  assertNoSecrets(res, user.password);
  assert.equal(expectStatus(await get('/users/me', withSession(body.sessionToken)), 200).objectId, user.id);
});

test('GET /login with username and password in the query string logs in', async () => {
  const user = await signUp('getlogin');
  const res = await get(`/login${qs({ username: user.username, password: user.password })}`);
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(typeof body.sessionToken, 'string');
  assertNoSecrets(res, user.password);
});

test('login by email instead of username works', async () => {
  const user = await signUp('emaillogin');
  const body = expectStatus(await post('/login', { email: user.email, password: user.password }), 200);
  assert.equal(body.objectId, user.id);
  assert.equal(typeof body.sessionToken, 'string');
});

test('login with a wrong password answers 404 code 101 Invalid username/password.', async () => {
  const user = await signUp('wrongpw');
  const res = await post('/login', { username: user.username, password: `${user.password}x` });
  expectError(res, 404, 101, INVALID_LOGIN);
  assert.deepEqual(res.json, { code: 101, error: INVALID_LOGIN });
});

test('login of an unknown user answers exactly like a wrong password', async () => {
  const res = await post('/login', { username: `nobody_${rand(10)}`, password: 'whatever' });
  assert.deepEqual([res.status, res.json], [404, { code: 101, error: INVALID_LOGIN }], show(res));
  const byGet = await get(`/login${qs({ username: `nobody_${rand(10)}`, password: 'whatever' })}`);
  assert.deepEqual([byGet.status, byGet.json], [404, { code: 101, error: INVALID_LOGIN }], show(byGet));
});

test('a garbage or stale session token sent along with /login is ignored', async () => {
  const user = await signUp('stalelogin');
  const garbage = await post('/login', { username: user.username, password: user.password }, withSession('r:abc'));
  assert.equal(expectStatus(garbage, 200).objectId, user.id);
  // A token that was valid once and has been logged out.
  const old = expectStatus(await post('/login', { username: user.username, password: user.password }), 200).sessionToken;
  expectStatus(await post('/logout', {}, withSession(old)), 200);
  const stale = await post('/login', { username: user.username, password: user.password }, withSession(old));
  assert.equal(expectStatus(stale, 200).objectId, user.id);
});

test('an SDK-style text/plain login carrying a stale _SessionToken works', async () => {
  const user = await signUp('sdklogin');
  const res = await sdkRequest('/login', { username: user.username, password: user.password, _SessionToken: 'r:abc' });
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(typeof body.sessionToken, 'string');
  assertNoSecrets(res, user.password);
});

// ---------------------------------------------------------------------------------------------
// The current user and session

test('GET /users/me with X-Parse-Session-Token answers the user and its sessionToken', async () => {
  const user = await signUp('me');
  const res = await get('/users/me', withSession(user.token));
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(body.username, user.username);
  assert.equal(body.email, user.email);
  assert.equal(body.role, 'buyer');
  assert.equal(body.sessionToken, user.token);
  assertNoSecrets(res, user.password);
});

test('the session token works as _SessionToken in an SDK-style text/plain body with _method', async () => {
  const user = await signUp('sdkme');
  const res = await sdkRequest('/users/me', { _method: 'GET', _SessionToken: user.token });
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(body.sessionToken, user.token);
  // And for a write: the SDK's PUT.
  const newName = `sdkrenamed_${rand(10)}`;
  expectStatus(await sdkRequest(`/users/${user.id}`, { _method: 'PUT', username: newName, _SessionToken: user.token }), 200);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).username, newName);
});

test('GET /users/me without a session token answers 400 code 209', async () => {
  expectError(await get('/users/me'), 400, 209, INVALID_SESSION);
});

test('GET /users/me with an unknown session token answers 400 code 209', async () => {
  expectError(await get('/users/me', withSession('r:abc')), 400, 209, INVALID_SESSION);
});

test('GET /sessions/me answers the session with its user, createdWith, expiresAt and token', async () => {
  const user = await signUp('sessme');
  const res = await get('/sessions/me', withSession(user.token));
  const body = expectStatus(res, 200);
  assert.match(body.objectId, OBJECT_ID);
  assert.deepEqual(body.user, pointer('_User', user.id));
  assert.equal(typeof body.createdWith, 'object', show(res));
  assert.equal(body.createdWith.action, 'signup', show(res));
  assert.equal(body.expiresAt?.__type, 'Date', show(res));
  assert.match(body.expiresAt.iso, ISO_DATE);
  assert.ok(Date.parse(body.expiresAt.iso) > Date.now(), show(res));
  assert.equal(body.sessionToken, user.token);
});

test('GET /sessions/me without a session token answers 400 code 209', async () => {
  expectError(await get('/sessions/me'), 400, 209);
});

// ---------------------------------------------------------------------------------------------
// Logout

test('POST /logout answers {} and the token then answers 209 everywhere', async () => {
  const user = await signUp('logout');
  const res = await post('/logout', {}, withSession(user.token));
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  expectError(await get('/users/me', withSession(user.token)), 400, 209, INVALID_SESSION);
  expectError(await get('/sessions/me', withSession(user.token)), 400, 209);
  expectError(await post('/classes/AccessLog', { product: pointer('Product', missingId()) }, withSession(user.token)), 400, 209);
  expectError(await put(`/users/${user.id}`, { username: `x_${rand()}` }, withSession(user.token)), 400, 209);
  expectError(await post('/logout', {}, withSession(user.token)), 400, 209);
});

test('escalation: a logged-out token cannot be reused to read or write as the user', async () => {
  const user = await signUp('reuse');
  expectStatus(await post('/logout', {}, withSession(user.token)), 200);
  expectError(await get(`/users/${user.id}`, withSession(user.token)), 400, 209);
  expectError(await del(`/users/${user.id}`, withSession(user.token)), 400, 209);
  expectError(await get('/classes/_Session', withSession(user.token)), 400, 209);
  // The account itself is intact and reachable with a fresh login.
  expectStatus(await post('/login', { username: user.username, password: user.password }), 200);
});

test('logging out one session leaves the user\'s other sessions working', async () => {
  const user = await signUp('twosessions');
  const second = expectStatus(await post('/login', { username: user.username, password: user.password }), 200).sessionToken;
  expectStatus(await post('/logout', {}, withSession(user.token)), 200);
  expectError(await get('/users/me', withSession(user.token)), 400, 209);
  assert.equal(expectStatus(await get('/users/me', withSession(second)), 200).objectId, user.id);
});

test('an SDK-style text/plain logout with _SessionToken ends the session', async () => {
  const user = await signUp('sdklogout');
  const res = await sdkRequest('/logout', { _SessionToken: user.token });
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  expectError(await get('/users/me', withSession(user.token)), 400, 209);
});

// ---------------------------------------------------------------------------------------------
// Forged tokens (DESIGN §5: HS256 JWTs, checked at the edge)

test('tampered JWT: a token with one character of its payload changed answers 209', async () => {
  const user = await signUp('tamper');
  const { header, payload, signature } = splitJwt(user.token);
  const i = Math.floor(payload.length / 2);
  const swapped = payload[i] === 'A' ? 'B' : 'A';
  const forged = `${header}.${payload.slice(0, i)}${swapped}${payload.slice(i + 1)}.${signature}`;
  assert.notEqual(forged, user.token);
  expectError(await get('/users/me', withSession(forged)), 400, 209, INVALID_SESSION);
  // The genuine token still works.
  expectStatus(await get('/users/me', withSession(user.token)), 200);
});

test('tampered JWT: a token re-signed with alg none answers 209', async () => {
  const user = await signUp('algnone');
  const { payload } = splitJwt(user.token);
  const header = b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  expectError(await get('/users/me', withSession(`${header}.${payload}.`)), 400, 209, INVALID_SESSION);
  expectError(await get('/users/me', withSession(`${header}.${payload}`)), 400, 209, INVALID_SESSION);
});

test('tampered JWT: an alg none token naming another user cannot act as that user', async () => {
  const victim = await signUp('victim');
  const attacker = await signUp('attacker');
  const victimClaims = splitJwt(victim.token).claims;
  const attackerClaims = splitJwt(attacker.token).claims;
  const claims = { ...attackerClaims, ...Object.fromEntries(Object.entries(victimClaims).filter(([k]) => k === 'sub' || k === 'sid')) };
  const header = b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const forged = `${header}.${b64url(JSON.stringify(claims))}.`;
  expectError(await get('/users/me', withSession(forged)), 400, 209);
  expectError(await put(`/users/${victim.id}`, { username: `owned_${rand()}` }, withSession(forged)), 400, 209);
  assert.equal(expectStatus(await get('/users/me', withSession(victim.token)), 200).username, victim.username);
});

test('a random string as session token answers 209', async () => {
  expectError(await get('/users/me', withSession(randomBytes(24).toString('hex'))), 400, 209, INVALID_SESSION);
  expectError(await get('/users/me', withSession('a.b.c')), 400, 209, INVALID_SESSION);
});

test('tampered JWT: a token signed with another HS256 secret answers 209', async () => {
  const user = await signUp('othersecret');
  const { header, payload } = splitJwt(user.token);
  const signature = createHmac('sha256', `not-the-server-secret-${rand(32)}`).update(`${header}.${payload}`).digest('base64url');
  expectError(await get('/users/me', withSession(`${header}.${payload}.${signature}`)), 400, 209, INVALID_SESSION);
  // A freshly built token with new claims, also signed with a wrong key.
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify({ ...splitJwt(user.token).claims, exp: Math.floor(Date.now() / 1000) + 3600 }));
  const s = createHmac('sha256', 'another-secret-another-secret-another').update(`${h}.${p}`).digest('base64url');
  expectError(await get('/users/me', withSession(`${h}.${p}.${s}`)), 400, 209, INVALID_SESSION);
});

// ---------------------------------------------------------------------------------------------
// Reading users

test('a user gets itself by id, email included', async () => {
  const user = await signUp('getself');
  const res = await get(`/users/${user.id}`, withSession(user.token));
  const body = expectStatus(res, 200);
  assert.equal(body.objectId, user.id);
  assert.equal(body.username, user.username);
  assert.equal(body.email, user.email);
  assertNoSecrets(res, user.password);
});

test('another signed-in user getting a user answers 404 code 101', async () => {
  const user = await signUp('hidden');
  const other = await signUp('snoop');
  expectError(await get(`/users/${user.id}`, withSession(other.token)), 404, 101);
  expectError(await get(`/classes/_User/${user.id}`, withSession(other.token)), 404, 101);
});

test('an anonymous client getting a user answers 404 code 101', async () => {
  const user = await signUp('hiddenanon');
  expectError(await get(`/users/${user.id}`), 404, 101);
});

test('GET /users as a buyer returns only itself', async () => {
  await signUp('neighbour');
  const user = await signUp('lonely');
  const res = await get('/users', withSession(user.token));
  const body = expectStatus(res, 200);
  assert.deepEqual(body.results.map((u) => u.objectId), [user.id], show(res));
  assert.equal(body.results[0].email, user.email);
  assertNoSecrets(res, user.password);
  const anon = expectStatus(await get(`/users${qs({ where: { username: user.username } })}`), 200);
  assert.deepEqual(anon.results, []);
});

test('GET /users with the master key returns every user with its email', async () => {
  const a = await signUp('mka');
  const b = await signUp('mkb');
  const res = await get(`/users${qs({ where: { username: { $in: [a.username, b.username] } }, order: 'createdAt' })}`, { master: true });
  const body = expectStatus(res, 200);
  assert.deepEqual(body.results.map((u) => [u.objectId, u.email]).sort(), [[a.id, a.email], [b.id, b.email]].sort());
  assertNoSecrets(res);
});

test('querying _User by email as a client answers 400 code 119', async () => {
  const victim = await signUp('byemail');
  const snoop = await signUp('emailsnoop');
  expectError(await get(`/users${qs({ where: { email: victim.email } })}`, withSession(snoop.token)), 400, 119);
  expectError(await get(`/classes/_User${qs({ where: { email: victim.email } })}`, withSession(snoop.token)), 400, 119);
  expectError(await get(`/classes/_User${qs({ where: { email: victim.email } })}`), 400, 119);
});

test('the master key never sees password or _hashed_password either', async () => {
  const user = await signUp('mkhash');
  const res = await get(`/users/${user.id}`, { master: true });
  expectStatus(res, 200);
  assertNoSecrets(res, user.password);
  const query = await get(`/classes/_User${qs({ where: { objectId: user.id }, keys: 'password,_hashed_password,username' })}`, { master: true });
  expectStatus(query, 200);
  assertNoSecrets(query, user.password);
});

// ---------------------------------------------------------------------------------------------
// Updating users

test('a user changes its own username and email', async () => {
  const user = await signUp('rename');
  const username = `renamed_${rand(10)}`;
  const email = `${username}@example.test`;
  const res = await put(`/users/${user.id}`, { username, email }, withSession(user.token));
  assert.match(expectStatus(res, 200).updatedAt, ISO_DATE);
  const me = expectStatus(await get('/users/me', withSession(user.token)), 200);
  assert.equal(me.username, username);
  assert.equal(me.email, email);
  expectStatus(await post('/login', { username, password: user.password }), 200);
  expectError(await post('/login', { username: user.username, password: user.password }), 404, 101, INVALID_LOGIN);
});

test('a user cannot change its username or email to one already taken', async () => {
  const a = await signUp('takena');
  const b = await signUp('takenb');
  expectError(await put(`/users/${b.id}`, { username: a.username }, withSession(b.token)), 400, 202);
  expectError(await put(`/users/${b.id}`, { email: a.email.toUpperCase() }, withSession(b.token)), 400, 203);
  expectError(await put(`/users/${b.id}`, { email: 'not an email' }, withSession(b.token)), 400, 125);
});

test('escalation: a user cannot set its own role to admin (400 code 119)', async () => {
  const user = await signUp('selfadmin');
  expectError(await put(`/users/${user.id}`, { role: 'admin' }, withSession(user.token)), 400, 119);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).role, 'buyer');
});

test('a buyer cannot change its own role to artisan (400 code 119)', async () => {
  const user = await signUp('selfartisan');
  expectError(await put(`/users/${user.id}`, { role: 'artisan' }, withSession(user.token)), 400, 119);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).role, 'buyer');
});

test('an artisan cannot change its own role back to buyer (400 code 119)', async () => {
  const user = await signUp('selfbuyer', { role: 'artisan' });
  expectError(await put(`/users/${user.id}`, { role: 'buyer' }, withSession(user.token)), 400, 119);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).role, 'artisan');
});

test('a user updating another user answers 404 code 101 and changes nothing', async () => {
  const victim = await signUp('victimupd');
  const attacker = await signUp('attackerupd');
  expectError(await put(`/users/${victim.id}`, { username: `pwned_${rand()}` }, withSession(attacker.token)), 404, 101);
  expectError(await put(`/users/${victim.id}`, { password: 'pwned-password' }, withSession(attacker.token)), 404, 101);
  expectError(await put(`/users/${victim.id}`, { username: `anon_${rand()}` }), 404, 101);
  expectStatus(await post('/login', { username: victim.username, password: victim.password }), 200);
  expectError(await post('/login', { username: victim.username, password: 'pwned-password' }), 404, 101);
});

test('a password change: the new password logs in, the old fails, other sessions end, this one stays', async () => {
  const user = await signUp('pwchange');
  const other = expectStatus(await post('/login', { username: user.username, password: user.password }), 200).sessionToken;
  const newPassword = `new-pw-${rand(12)}`;
  const res = await put(`/users/${user.id}`, { password: newPassword }, withSession(user.token));
  expectStatus(res, 200);
  assertNoSecrets(res, newPassword);
  expectStatus(await post('/login', { username: user.username, password: newPassword }), 200);
  expectError(await post('/login', { username: user.username, password: user.password }), 404, 101, INVALID_LOGIN);
  expectError(await get('/users/me', withSession(other)), 400, 209);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).objectId, user.id);
});

test('with the master key a user\'s role can be set to admin', async () => {
  const user = await signUp('promoted');
  expectStatus(await put(`/users/${user.id}`, { role: 'admin' }, { master: true }), 200);
  assert.equal(expectStatus(await get('/users/me', withSession(user.token)), 200).role, 'admin');
  // Even the master key cannot set an unknown role.
  expectError(await put(`/users/${user.id}`, { role: 'emperor' }, { master: true }), 400, 142);
});

// ---------------------------------------------------------------------------------------------
// Deleting users

test('a user deletes itself: {} and its token then answers 209', async () => {
  const user = await signUp('selfdelete');
  const res = await del(`/users/${user.id}`, withSession(user.token));
  assert.deepEqual([res.status, res.json], [200, {}], show(res));
  expectError(await get('/users/me', withSession(user.token)), 400, 209);
  expectError(await post('/login', { username: user.username, password: user.password }), 404, 101);
  expectError(await get(`/users/${user.id}`, { master: true }), 404, 101);
});

test('a user deleting another user answers 404 code 101 and deletes nothing', async () => {
  const victim = await signUp('victimdel');
  const attacker = await signUp('attackerdel');
  expectError(await del(`/users/${victim.id}`, withSession(attacker.token)), 404, 101);
  expectError(await del(`/users/${victim.id}`), 404, 101);
  assert.equal(expectStatus(await get(`/users/${victim.id}`, { master: true }), 200).objectId, victim.id);
  expectStatus(await get('/users/me', withSession(victim.token)), 200);
});
