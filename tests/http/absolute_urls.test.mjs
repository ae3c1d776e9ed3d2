// Absolute URLs (a create's `Location`, the OpenAPI document's `servers`) start with the
// configured PUBLIC_URL (`make test` sets it to where the worker listens), never with the `Host`
// a client sent.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PARSE_URL, APP_ID, MASTER_KEY } from './support.mjs';

/** One request with a forged Host header (fetch cannot send one). */
function withHost(method, path, host, body) {
  const url = new URL(PARSE_URL + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: {
          Host: host,
          'X-Parse-Application-Id': APP_ID,
          'X-Parse-Master-Key': MASTER_KEY,
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    if (payload) req.write(payload);
    req.end();
  });
}

test("a sign-up's Location and the OpenAPI servers ignore a forged Host", async () => {
  const username = `host_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const signedUp = await withHost('POST', '/users', 'evil.example', { username, password: 'pw-host-long-enough' });
  assert.equal(signedUp.status, 201, JSON.stringify(signedUp.json));
  assert.equal(signedUp.headers.location, `${PARSE_URL}/users/${signedUp.json.objectId}`);
  const openapi = await withHost('GET', '/openapi.json', 'evil.example');
  assert.equal(openapi.status, 200);
  assert.deepEqual(openapi.json.servers.map((s) => s.url), [PARSE_URL]);
});
