#!/usr/bin/env node
// Seeds the benchmark's fixed dataset into a fresh product (scripts/bench.sh runs it once per
// run): 50 artisans with a profile each, 5,000 products spread over them, 500 buyers. Then writes
// what the workloads need into OUT_DIR:
//
//   state.json     ids, buyer tokens, the checkout products (read by the node workloads)
//   product-ids.txt, buyers.txt   one per line (read by bench/wrk.lua)
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR.
//
// Prices come from a seeded generator, so every run browses the same price distribution; the
// bare worker reads a copy of the product's database (scripts/bench.sh), so it has the same rows.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, fail, pointer, pool, env } from "./lib.mjs";

export const ARTISANS = 50;
export const PRODUCTS = 5000;
export const BUYERS = 500;
export const PASSWORD = "bench-password-1";
// W4: one product of stock 1 that 200 buyers race for (an artisan of its own, so no other order
// queues in its hub), and 5 products of stock 1,000 for each of artisans 0..9.
const CONTENTION_ARTISAN = ARTISANS - 1;
const THROUGHPUT_ARTISANS = 10;
const THROUGHPUT_PER_ARTISAN = 5;

const { baseUrl, outDir } = env();
const call = api(baseUrl);

// mulberry32: a tiny deterministic generator (same dataset every run).
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = generator(20261125);

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

/** Signs up `username` (with the master key when `master`), returning {objectId, sessionToken}. */
async function signUp(username, role, master) {
  const r = await call("POST", "/users", { username, password: PASSWORD, role }, { master });
  if (r.status !== 201 || !r.json?.sessionToken) fail(`POST /users ${username} answered ${r.status}: ${r.text}`);
  return { username, objectId: r.json.objectId, token: r.json.sessionToken };
}

/** POST /batch with the master key; every sub-request must succeed. */
async function batch(requests) {
  const r = await call("POST", "/batch", { requests }, { master: true });
  if (r.status !== 200 || !Array.isArray(r.json) || r.json.length !== requests.length) {
    fail(`POST /batch answered ${r.status}: ${r.text.slice(0, 500)}`);
  }
  return r.json.map((res, i) => {
    if (!res?.success) fail(`batch ${requests[i].path}: ${JSON.stringify(res)}`);
    return res.success;
  });
}

// Sign-ups hash with PBKDF2 (600k iterations, ~0.25 s of CPU each, one isolate): a little
// concurrency overlaps the D1 writes with the hashing; more would only queue.
const CONCURRENCY = 4;

// 1. Artisans: accounts (with the master key, which may set any role), then their profiles in
//    one batch.
const artisanUsers = await pool(ARTISANS, CONCURRENCY, (i) => signUp(`bench-artisan-${i}`, "artisan", true));
const mount = new URL(baseUrl).pathname;
const profiles = await batch(
  artisanUsers.map((u, i) => ({
    method: "POST",
    path: `${mount}/classes/Artisan`,
    body: { name: `Bench Workshop ${i}`, user: pointer("_User", u.objectId) },
  })),
);
const artisanIds = profiles.map((p) => p.objectId);
console.log(`[seed] ${ARTISANS} artisans with profiles (${elapsed()})`);

// 2. Products: 5,000 in batches of 50, artisan i % 50, public read, its artisan's write.
const products = Array.from({ length: PRODUCTS }, (_, i) => {
  const artisan = i % ARTISANS;
  const round = Math.floor(i / ARTISANS); // the artisan's n-th product
  let stock = 1 + Math.floor(random() * 5);
  const price = Math.round((5 + random() * 500) * 100) / 100; // 5.00 – 505.00, two decimals
  if (artisan < THROUGHPUT_ARTISANS && round < THROUGHPUT_PER_ARTISAN) stock = 1000;
  if (artisan === CONTENTION_ARTISAN && round === 0) stock = 1;
  return {
    artisan,
    round,
    body: {
      title: `Bench piece ${i}`,
      sku: `BENCH-${String(i).padStart(5, "0")}`,
      price,
      stock,
      owner: pointer("Artisan", artisanIds[artisan]),
      ACL: { "*": { read: true }, [artisanUsers[artisan].objectId]: { read: true, write: true } },
    },
  };
});
const chunks = [];
for (let i = 0; i < PRODUCTS; i += 50) chunks.push(products.slice(i, i + 50));
const created = await pool(chunks.length, 2, (c) =>
  batch(chunks[c].map((p) => ({ method: "POST", path: `${mount}/classes/Product`, body: p.body }))),
);
created.flat().forEach((s, i) => {
  products[i].objectId = s.objectId;
  products[i].createdAt = s.createdAt;
});
console.log(`[seed] ${PRODUCTS} products (${elapsed()})`);

// 3. Buyers: sign-ups through the API, which answer a session token (W4 uses the first 200).
const buyers = await pool(BUYERS, CONCURRENCY, (i) => signUp(`bench-buyer-${i}`, "buyer", false));
console.log(`[seed] ${BUYERS} buyers signed up (${elapsed()})`);

// 4. What the workloads read.
const state = {
  password: PASSWORD,
  artisanIds,
  productIds: products.map((p) => p.objectId),
  buyers,
  contentionProduct: products.find((p) => p.artisan === CONTENTION_ARTISAN && p.round === 0).objectId,
  throughputProducts: products.filter((p) => p.body.stock === 1000).map((p) => p.objectId),
};
writeFileSync(join(outDir, "state.json"), JSON.stringify(state));
// wrk reads the ids and usernames with io.lines; keep W2 and the bare key read on the same ids.
writeFileSync(join(outDir, "product-ids.txt"), state.productIds.join("\n") + "\n");
writeFileSync(join(outDir, "buyers.txt"), buyers.map((b) => b.username).join("\n") + "\n");
console.log(`[seed] done in ${elapsed()}`);
