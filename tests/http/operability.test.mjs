// What operators rely on: /health checks the worker's dependencies (D1 and each Durable Object
// namespace), and every request leaves one structured JSON line in the worker's log with its
// route and user, never a password, token or email. WRANGLER_LOG is the log of the server
// `make test` started.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { PARSE_URL, get, post, show, signUp, withSession, sleep } from './support.mjs';

const LOG = process.env.WRANGLER_LOG;

test('GET /health checks D1 and both Durable Object namespaces, and answers 200', async () => {
  const res = await fetch(`${PARSE_URL}/health`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.equal(body.checks.database.status, 'ok');
  assert.deepEqual(Object.keys(body.checks.durableObjects).sort(), ['ARTISAN_HUB', 'LIVE_HUB', 'RATE_LIMITER']);
  for (const [name, check] of Object.entries(body.checks.durableObjects)) {
    assert.equal(check.status, 'ok', name);
    assert.equal(typeof check.latencyMs, 'number', name);
  }
});

/** The JSON log line of the request with this X-Request-Id (the worker logs after answering). */
async function logLine(requestId) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const line = readFileSync(LOG, 'utf8').split('\n').find((l) => l.includes(`"requestId":"${requestId}"`));
    if (line) return { raw: line, json: JSON.parse(line.slice(line.indexOf('{'))) };
    await sleep(100);
  }
  assert.fail(`no log line with requestId ${requestId} in ${LOG}`);
}

test('a login is logged with its route and user id, and nothing secret', { skip: !LOG && 'WRANGLER_LOG is not set' }, async () => {
  const user = await signUp('logged');
  const requestId = `login-${randomUUID()}`;
  const res = await post('/login', { username: user.username, password: user.password }, { headers: { 'X-Request-Id': requestId } });
  assert.equal(res.status, 200, show(res));
  const { raw, json } = await logLine(requestId);
  assert.equal(json.route, '/login');
  assert.equal(json.user, user.id);
  assert.equal(json.method, 'POST');
  assert.equal(json.status, 200);
  assert.equal(typeof json.latencyMs, 'number');
  for (const secret of [user.password, user.token, res.json.sessionToken, user.email, user.email.split('@')[0]]) {
    assert.ok(!raw.includes(secret), `the log line holds a secret: ${raw}`);
  }
});

test('signed-in, master and anonymous requests are logged as such, with ids kept out of the route', { skip: !LOG && 'WRANGLER_LOG is not set' }, async () => {
  const user = await signUp('loggedme');
  const mine = `me-${randomUUID()}`;
  assert.equal((await get('/users/me', withSession(user.token, { headers: { 'X-Request-Id': mine } }))).status, 200);
  const me = await logLine(mine);
  assert.equal(me.json.route, '/users/me');
  assert.equal(me.json.user, user.id);
  assert.ok(!me.raw.includes(user.token));

  const master = `master-${randomUUID()}`;
  await get(`/classes/_User/${user.id}`, { master: true, headers: { 'X-Request-Id': master } });
  const byMaster = await logLine(master);
  assert.equal(byMaster.json.route, '/classes/_User/:objectId');
  assert.equal(byMaster.json.user, 'master');

  const anonymous = `anon-${randomUUID()}`;
  await get('/classes/Product?limit=1', { headers: { 'X-Request-Id': anonymous } });
  const byNobody = await logLine(anonymous);
  assert.equal(byNobody.json.route, '/classes/Product');
  assert.equal(byNobody.json.user, null);
});
