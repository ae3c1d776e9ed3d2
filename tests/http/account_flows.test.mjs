// Accounts for real people (issue 17): email verification, password reset, the password policy,
// verifyPassword and account deletion, read through the dev mailbox (`GET /dev/outbox`), which
// `make test` selects (MAIL_ADAPTER=dev-outbox).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  rand, get, post, put, del, qs, show, expectStatus, expectError, withSession, signUp, pointer,
} from './support.mjs';

/** The messages the dev mailbox holds for `email`, newest first. */
async function mailTo(email) {
  return expectStatus(await get(`/dev/outbox${qs({ to: email })}`, { master: true }), 200).results;
}

/** The one link of the newest mail to `email` whose subject matches. */
async function linkFor(email, subject) {
  const mail = (await mailTo(email)).find((m) => subject.test(m.subject));
  assert.ok(mail, `no mail "${subject}" to ${email}`);
  assert.equal(mail.links.length, 1, JSON.stringify(mail));
  assert.ok(mail.text.includes(mail.links[0]) && mail.html.includes('href='), 'the link is in the text and the HTML');
  return mail.links[0];
}

/** GET or POST a page by its absolute URL, as a browser does (no Parse headers). */
async function page(url, form) {
  const res = await fetch(url, form === undefined ? {} : {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function assertSafePage(res, ...absent) {
  assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8$/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.match(res.headers.get('content-security-policy'), /default-src 'none'/);
  assert.doesNotMatch(res.text, /<script/i);
  for (const secret of absent) assert.ok(!res.text.includes(secret), `the page shows ${secret}`);
}

const me = async (user) => expectStatus(await get('/users/me', withSession(user.token)), 200);

test('sign-up mails a verification link; opening it verifies the email once', async () => {
  const user = await signUp('verify');
  assert.equal((await me(user)).emailVerified, false);
  const link = await linkFor(user.email, /verify your email/);
  assert.match(link, /\/apps\/[^/]+\/verify_email\?token=[A-Za-z0-9]{40}$/);
  const opened = await page(link);
  assert.equal(opened.status, 200, opened.text);
  assert.match(opened.text, /Email verified/);
  assertSafePage(opened, user.email, user.username);
  assert.equal((await me(user)).emailVerified, true);
  const again = await page(link);
  assert.equal(again.status, 400);
  assert.match(again.text, /no longer works/);
});

test('a verification link can be asked for again; the answer is the same for unknown and verified emails', async () => {
  const user = await signUp('reverify');
  assert.deepEqual(expectStatus(await post('/verificationEmailRequest', { email: user.email.toUpperCase() }), 200), {});
  const mails = await mailTo(user.email);
  assert.equal(mails.length, 2, 'the sign-up mail and the new one');
  assert.notEqual(mails[0].links[0], mails[1].links[0]);
  // The newer link replaced the older one.
  assert.equal((await page(mails[1].links[0])).status, 400);
  assert.equal((await page(mails[0].links[0])).status, 200);
  const unknown = `nobody_${rand(10)}@example.test`;
  assert.deepEqual(expectStatus(await post('/verificationEmailRequest', { email: unknown }), 200), {});
  assert.deepEqual(expectStatus(await post('/verificationEmailRequest', { email: user.email }), 200), {});
  assert.equal((await mailTo(unknown)).length, 0);
  assert.equal((await mailTo(user.email)).length, 2, 'a verified email gets no new link');
  expectError(await post('/verificationEmailRequest', {}), 400, 204);
});

test('changing the email resets emailVerified and mails the new address; the same email sent back changes nothing', async () => {
  const user = await signUp('rechange');
  await page(await linkFor(user.email, /verify your email/));
  expectStatus(await put(`/users/${user.id}`, { email: user.email.toUpperCase(), role: 'buyer' }, withSession(user.token)), 200);
  assert.equal((await me(user)).emailVerified, true);
  const newEmail = `new_${rand(10)}@example.test`;
  expectStatus(await put(`/users/${user.id}`, { email: newEmail }, withSession(user.token)), 200);
  assert.equal((await me(user)).emailVerified, false);
  assert.equal((await page(await linkFor(newEmail, /verify your email/))).status, 200);
  assert.equal((await me(user)).emailVerified, true);
});

test('a password reset link sets a new password once, ends every session, and the old password stops working', async () => {
  const user = await signUp('reset');
  const other = expectStatus(await post('/login', { username: user.username, password: user.password }), 200);
  assert.deepEqual(expectStatus(await post('/requestPasswordReset', { email: user.email }), 200), {});
  const link = await linkFor(user.email, /Password reset/);
  assert.match(link, /\/apps\/[^/]+\/request_password_reset\?token=[A-Za-z0-9]{40}$/);
  const form = await page(link);
  assert.equal(form.status, 200);
  assert.match(form.text, /<form method="post">/);
  assertSafePage(form, user.email, user.username);
  const token = new URL(link).searchParams.get('token');
  // Refusals show the form again with the reason, and use nothing up.
  const differ = await page(link, { token, new_password: 'a-new-password', confirm_password: 'another-one' });
  assert.equal(differ.status, 400);
  assert.match(differ.text, /differ/);
  const short = await page(link, { token, new_password: 'short', confirm_password: 'short' });
  assert.equal(short.status, 400);
  assert.match(short.text, /at least 8 characters/);
  const asName = await page(link, { token, new_password: user.username, confirm_password: user.username });
  assert.match(asName.text, /cannot be your username/);
  // Still signed in everywhere until the reset is done.
  expectStatus(await get('/users/me', withSession(other.sessionToken)), 200);
  const newPassword = `pw-new-${rand(10)}`;
  const done = await page(link, { token, new_password: newPassword, confirm_password: newPassword });
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /Password changed/);
  for (const token of [user.token, other.sessionToken]) {
    expectError(await get('/users/me', withSession(token)), 400, 209);
  }
  expectError(await post('/login', { username: user.username, password: user.password }), 404, 101);
  expectStatus(await post('/login', { username: user.username, password: newPassword }), 200);
  const reused = await page(link, { token, new_password: 'pw-yet-another', confirm_password: 'pw-yet-another' });
  assert.equal(reused.status, 400);
  assert.match(reused.text, /no longer works/);
  expectStatus(await post('/login', { username: user.username, password: newPassword }), 200);
});

test('a reset request for an unknown email answers exactly as for a known one, and mails nobody', async () => {
  const known = await signUp('known');
  const unknown = `ghost_${rand(10)}@example.test`;
  const a = await post('/requestPasswordReset', { email: known.email });
  const b = await post('/requestPasswordReset', { email: unknown });
  assert.deepEqual([a.status, a.text], [b.status, b.text]);
  assert.equal((await mailTo(unknown)).length, 0);
  expectError(await post('/requestPasswordReset', { email: '' }), 400, 204);
  expectError(await post('/requestPasswordReset', { email: 12 }), 400, 125);
});

test('pages of another app id, unknown pages and bad tokens answer plain HTML, never JSON or 5xx', async () => {
  const user = await signUp('pages');
  const link = new URL(await linkFor(user.email, /verify your email/));
  const wrongApp = new URL(link);
  wrongApp.pathname = wrongApp.pathname.replace(/\/apps\/[^/]+\//, '/apps/another-app/');
  assert.equal((await page(wrongApp.href)).status, 404);
  const bad = new URL(link);
  bad.search = '?token=' + 'x'.repeat(5000);
  const badPage = await page(bad.href);
  assert.equal(badPage.status, 400);
  assertSafePage(badPage);
  const reset = new URL(link);
  reset.pathname = reset.pathname.replace('verify_email', 'request_password_reset');
  reset.search = '?token=%3Cscript%3E';
  const resetPage = await page(reset.href);
  assert.equal(resetPage.status, 400);
  assertSafePage(resetPage);
  const posted = await page(reset.href, { token: '<b>x</b>', new_password: 'pw-long-enough', confirm_password: 'pw-long-enough' });
  assert.equal(posted.status, 400);
  assert.ok(!posted.text.includes('<b>x</b>'));
  // The user's own link still works after all that.
  assert.equal((await page(link.href)).status, 200);
});

test('the password policy holds on sign-up and change: at least 8 characters, not the username (142)', async () => {
  const name = `policy_${rand(10)}`;
  expectError(await post('/users', { username: name, password: 'seven77' }), 400, 142, 'Password must be at least 8 characters long.');
  expectError(await post('/users', { username: name, password: name.toUpperCase() }), 400, 142, 'Password cannot be your username.');
  const user = await signUp('policy');
  expectError(await put(`/users/${user.id}`, { password: 'short' }, withSession(user.token)), 400, 142);
  expectError(await put(`/users/${user.id}`, { password: user.username }, withSession(user.token)), 400, 142);
  expectStatus(await post('/login', { username: user.username, password: user.password }), 200);
});

test('verifyPassword checks a password as a login does and opens no session', async () => {
  const user = await signUp('verifypw');
  for (const res of [
    await get(`/verifyPassword${qs({ username: user.username, password: user.password })}`),
    await post('/verifyPassword', { email: user.email, password: user.password }),
  ]) {
    const body = expectStatus(res, 200);
    assert.equal(body.objectId, user.id);
    assert.equal(body.username, user.username);
    assert.equal(body.sessionToken, undefined);
    assert.equal(body.password, undefined);
  }
  expectError(await get(`/verifyPassword${qs({ username: user.username, password: 'wrong-password' })}`), 404, 101);
  expectError(await get(`/verifyPassword${qs({ username: user.username })}`), 400, 201);
  const sessions = expectStatus(await get(`/sessions${qs({ where: { user: pointer('_User', user.id) } })}`, { master: true }), 200);
  assert.equal(sessions.results.length, 1, 'only the sign-up session');
});

test('a user deletes itself: sessions end, the name is free, and its orders stay with no one named', async () => {
  const artisan = await signUp('delartisan', { role: 'artisan' });
  const shop = expectStatus(await post('/classes/Artisan', { name: `Workshop ${rand()}` }, withSession(artisan.token)), 201);
  const product = expectStatus(await post('/classes/Product', {
    title: 'Bowl', sku: `del-${rand(12)}`, price: 30, stock: 3, owner: pointer('Artisan', shop.objectId),
  }, withSession(artisan.token)), 201);
  const buyer = await signUp('delbuyer');
  const order = expectStatus(await post('/classes/Order', { items: [{ product: pointer('Product', product.objectId), quantity: 1 }] }, withSession(buyer.token)), 201);
  // Nobody else may delete the buyer.
  expectError(await del(`/users/${buyer.id}`, withSession(artisan.token)), 404, 101);
  expectStatus(await del(`/users/${buyer.id}`, withSession(buyer.token)), 200);
  expectError(await get('/users/me', withSession(buyer.token)), 400, 209);
  expectError(await get(`/users/${buyer.id}`, { master: true }), 404, 101);
  expectError(await post('/login', { username: buyer.username, password: buyer.password }), 404, 101);
  // The artisan still sees the sale; the buyer pointer names no one.
  const sale = expectStatus(await get(`/classes/Order/${order.objectId}${qs({ include: 'buyer' })}`, withSession(artisan.token)), 200);
  assert.equal(sale.totalAmount, 30);
  assert.equal(sale.buyer?.username, undefined);
  // The username and email can be used again.
  expectStatus(await post('/users', { username: buyer.username, password: buyer.password, email: buyer.email }), 201);
});

test('an admin deletes another user; a buyer cannot', async () => {
  const admin = await signUp('deladmin');
  expectStatus(await put(`/users/${admin.id}`, { role: 'admin' }, { master: true }), 200);
  const victim = await signUp('delvictim');
  const bystander = await signUp('delbystander');
  expectError(await del(`/users/${victim.id}`, withSession(bystander.token)), 404, 101);
  expectStatus(await del(`/users/${victim.id}`, withSession(admin.token)), 200);
  expectError(await get('/users/me', withSession(victim.token)), 400, 209);
});

test('the dev mailbox is for the master key only', async () => {
  assert.equal((await get('/dev/outbox')).status, 403);
  const user = await signUp('outbox');
  assert.equal((await get('/dev/outbox', withSession(user.token))).status, 403);
});
