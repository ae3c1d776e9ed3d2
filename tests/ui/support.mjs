// Browser tests of the web app: Debian's chromium (/usr/bin/chromium, installed by
// scripts/toolchain.sh) driven by playwright-core, which downloads no browser. Tests act as a
// person does: they find controls by role, label and text, and wait for what a person would see
// (bounded waits, never sleeps). Each context records page errors, console errors and 5xx
// answers; `done()` fails the test when there were any.
//
// The data a test needs is made through the REST API (master key), with names unique to the
// run, since every test file shares one server with the other suites.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { productPhoto } from '../../scripts/png.mjs';

export const PARSE_URL = (process.env.PARSE_URL ?? 'http://127.0.0.1:8787/parse').replace(/\/+$/, '');
export const BASE = new URL(PARSE_URL).origin;
export const APP_ID = process.env.APP_ID ?? 'artisan-market';
export const MASTER_KEY = process.env.MASTER_KEY ?? '';
export const WEBHOOK_SECRET = process.env.PAYMENT_WEBHOOK_SECRET ?? '';
export const PASSWORD = 'ui-test-password';
/** How long anything a person waits for may take on a loaded machine. */
export const WAIT_MS = Number(process.env.UI_WAIT_MS ?? 20_000);

export function unique(prefix) {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

let browser;
export async function launch() {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Anything but the server under test fails at once instead of waiting for DNS.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  return browser;
}

export async function closeBrowser() {
  await browser?.close();
  browser = undefined;
}

/**
 * A fresh browser context (its own storage: one person) with a page on `path`.
 * `phone: true` gives a phone-sized touch screen.
 */
export async function open(path = '/', { phone = false } = {}) {
  const b = await launch();
  const context = await b.newContext(
    phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 900 } },
  );
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx the app expects and explains (a wrong password, a sold-out product) still logs
    // "Failed to load resource" in Chromium; 5xx answers are caught below instead.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} from ${r.request().method()} ${r.url()}`);
  });
  await page.goto(BASE + path);
  return {
    page,
    context,
    problems,
    async done() {
      await context.close();
      assert.deepEqual(problems, [], 'no uncaught errors, console errors or 5xx answers');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Data through the REST API

export async function api(method, path, body, { session, master = false, headers = {} } = {}) {
  const res = await fetch(PARSE_URL + path, {
    method,
    headers: {
      'X-Parse-Application-Id': APP_ID,
      ...(master ? { 'X-Parse-Master-Key': MASTER_KEY } : {}),
      ...(session ? { 'X-Parse-Session-Token': session } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return json;
}

export async function signUp(prefix, role = 'buyer') {
  const username = unique(prefix);
  const r = await api('POST', '/users', { username, password: PASSWORD, email: `${username}@example.com`, role });
  return { username, email: `${username}@example.com`, id: r.objectId, session: r.sessionToken };
}

export const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

export async function photo(name, colour = '#8b4513') {
  const res = await fetch(`${PARSE_URL}/files/${name}.png`, {
    method: 'POST',
    headers: { 'X-Parse-Application-Id': APP_ID, 'X-Parse-Master-Key': MASTER_KEY, 'Content-Type': 'image/png' },
    body: productPhoto('bowl', colour, 1),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return { __type: 'File', name: (await res.json()).name };
}

/** An artisan account with its public profile and the given products ({title, price, stock, tags, photo}). */
export async function artisanWithProducts(prefix, products = []) {
  const user = await signUp(prefix, 'artisan');
  const acl = { '*': { read: true }, [user.id]: { read: true, write: true } };
  const name = `${prefix} Studio ${user.username.slice(-4)}`;
  const artisan = await api('POST', '/classes/Artisan', {
    name,
    description: `Pieces made by hand at ${name}.`,
    user: pointer('_User', user.id),
    ACL: acl,
  }, { master: true });
  const made = [];
  for (const [i, p] of products.entries()) {
    const images = p.photo ? [await photo(`${user.username}-${i}`)] : [];
    const r = await api('POST', '/classes/Product', {
      title: p.title,
      description: p.description ?? `${p.title}, made by hand.`,
      sku: unique('SKU-'),
      price: p.price,
      stock: p.stock ?? 1,
      tags: p.tags ?? ['handmade'],
      images,
      owner: pointer('Artisan', artisan.objectId),
      ACL: acl,
    }, { master: true });
    made.push({ ...p, id: r.objectId });
  }
  return { user, artisanId: artisan.objectId, name, products: made };
}

/** Logs `who` in through the app's own form. */
export async function logIn(page, who) {
  await page.getByRole('link', { name: 'Log in' }).first().click();
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText(`Signed in as ${who.username}`).waitFor();
}

/** The orders `who` can see, newest first, through the REST API with its session. */
export async function ordersOf(who) {
  const where = encodeURIComponent(JSON.stringify({ buyer: pointer('_User', who.id) }));
  return (await api('GET', `/classes/Order?where=${where}&order=-createdAt`, undefined, { session: who.session })).results;
}

/** Confirms order `id` paid through the signed payment webhook, as the provider would. */
export async function payThroughWebhook(id) {
  const { createHmac } = await import('node:crypto');
  const order = await api('GET', `/classes/Order/${id}`, undefined, { master: true });
  const raw = JSON.stringify({ orderId: id, status: 'paid', amount: order.totalAmount, currency: 'USD' });
  const res = await fetch(`${PARSE_URL}/webhooks/payment`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Payment-Signature': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}` },
    body: raw,
  });
  assert.equal(res.status, 200, await res.text());
}
