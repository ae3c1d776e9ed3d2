#!/usr/bin/env node
// D1 round trips per request (DESIGN §9: one per hot path). In bench mode the product answers
// every response with `X-D1-Round-Trips: n`; this makes one request of each workload's kind and
// prints the header. The count is the worker's own: a checkout's transaction runs in the artisan's
// Durable Object, whose round trips the header does not include.
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR (with state.json).
import { api, env, pointer, readState, saveResult } from "./lib.mjs";

const { baseUrl, outDir } = env();
const call = api(baseUrl);
const state = readState(outDir);
const where = encodeURIComponent(JSON.stringify({ price: { $gte: 100, $lte: 120 } }));
const buyer = state.buyers[state.buyers.length - 1];

const requests = {
  w1: () => call("GET", `/classes/Product?where=${where}&limit=20&order=-createdAt`),
  w2: () => call("GET", `/classes/Product/${state.productIds[0]}`),
  w3: () => call("POST", "/login", { username: buyer.username, password: state.password }),
  w4: () =>
    call("POST", "/classes/Order", { product: pointer("Product", state.throughputProducts[0]), quantity: 1 }, { token: buyer.token }),
  w5: () => call("PUT", `/classes/Product/${state.productIds[2]}`, { title: "round trips" }, { master: true }),
};
const labels = {
  w1: "W1 browse (range query)",
  w2: "W2 get by id",
  w3: "W3 login",
  w4: "W4 checkout (worker side only)",
  w5: "W5 PUT that triggers the fan-out",
};

const out = {};
for (const [key, run] of Object.entries(requests)) {
  const r = await run();
  const header = r.headers.get("x-d1-round-trips");
  out[key] = header === null ? null : Number(header);
  console.log(`[rt] ${labels[key].padEnd(34)} ${r.status}  X-D1-Round-Trips: ${header ?? "(missing)"}`);
}
saveResult(outDir, "roundtrips", out);
