#!/usr/bin/env node
// The web app's budgets, measured (a benchmark, not a test): `make web-budgets`.
//
// 1. Storefront JavaScript, gzipped: the scripts index.html loads (the entry and the chunks it
//    preloads), not the pages loaded on demand (studio, admin, mailbox, playground). Budget 200 KB.
// 2. First products visible: fresh browser contexts (no cache) open the storefront of a running
//    server (`make dev`, seeded: WEB_URL, default http://127.0.0.1:8787/) and time navigation
//    start to the first product card on screen, in Debian's chromium. Median of RUNS (7).
//    Budget 1.5 s.
//
// Prints both and exits 1 when one is over budget (2 when the server cannot be reached).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'web/dist');
const JS_BUDGET_KB = 200;
const FIRST_PRODUCTS_BUDGET_MS = 1500;
const RUNS = Number(process.env.RUNS ?? 7);
const URL_ = process.env.WEB_URL ?? 'http://127.0.0.1:8787/';

const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]);
let gz = 0;
let raw = 0;
for (const s of new Set(scripts)) {
  const bytes = readFileSync(path.join(DIST, s));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const jsKb = gz / 1024;
console.log(`storefront JS: ${(raw / 1024).toFixed(1)} KB raw, ${jsKb.toFixed(1)} KB gzipped (${scripts.length} files; budget ${JS_BUDGET_KB} KB gzipped)`);

const probe = await fetch(URL_).catch(() => undefined);
if (!probe?.ok) {
  console.error(`first products: ${URL_} does not answer; start \`make dev\` (or set WEB_URL)`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const times = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(URL_, { waitUntil: 'commit' });
    await page.getByRole('list', { name: 'Products' }).getByRole('listitem').first().waitFor({ timeout: 30_000 });
    const ms = await page.evaluate(() => performance.now());
    // The first run warms the server (isolate start, D1 pages), as a running site is warm.
    if (i > 0) times.push(ms);
    await context.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`first products visible: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)} over ${times.length} cold page loads (budget ${FIRST_PRODUCTS_BUDGET_MS} ms)`);
process.exit(jsKb <= JS_BUDGET_KB && median <= FIRST_PRODUCTS_BUDGET_MS ? 0 : 1);
