// Abuse limits (issue 7): account lockout, failed logins per address, sign-ups per address,
// checkouts per buyer, taken usernames and emails per address (security review F10); a refused request answers 429 {"code": 155, "error"} with Retry-After.
//
// These need tight limits, so they run on a private `wrangler dev` (tests/support/worker.mjs),
// not the shared server, whose limits `make test` raises out of reach.
//
// Clients are told apart by `CF-Connecting-IP`. In production Cloudflare sets that header and
// overwrites whatever a client sends; `wrangler dev` (4.86) passes a client-sent value through
// unchanged and sets 127.0.0.1 when there is none (the last test pins that down). So every test
// here acts from addresses of its own (TEST-NET ranges), and never shares a count with another.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rand, show, expectError, pointer, sleep } from './support.mjs';
import { startWorker } from '../support/worker.mjs';
import { encodePng } from '../../scripts/png.mjs';

const LOCKOUT_THRESHOLD = 3;
const LOCKOUT_MINUTES = 0.1; // 6 s: long enough to fail three times, short enough to wait out
const LOGIN_IP_LIMIT = 4;
const SIGNUP_IP_LIMIT = 3;
const CHECKOUT_LIMIT = 2;
const FILE_UPLOAD_LIMIT = 2;
const TAKEN_NAME_IP_LIMIT = 3;

let worker;

before(async () => {
  worker = await startWorker({
    vars: {
      LOGIN_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
      LOGIN_LOCKOUT_MINUTES: String(LOCKOUT_MINUTES),
      LOGIN_IP_LIMIT: String(LOGIN_IP_LIMIT),
      LOGIN_IP_WINDOW_MINUTES: '10',
      SIGNUP_IP_LIMIT: String(SIGNUP_IP_LIMIT),
      SIGNUP_IP_WINDOW_MINUTES: '10',
      CHECKOUT_LIMIT: String(CHECKOUT_LIMIT),
      CHECKOUT_WINDOW_MINUTES: '10',
      FILE_UPLOAD_LIMIT: String(FILE_UPLOAD_LIMIT),
      FILE_UPLOAD_WINDOW_MINUTES: '10',
      TAKEN_NAME_IP_LIMIT: String(TAKEN_NAME_IP_LIMIT),
      TAKEN_NAME_IP_WINDOW_MINUTES: '10',
      ACCOUNT_MAIL_IP_LIMIT: '4',
      ACCOUNT_MAIL_LIMIT: '2',
      ACCOUNT_MAIL_WINDOW_MINUTES: '10',
    },
  });
});

after(async () => {
  await worker?.dispose();
});

/** A fresh address for one test: 203.0.113.x / 198.51.100.x are documentation ranges. */
let lastOctet = 0;
function newAddress() {
  lastOctet += 1;
  return lastOctet < 250 ? `203.0.113.${lastOctet}` : `198.51.100.${lastOctet - 249}`;
}

const call = (...args) => worker.call(...args);

/** An account made with the master key, which no limit counts. */
async function newUser(prefix = 'lim', fields = {}) {
  const username = `${prefix}_${rand(10)}`;
  const password = `pw-${rand(12)}`;
  const res = await call('POST', '/users', { username, password, email: `${username}@example.test`, ...fields }, { master: true });
  assert.equal(res.status, 201, `sign-up of ${username}: ${show(res)}`);
  return { id: res.json.objectId, token: res.json.sessionToken, username, password };
}

const login = (username, password, ip) => call('POST', '/login', { username, password }, { ip });

/** Asserts a 429 code 155 with a Retry-After of 1..maxSeconds; returns the seconds. */
function expectLimited(res, maxSeconds, message) {
  expectError(res, 429, 155);
  if (message) assert.match(res.json.error, message, show(res));
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxSeconds,
    `Retry-After ${res.headers.get('retry-after')} not in 1..${maxSeconds}: ${show(res)}`);
  return retryAfter;
}

