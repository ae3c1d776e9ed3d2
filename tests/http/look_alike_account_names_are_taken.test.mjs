// Security review F11: usernames and emails compare after normalisation (case, NFKC, surrounding
// spaces), so a look-alike of an existing account is taken (202, 203) on every route, and a
// username may not mix scripts or hide invisible characters (200). The per-address limit on
// taken names (F10) is in limits.test.mjs, which needs a tight limit of its own.
import test from 'node:test';
import assert from 'node:assert/strict';
import { post, put, get, rand, show, qs } from './support.mjs';

const lower = () => rand(8).toLowerCase();
const digits = () => String(Math.floor(Math.random() * 1e9));
const signUp = (username, extra = {}) => post('/users', { username, password: `pw-${rand(12)}`, ...extra });
const fullwidth = (s) => [...s].map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0) + 0xfee0) : c)).join('');

test('a username that differs only in case, width or surrounding spaces is taken (202)', async () => {
  const name = `ben${lower()}`;
  const password = `pw-${rand(12)}`;
  const first = await post('/users', { username: name, password });
  assert.equal(first.status, 201, show(first));
  for (const lookAlike of [name.toUpperCase(), `${name} `, ` ${name}`, fullwidth(name), `\u3000${name}`]) {
    const res = await signUp(lookAlike);
    assert.equal(res.status, 400, `${JSON.stringify(lookAlike)}: ${show(res)}`);
    assert.deepEqual(res.json, { code: 202, error: 'Account already exists for this username.' });
  }
  // The account logs in by its name as written.
  const login = await get(`/login${qs({ username: name, password })}`);
  assert.equal(login.status, 200, show(login));
});

test('a username that mixes scripts or hides invisible characters is refused (200)', async () => {
  const latin = `ben${lower()}`;
  for (const bad of [latin.replace('e', '\u0435'), `${latin}\u200b`, `\u202e${latin}`, `b\u00ad${latin}`, `${latin}\u0007`]) {
    const res = await signUp(bad);
    assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${show(res)}`);
    assert.equal(res.json.code, 200, show(res));
  }
  // One script, Latin with Han, and an email as a username are names.
  for (const good of [`иван_${digits()}`, `yamada山田${lower()}`, `élodie.${lower()}@example.com`]) {
    const res = await signUp(good);
    assert.equal(res.status, 201, `${good}: ${show(res)}`);
  }
});

test('an email that differs only in case or width is taken (203), on sign-up and on change', async () => {
  const local = `mail${lower()}`;
  const first = await signUp(`u_${rand(10)}`, { email: `${local}@example.com` });
  assert.equal(first.status, 201, show(first));
  const again = await signUp(`u_${rand(10)}`, { email: `${local.toUpperCase()}@EXAMPLE.com` });
  assert.deepEqual(again.json, { code: 203, error: 'Account already exists for this email address.' });
  const other = await signUp(`u_${rand(10)}`);
  const changed = await put(`/users/${other.json.objectId}`, { email: `${local}@${fullwidth('example')}.com` },
    { headers: { 'X-Parse-Session-Token': other.json.sessionToken } });
  assert.equal(changed.status, 400, show(changed));
  assert.equal(changed.json.code, 203, show(changed));
});

test('renaming into a look-alike is taken through PUT and a transactional batch alike', async () => {
  const name = `cy${lower()}`;
  assert.equal((await signUp(name)).status, 201);
  const mine = `u_${rand(10)}`;
  const other = await signUp(mine);
  const opts = { headers: { 'X-Parse-Session-Token': other.json.sessionToken } };
  const viaClass = await put(`/classes/_User/${other.json.objectId}`, { username: name.toUpperCase() }, opts);
  assert.equal(viaClass.json.code, 202, show(viaClass));
  const batch = await post('/batch', {
    transaction: true,
    requests: [{ method: 'PUT', path: `/parse/classes/_User/${other.json.objectId}`, body: { username: ` ${name}` } }],
  }, opts);
  assert.equal(batch.status, 400, show(batch));
  assert.equal(batch.json.code, 202, show(batch));
  // The user's own name sent back as it is (SDKs save whole objects) is no clash.
  const same = await put(`/users/${other.json.objectId}`, { username: mine, role: 'buyer' }, opts);
  assert.equal(same.status, 200, show(same));
  const renamed = await put(`/users/${other.json.objectId}`, { username: mine.toUpperCase() }, opts);
  assert.equal(renamed.status, 200, `a user may change the case of its own name: ${show(renamed)}`);
});
