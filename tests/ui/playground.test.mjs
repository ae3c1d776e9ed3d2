// The API playground: the OpenAPI document browsed, the GraphQL console posting to /graphql with
// the app id header prefilled; both load only on their own page.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { APP_ID, closeBrowser, open } from './support.mjs';

after(closeBrowser);

test('the REST page lists the OpenAPI operations and filters them', async () => {
  const s = await open('/');
  const { page } = s;
  const storefrontScripts = new Set();
  page.on('request', (r) => r.resourceType() === 'script' && storefrontScripts.add(r.url()));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API playground' }).click();
  await page.getByRole('heading', { name: /REST API/ }).waitFor();
  await page.getByRole('status').filter({ hasText: /^\d+ operations$/ }).waitFor();
  assert.ok([...storefrontScripts].some((u) => /Playground-.*\.js$/.test(u)), 'the playground loads its own chunk when opened');
  await page.getByLabel('Filter operations').fill('checkout');
  const ops = page.getByRole('list', { name: 'Operations' }).getByRole('listitem');
  await ops.filter({ hasText: '/functions/checkout' }).first().waitFor();
  await ops.filter({ hasText: '/functions/checkout' }).first().getByText(/Checks out a cart/).click();
  await page.getByText('Orders').first().waitFor();
  await s.done();
});

test('the GraphQL page posts to /graphql with the app id and shows the answer', async () => {
  const s = await open('/playground/graphql');
  const { page } = s;
  await page.getByRole('heading', { name: 'GraphQL' }).waitFor();
  assert.equal(await page.getByLabel('App id (X-Parse-Application-Id)').inputValue(), APP_ID);
  const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/graphql' && r.method() === 'POST');
  await page.getByRole('button', { name: 'Run' }).click();
  const request = await sent;
  assert.equal(request.headers()['x-parse-application-id'], APP_ID);
  assert.equal(request.headers()['x-parse-master-key'], undefined, 'no master key unless typed');
  await page.getByLabel('Answer').filter({ hasText: /^HTTP \d{3}/ }).waitFor();
  await s.done();
});

test('Swagger UI shows the OpenAPI document offline, in its own chunk', async () => {
  const s = await open('/playground/rest');
  const { page } = s;
  const scripts = [];
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()));
  await page.getByRole('link', { name: 'REST (Swagger UI)' }).click();
  await page.getByRole('heading', { name: 'REST API in Swagger UI' }).waitFor();
  await page.getByText('/functions/checkout', { exact: true }).first().waitFor();
  assert.ok(scripts.some((u) => /SwaggerView-.*\.js$/.test(u)), 'Swagger UI loads only on its page');
  await s.done();
});
