// The API playground: the OpenAPI document browsed and in Swagger UI, and GraphiQL posting to
// /graphql with the app id header prefilled and the master key only when typed (never stored);
// each loads only on its own page.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { APP_ID, MASTER_KEY, closeBrowser, open } from './support.mjs';

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

test('GraphiQL runs a query with the app id prefilled, in its own chunk, and no master key unless typed', async () => {
  const s = await open('/playground/rest');
  const { page } = s;
  const scripts = [];
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()));
  await page.getByRole('link', { name: 'GraphQL' }).click();
  const graphiql = page.getByRole('region', { name: 'GraphiQL' });
  await graphiql.getByRole('button', { name: /Execute query/ }).waitFor();
  assert.ok(scripts.some((u) => /GraphiQLView-.*\.js$/.test(u)), 'GraphiQL loads only on its page');
  // The editor shows the example query once it is ready to run it.
  await graphiql.getByText('products(first: 5, order: [price_DESC]) {').waitFor();
  const sent = page.waitForRequest(
    (r) => new URL(r.url()).pathname === '/graphql' && r.method() === 'POST' && (r.postData() ?? '').includes('products(first: 5'),
  );
  await graphiql.getByRole('button', { name: /Execute query/ }).click();
  const request = await sent;
  assert.equal(request.headers()['x-parse-application-id'], APP_ID, 'the header editor holds the app id');
  assert.equal(request.headers()['x-parse-master-key'], undefined, 'no master key unless typed');
  await page.getByRole('status').filter({ hasText: 'shows its schema to the master key only' }).waitFor();
  // The answer pane shows what the server answered: the products connection.
  await graphiql.getByText('"edges"').first().waitFor();
  await s.done();
});

test('with the master key typed, GraphiQL reads the schema, and the key is never stored', async () => {
  const s = await open('/playground/graphql');
  const { page } = s;
  const graphiql = page.getByRole('region', { name: 'GraphiQL' });
  await graphiql.getByRole('button', { name: /Execute query/ }).waitFor();
  const introspected = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/graphql' && (r.request().postData() ?? '').includes('__schema') && r.request().headers()['x-parse-master-key'] === MASTER_KEY,
  );
  await page.getByLabel(/^Master key/).fill(MASTER_KEY);
  await page.getByRole('button', { name: 'Use this key' }).click();
  assert.equal((await introspected).status(), 200);
  await page.getByRole('status').filter({ hasText: 'Schema read' }).waitFor();
  // The documentation explorer lists the root query's fields.
  await graphiql.getByRole('button', { name: /documentation explorer/i }).click();
  await graphiql.getByText('Query', { exact: true }).first().click();
  await graphiql.getByText('products', { exact: true }).first().waitFor();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.ok(!stored.includes(MASTER_KEY), 'the master key is in no storage of the page');
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