const LOCKED = /^Your account is locked due to multiple failed login attempts\. Please try again after \d+ minute\(s\)$/;

test('after the threshold of wrong passwords the account is locked, even for its password and from elsewhere, until the duration passes', async () => {
  const user = await newUser('locked');
  const ip = newAddress();
  for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
    expectError(await login(user.username, 'wrong', ip), 404, 101, 'Invalid username/password.');
  }
  const locked = await login(user.username, user.password, ip);
  const wait = expectLimited(locked, LOCKOUT_MINUTES * 60, LOCKED);
  assert.equal(locked.json.error, 'Your account is locked due to multiple failed login attempts. Please try again after 1 minute(s)');
  // Per account, not per address: another client with the right password is refused too.
  expectLimited(await login(user.username, user.password, newAddress()), LOCKOUT_MINUTES * 60, LOCKED);
  // And by email alike: it is the same account.
  const byEmail = await call('POST', '/login', { email: `${user.username}@example.test`, password: user.password }, { ip });
  expectLimited(byEmail, LOCKOUT_MINUTES * 60, LOCKED);

  await sleep(wait * 1000 + 250);
  const unlocked = await login(user.username, user.password, ip);
  assert.equal(unlocked.status, 200, show(unlocked));
  assert.equal(typeof unlocked.json.sessionToken, 'string');
});

test('a successful login forgets the failures before it', async () => {
  const user = await newUser('reset');
  for (let round = 0; round < 2; round++) {
    // An address per round: the address's own count of failures is not reset by a success.
    const ip = newAddress();
    for (let i = 0; i < LOCKOUT_THRESHOLD - 1; i++) {
      expectError(await login(user.username, 'wrong', ip), 404, 101);
    }
    const ok = await login(user.username, user.password, ip);
    assert.equal(ok.status, 200, `round ${round}: ${show(ok)}`);
  }
});

test('unknown usernames lock like real ones, so a lockout tells nothing about which exist', async () => {
  const ip = newAddress();
  const name = `nobody_${rand(10)}`;
  for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
    expectError(await login(name, 'guess', ip), 404, 101, 'Invalid username/password.');
  }
  expectLimited(await login(name, 'guess', ip), LOCKOUT_MINUTES * 60, LOCKED);
});

test('failed logins are limited per address across accounts, and other addresses are counted apart', async () => {
  const noisy = newAddress();
  const quiet = newAddress();
  const victims = await Promise.all(Array.from({ length: LOGIN_IP_LIMIT }, () => newUser('sprayed')));
  const fresh = await newUser('fresh');
  for (const victim of victims) {
    expectError(await login(victim.username, 'Summer2024!', noisy), 404, 101);
  }
  // The address is now refused for every account, the right password included.
  const refused = await login(fresh.username, fresh.password, noisy);
  expectLimited(refused, 10 * 60, /^Too many failed logins from your network\. Please try again after \d+ minute\(s\)$/);
  // The accounts themselves are not locked (one failure each): from another address they log in.
  for (const who of [fresh, victims[0]]) {
    const ok = await login(who.username, who.password, quiet);
    assert.equal(ok.status, 200, show(ok));
  }
});

test('sign-ups are limited per address; other addresses and the master key are not counted', async () => {
  const home = newAddress();
  const signUp = (opts) => call('POST', '/users', { username: `su_${rand(10)}`, password: 'pw-signup' }, opts);
  for (let i = 0; i < SIGNUP_IP_LIMIT; i++) {
    const res = await signUp({ ip: home });
    assert.equal(res.status, 201, show(res));
  }
  const refused = await signUp({ ip: home });
  expectLimited(refused, 10 * 60, /^Too many sign-ups from your network\. Please try again after 10 minute\(s\)$/);
  // Through the class route and /batch alike.
  expectLimited(await call('POST', '/classes/_User', { username: `su_${rand(10)}`, password: 'pw-long-enough' }, { ip: home }), 10 * 60);
  const batch = await call('POST', '/batch', {
    requests: [{ method: 'POST', path: '/parse/users', body: { username: `su_${rand(10)}`, password: 'pw-long-enough' } }],
  }, { ip: home });
  assert.equal(batch.status, 200, show(batch));
  assert.equal(batch.json[0]?.error?.code, 155, show(batch));

  assert.equal((await signUp({ ip: newAddress() })).status, 201, 'another address has its own count');
  assert.equal((await signUp({ ip: home, master: true })).status, 201, 'the master key is exempt');
});

