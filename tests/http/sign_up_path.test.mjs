// `_User` rows are created only by sign-up (its password rule, its rate limit, its session), and
// server-owned fields are never set by a client, whatever the route.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { post, MOUNT, rand, countRows, expectError, show } from './support.mjs';

test('a transactional batch cannot create a user or a session, even with the master key', async () => {
  const username = `squat_${rand(10)}`;
  for (const master of [false, true]) {
    const user = await post(
      '/batch',
      {
        transaction: true,
        requests: [
          {
            method: 'POST',
            path: `${MOUNT}/classes/_User`,
            body: { username, email: `${username}@example.test`, emailVerified: true },
          },
        ],
      },
      { master },
    );
    expectError(user, 400, 207);
    const session = await post(
      '/batch',
      { transaction: true, requests: [{ method: 'POST', path: `${MOUNT}/classes/_Session`, body: {} }] },
      { master },
    );
    expectError(session, 400, 119);
  }
  assert.equal(await countRows('_User', { username }), 0, 'no account was created');
});

test('a user created by a batch without a transaction went through sign-up', async () => {
  const username = `batched_${rand(10)}`;
  const res = await post('/batch', {
    requests: [{ method: 'POST', path: `${MOUNT}/classes/_User`, body: { username } }],
  });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json[0].error?.code, 201, 'sign-up asks for a password');
  assert.equal(await countRows('_User', { username }), 0);
});
