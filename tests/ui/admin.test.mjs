// Admin: every user with its role, searchable and paged; a role change; every order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, artisanWithProducts, closeBrowser, logIn, open, PASSWORD, pointer, signUp, unique } from './support.mjs';

let admin;
let prefix;
let users;
let order;
before(async () => {
  prefix = unique('adm');
  admin = await signUp(`${prefix}boss`);
  await api('PUT', `/users/${admin.id}`, { role: 'admin' }, { master: true });
  users = [];
  for (let i = 0; i < 21; i++) users.push(await signUp(`${prefix}u${String(i).padStart(2, '0')}`));
  const shop = await artisanWithProducts('adms', [{ title: `${prefix} Cup`, price: 18, stock: 2 }]);
  const login = await api('POST', '/login', { username: users[0].username, password: PASSWORD });
  order = await api('POST', '/classes/Order', { items: [{ product: pointer('Product', shop.products[0].id), quantity: 1 }] }, { session: login.sessionToken });
});
after(closeBrowser);

test('an admin sees every user with its role, searches, pages and changes a role', async () => {
  const s = await open('/');
  const { page } = s;
  await logIn(page, admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  const section = page.getByRole('region', { name: 'Users' });
  await section.getByLabel('Find users by name or email').fill(`${prefix}u`);
  await section.getByRole('button', { name: 'Find' }).click();
  await section.getByRole('status').filter({ hasText: '21 users · page 1 of 2' }).waitFor();
  assert.equal(await section.getByRole('row').count(), 21, 'a header and 20 users');
  await section.getByRole('button', { name: 'Next page' }).click();
  await section.getByRole('status').filter({ hasText: 'page 2 of 2' }).waitFor();
  const last = users[20].username;
  await section.getByRole('cell', { name: last, exact: true }).waitFor();
  await section.getByRole('cell', { name: users[20].email, exact: true }).waitFor();

  await section.getByLabel(`Role of ${last}`).selectOption('artisan');
  await page.getByRole('status').filter({ hasText: `${last} is now artisan.` }).waitFor();
  assert.equal((await api('GET', `/users/${users[20].id}`, undefined, { master: true })).role, 'artisan');

  // Found by email too: admins read emails.
  await section.getByLabel('Find users by name or email').fill(users[3].email);
  await section.getByRole('button', { name: 'Find' }).click();
  await section.getByRole('status').filter({ hasText: '1 user · page 1 of 1' }).waitFor();
  await section.getByRole('cell', { name: users[3].username, exact: true }).waitFor();

  // Every order, found by its buyer (the rest of the suite adds orders meanwhile).
  const orders = page.getByRole('region', { name: 'All orders' });
  await orders.getByRole('status').filter({ hasText: /orders? · page 1 of/ }).waitFor();
  await orders.getByLabel('Find orders by buyer').fill(users[0].username);
  await orders.getByRole('button', { name: 'Find orders' }).click();
  await orders.getByRole('status').filter({ hasText: '1 order · page 1 of 1' }).waitFor();
  const row = orders.getByRole('row').filter({ has: page.getByRole('cell', { name: order.objectId }) });
  await row.getByRole('cell', { name: users[0].username, exact: true }).waitFor();
  await s.done();
});

test('a buyer opening the admin page is told it is for admins', async () => {
  const buyer = await signUp('admnot');
  const s = await open('/');
  await logIn(s.page, buyer);
  await s.page.goto(s.page.url() + 'admin');
  await s.page.getByText('This page is for admins.').waitFor();
  assert.equal(await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(), 0);
  await s.done();
});