test('checkouts are limited per buyer across both routes, a refused one takes no stock, and reads are never limited', async () => {
  const artisan = await newUser('limshop', { role: 'artisan' });
  const profile = await call('POST', '/classes/Artisan', { name: `Workshop ${rand()}` }, { token: artisan.token });
  assert.equal(profile.status, 201, show(profile));
  const product = await call('POST', '/classes/Product', {
    title: `Bowl ${rand(6)}`, sku: `lim-${rand(12)}`, price: 12, stock: 10, owner: pointer('Artisan', profile.json.objectId),
  }, { token: artisan.token });
  assert.equal(product.status, 201, show(product));
  const items = { items: [{ product: pointer('Product', product.json.objectId), quantity: 1 }] };
  const buyer = await newUser('limbuyer');
  const other = await newUser('limbuyer');
  // The buyer's count follows the buyer, whatever address it calls from.
  const first = await call('POST', '/classes/Order', items, { token: buyer.token, ip: newAddress() });
  assert.equal(first.status, 201, show(first));
  const second = await call('POST', '/functions/checkout', items, { token: buyer.token, ip: newAddress() });
  assert.equal(second.status, 200, show(second));
  expectLimited(await call('POST', '/classes/Order', items, { token: buyer.token, ip: newAddress() }), 10 * 60,
    /^Too many checkouts\. Please try again after 10 minute\(s\)$/);
  expectLimited(await call('POST', '/functions/checkout', items, { token: buyer.token }), 10 * 60);

  const stock = await call('GET', `/classes/Product/${product.json.objectId}`, undefined, { token: buyer.token });
  assert.equal(stock.status, 200, show(stock));
  assert.equal(stock.json.stock, 10 - CHECKOUT_LIMIT, 'refused checkouts take no stock');
  for (let i = 0; i < 5; i++) {
    const read = await call('GET', '/classes/Product?limit=1', undefined, { token: buyer.token });
    assert.equal(read.status, 200, show(read));
  }
  const otherOrder = await call('POST', '/classes/Order', items, { token: other.token });
  assert.equal(otherOrder.status, 201, `another buyer has its own count: ${show(otherOrder)}`);
});

test('file uploads are limited per user, whatever address it uploads from; the master key is exempt', async () => {
  const user = await newUser('limfiles');
  const png = encodePng(4, 4, () => [200, 100, 50]);
  const upload = (headers) => fetch(`${worker.url}/files/a.png`, {
    method: 'POST',
    headers: { 'X-Parse-Application-Id': worker.appId, 'Content-Type': 'image/png', ...headers },
    body: png,
  }).then(async (res) => ({ status: res.status, headers: res.headers, text: await res.text() }));
  const as = (ip) => ({ 'X-Parse-Session-Token': user.token, 'CF-Connecting-IP': ip });
  for (let i = 0; i < FILE_UPLOAD_LIMIT; i++) {
    const res = await upload(as(newAddress()));
    assert.equal(res.status, 201, res.text);
  }
  const refused = await upload(as(newAddress()));
  assert.equal(refused.status, 429, refused.text);
  const body = JSON.parse(refused.text);
  assert.equal(body.code, 155);
  assert.match(body.error, /^Too many file uploads\. Please try again after 10 minute\(s\)$/);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  const other = await newUser('limfiles');
  assert.equal((await upload({ 'X-Parse-Session-Token': other.token })).status, 201, 'another user has its own count');
  assert.equal((await upload({ 'X-Parse-Master-Key': worker.masterKey })).status, 201, 'the master key is exempt');
});

