// /graphql shares REST's transport: CORS (preflight included), request ids, caching headers,
// the request log (which names the operation, never its arguments), and sessions either way.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { client, raw, rand, signUp, GRAPHQL_URL } from './support.mjs';
import { post, get, withSession } from '../http/support.mjs';

const LOG = process.env.WRANGLER_LOG;

async function logLine(requestId) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const line = readFileSync(LOG, 'utf8').split('\n').find((l) => l.includes(`"requestId":"${requestId}"`));
    if (line) return { raw: line, json: JSON.parse(line.slice(line.indexOf('{'))) };
    // The worker prints its line after answering: wait for the file to grow, not for a time.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no log line with requestId ${requestId}`);
}

test('CORS as REST, preflight included, and every answer has a request id', async () => {
  const preflight = await fetch(GRAPHQL_URL, {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-parse-application-id' },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers'), /X-Parse-Application-Id/);
  const res = await raw('POST', { body: '{"query":"{ health }"}', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'gql-cors-1' } });
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('x-request-id'), 'gql-cors-1');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const refused = await raw('POST', { body: '[]', headers: { 'Content-Type': 'application/json' } });
  assert.ok(refused.headers.get('x-request-id'));
  assert.equal(refused.headers.get('access-control-allow-origin'), '*');
});

test('a REST session works in GraphQL and a GraphQL session in REST; tokens are never cached', async () => {
  const user = await signUp('gqlsess');
  const viewer = await client({ token: user.token }).request('{ viewer { sessionToken user { objectId } } }');
  assert.equal(viewer.viewer.user.objectId, user.id);
  assert.equal(viewer.viewer.sessionToken, user.token);
  const res = await raw('POST', { body: JSON.stringify({ query: `mutation { logIn(input: {username: "${user.username}", password: "${user.password}"}) { viewer { sessionToken } } }` }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const token = res.json.data.logIn.viewer.sessionToken;
  assert.equal((await get('/users/me', withSession(token))).json.objectId, user.id);
  assert.equal((await post('/logout', {}, withSession(token))).status, 200);
  const after = await raw('POST', { body: '{"query":"{ health }"}', headers: { 'Content-Type': 'application/json', 'X-Parse-Session-Token': token } });
  assert.deepEqual(after.json, { code: 209, error: 'Invalid session token' });
});

test('the request log names the operation and the user, never arguments or tokens', { skip: !LOG && 'WRANGLER_LOG is not set' }, async () => {
  const user = await signUp('gqllog');
  const requestId = `gql-${randomUUID()}`;
  const secret = `needle-${rand(12)}`;
  await client({ token: user.token, headers: { 'X-Request-Id': requestId } }).request(
    `query Browse($t: String) { products(where: {title: {equalTo: $t}}) { count } }`, { t: secret });
  const { raw: line, json } = await logLine(requestId);
  assert.equal(json.route, '/graphql');
  assert.equal(json.operation, 'query Browse');
  assert.equal(json.user, user.id);
  assert.equal(json.status, 200);
  for (const leak of [secret, user.token, user.password, user.email]) assert.ok(!line.includes(leak), `${leak} leaked`);
  const anonymousId = `gql-${randomUUID()}`;
  await client({ headers: { 'X-Request-Id': anonymousId } }).request('mutation { logIn(input: {username: "x", password: "y"}) { viewer { sessionToken } } }').catch(() => {});
  const anonymous = (await logLine(anonymousId)).json;
  assert.equal(anonymous.operation, 'mutation logIn');
  assert.equal(anonymous.user, null);
});
