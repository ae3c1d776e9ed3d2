#!/usr/bin/env node
// The README's screenshots (docs/web-*.png) from a running, seeded `make dev`
// (WEB_URL, default http://127.0.0.1:8787/): the storefront, a product page, the studio.
// `make web-screenshots`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASE = (process.env.WEB_URL ?? 'http://127.0.0.1:8787/').replace(/\/+$/, '');
const shot = (name) => path.join(ROOT, 'docs', `web-${name}.png`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 860 } })).newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${BASE}/`);
  const first = page.getByRole('list', { name: 'Products' }).getByRole('listitem').first();
  await first.waitFor();
  await page.waitForFunction(() => [...document.images].slice(0, 8).every((i) => i.complete));
  await page.screenshot({ path: shot('storefront') });

  await first.getByRole('heading').getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await page.screenshot({ path: shot('product') });

  await page.goto(`${BASE}/login?next=/studio`);
  await page.getByLabel('Username').fill('mira');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Incoming orders' }).waitFor();
  await page.getByRole('list', { name: 'Your products' }).waitFor();
  await page.screenshot({ path: shot('studio') });
  console.log(`wrote ${['storefront', 'product', 'studio'].map(shot).join(', ')}`);
} finally {
  await browser.close();
}