test('wrangler dev gives a request without CF-Connecting-IP the address 127.0.0.1', async () => {
  // Two sign-ups without the header and one claiming 127.0.0.1 share one count; the next is refused.
  const signUp = (opts) => call('POST', '/users', { username: `lo_${rand(10)}`, password: 'pw-local' }, opts);
  for (const opts of [{}, { ip: '127.0.0.1' }, {}]) {
    const res = await signUp(opts);
    assert.equal(res.status, 201, show(res));
  }
  expectLimited(await signUp({}), 10 * 60);
  expectLimited(await signUp({ ip: '127.0.0.1' }), 10 * 60);
});

test('an address told too often that usernames or emails are taken is refused on every route, others are not', async () => {
  const home = newAddress();
  const taken = await newUser('taken');
  const me = await newUser('renamer');
  const opts = { ip: home, token: me.token };
  const rename = (fields) => call('PUT', `/users/${me.id}`, fields, opts);
  // Each answer below tells the caller that an account exists: that is what is counted.
  assert.equal((await call('POST', '/users', { username: taken.username.toUpperCase(), password: 'pw-x-long-enough' }, { ip: home })).json.code, 202);
  assert.equal((await rename({ username: taken.username })).json.code, 202);
  assert.equal((await rename({ email: taken.username.toUpperCase() + '@example.test' })).json.code, 203);
  // Then a write that sets a name is refused before it is tried, even for a free name.
  expectLimited(await rename({ username: `free_${rand(10)}` }), 10 * 60,
    /^Too many usernames or emails that are taken from your network\. Please try again after 10 minute\(s\)$/);
  expectLimited(await call('POST', '/users', { username: `free_${rand(10)}`, password: 'pw-x-long-enough' }, { ip: home }), 10 * 60);
  expectLimited(await call('POST', '/batch', {
    transaction: true,
    requests: [{ method: 'PUT', path: `/parse/classes/_User/${me.id}`, body: { email: `free_${rand(10)}@example.test` } }],
  }, opts), 10 * 60);
  // A save that sets no name goes on, and other addresses are not counted.
  assert.equal((await rename({ role: 'buyer' })).status, 200);
  const elsewhere = await call('PUT', `/users/${me.id}`, { username: `free_${rand(10)}` }, { ip: newAddress(), token: me.token });
  assert.equal(elsewhere.status, 200, show(elsewhere));
});

test('reset and verification mails are limited per address and per mailbox, whether or not the email has an account', async () => {
  const home = newAddress();
  const user = await newUser('mailed');
  const ask = (path, email, ip = home) => call('POST', path, { email }, { ip });
  assert.equal((await ask('/requestPasswordReset', user.username + '@example.test')).status, 200);
  assert.equal((await ask('/verificationEmailRequest', user.username.toUpperCase() + '@example.test', newAddress())).status, 200);
  // The mailbox has had its two, whatever the route, case or address asking.
  expectLimited(await ask('/requestPasswordReset', user.username + '@example.test', newAddress()), 10 * 60,
    /^Too many account emails requested\. Please try again after 10 minute\(s\)$/);
  // The address: three more (for unknown emails, counted alike) make its four, then refused.
  for (const n of [1, 2, 3]) {
    assert.equal((await ask('/requestPasswordReset', `ghost${n}_${rand(8)}@example.test`)).status, 200);
  }
  expectLimited(await ask('/requestPasswordReset', `ghost4_${rand(8)}@example.test`), 10 * 60);
  assert.equal((await ask('/requestPasswordReset', `ghost5_${rand(8)}@example.test`, newAddress())).status, 200);
});
