// Accounts in the app: sign up (with the password rule's messages next to the field), the
// "verify your email" state, log out, a wrong password, a taken username, "forgot password" and
// the dev mailbox page that shows what the server mailed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, MASTER_KEY, open, PASSWORD, signUp, unique } from './support.mjs';

after(closeBrowser);

test('a buyer signs up, is asked to verify the email, logs out, fails a password, logs in again', async () => {
  const s = await open('/');
  const { page } = s;
  const username = unique('ui');
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Sign up' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: 'Use at least 8 characters.' }).waitFor();
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: 'Your password cannot be your username.' }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();

  const verify = page.getByRole('complementary', { name: 'Verify your email' });
  await verify.getByText(`We sent a link to ${username}@example.com.`).waitFor();
  await verify.getByRole('button', { name: 'Send the link again' }).click();
  await verify.getByRole('status').filter({ hasText: 'A new link is on its way.' }).waitFor();

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('status').filter({ hasText: 'You are logged out.' }).waitFor();
  await page.getByRole('link', { name: 'Log in' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  // Keyboard only: Enter submits the form.
  await page.getByLabel('Password').press('Enter');
  await page.getByText(`Signed in as ${username}`).waitFor();
  await s.done();
});

test('a taken username is told next to the field; an artisan can sign up and lands in the studio', async () => {
  const taken = await signUp('uitaken');
  const s = await open('/signup');
  const { page } = s;
  await page.getByLabel('Username').fill(taken.username);
  await page.getByLabel('Email').fill(`${unique('other')}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: 'That username is taken.' }).waitFor();

  const username = unique('uiart');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Sell my work (artisan)').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Studio' }).waitFor();
  await page.getByRole('heading', { name: 'Open your shop' }).waitFor();
  await s.done();
});

test('forgot password sends a link, and the dev mailbox page shows it', async () => {
  const who = await signUp('uiforgot');
  const s = await open('/login');
  const { page } = s;
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill(who.email);
  await page.getByRole('button', { name: 'Send me a reset link' }).click();
  await page.getByRole('status').filter({ hasText: `If an account uses ${who.email}, a link to choose a new password is on its way.` }).waitFor();

  await page.goto(page.url().replace(/\/forgot-password.*/, '/dev/mailbox'));
  await page.getByRole('heading', { name: 'Dev mailbox' }).waitFor();
  await page.getByLabel('Master key').fill(MASTER_KEY);
  await page.getByLabel('Recipient (optional)').fill(who.email);
  await page.getByRole('button', { name: 'Show messages' }).click();
  const messages = page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  await messages.filter({ hasText: /reset/i }).first().waitFor();
  await messages.filter({ hasText: /verify/i }).first().waitFor();
  const link = messages.filter({ hasText: /reset/i }).first().getByRole('link');
  assert.match(await link.getAttribute('href'), /request_password_reset\?token=/);
  await s.done();
});
