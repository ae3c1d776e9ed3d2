// What operators rely on: /health checks the worker's dependencies (D1 and each Durable Object
// namespace).
import test from 'node:test';
import assert from 'node:assert/strict';
import { PARSE_URL } from './support.mjs';

test('GET /health checks D1 and both Durable Object namespaces, and answers 200', async () => {
  const res = await fetch(`${PARSE_URL}/health`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.equal(body.checks.database.status, 'ok');
  assert.deepEqual(Object.keys(body.checks.durableObjects).sort(), ['ARTISAN_HUB', 'LIVE_HUB']);
  for (const [name, check] of Object.entries(body.checks.durableObjects)) {
    assert.equal(check.status, 'ok', name);
    assert.equal(typeof check.latencyMs, 'number', name);
  }
});
