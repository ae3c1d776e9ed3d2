// GraphQL's resetPassword and sendVerificationEmail are the REST account flows (issue 17): the
// same services mail the same links, and an unknown email answers as a known one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { gql } from 'graphql-request';
import { client, rand, signUp } from './support.mjs';
import { get, qs, expectStatus } from '../http/support.mjs';

const mailTo = async (email) => expectStatus(await get(`/dev/outbox${qs({ to: email })}`, { master: true }), 200).results;

test('resetPassword and sendVerificationEmail mail links through the REST services; unknown emails answer alike', async () => {
  const user = await signUp('gqlmail');
  const anyone = client();
  const reset = await anyone.request(gql`mutation($email: String!) { resetPassword(input: { email: $email }) { ok } }`, { email: user.email });
  assert.deepEqual(reset, { resetPassword: { ok: true } });
  const again = await anyone.request(gql`mutation($email: String!) { sendVerificationEmail(input: { email: $email }) { ok } }`, { email: user.email });
  assert.deepEqual(again, { sendVerificationEmail: { ok: true } });
  const subjects = (await mailTo(user.email)).map((m) => m.subject);
  assert.equal(subjects.filter((s) => /Password reset/.test(s)).length, 1, JSON.stringify(subjects));
  assert.equal(subjects.filter((s) => /verify your email/.test(s)).length, 2, 'the sign-up link and the new one');
  const ghost = `ghost_${rand(10)}@example.test`;
  const unknown = await anyone.request(gql`mutation($email: String!) { resetPassword(input: { email: $email }) { ok } }`, { email: ghost });
  assert.deepEqual(unknown, { resetPassword: { ok: true } });
  assert.equal((await mailTo(ghost)).length, 0);
});
