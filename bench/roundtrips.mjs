#!/usr/bin/env node
// D1 round trips per request (DESIGN §9: one per hot path). In bench mode the product answers
// every response with `X-D1-Round-Trips: n`; this makes one request of each workload's kind and
// prints the header. The count is the worker's own: a checkout's transaction runs in the artisan's
// Durable Object, whose round trips the header does not include.
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR (with state.json).
import { api, env, pointer, readState, saveResult } from "./lib.mjs";

const { baseUrl, bareUrl, outDir } = env();
const call = api(baseUrl);
const state = readState(outDir);
const where = encodeURIComponent(JSON.stringify({ price: { $gte: 100, $lte: 120 } }));
const buyer = state.buyers[state.buyers.length - 1];

const graphqlUrl = `${new URL(baseUrl).origin}/graphql`;
const BROWSE = "query Browse($a: Float, $b: Float) { products(where: {price: {greaterThanOrEqualTo: $a, lessThanOrEqualTo: $b}}, order: [createdAt_DESC], first: 20) { edges { node { objectId title price stock owner { name } } } } }";

const requests = {
  w1: () => call("GET", `/classes/Product?where=${where}&limit=20&order=-createdAt`),
  "w1-graphql": () => api(graphqlUrl)("POST", "", { query: BROWSE, variables: { a: 100, b: 120 } }),
  w2: () => call("GET", `/classes/Product/${state.productIds[0]}`),
  w3: () => call("POST", "/login", { username: buyer.username, password: state.password }),
  w4: () =>
    call("POST", "/classes/Order", { product: pointer("Product", state.throughputProducts[0]), quantity: 1 }, { token: buyer.token }),
  w5: () => call("PUT", `/classes/Product/${state.productIds[2]}`, { title: "round trips" }, { master: true }),
};
const labels = {
  w1: "W1 browse (range query)",
  "w1-graphql": "W1 as GraphQL, with owners",
  w2: "W2 get by id",
  w3: "W3 login",
  w4: "W4 checkout (worker side only)",
  w5: "W5 PUT that triggers the fan-out",
};

// Each kind twice: the second is the steady state the load runs see (the isolate's schema cache
// is warm); a first request that costs more is shown beside it.
const out = {};
for (const [key, run] of Object.entries(requests)) {
  const [first, second] = [await run(), await run()];
  const trips = (r) => r.headers.get("x-d1-round-trips");
  out[key] = trips(second) === null ? null : Number(trips(second));
  const cold = trips(first) !== trips(second) ? ` (first request: ${trips(first)})` : "";
  console.log(`[rt] ${labels[key].padEnd(34)} ${second.status}  X-D1-Round-Trips: ${trips(second) ?? "(missing)"}${cold}`);
}
saveResult(outDir, "roundtrips", out);

// W1 and the bare /range must be the same query over the same rows: compare one window.
if (bareUrl) {
  const product = await call("GET", `/classes/Product?where=${where}&limit=20&order=-createdAt`);
  const bare = await fetch(`${bareUrl}/range?min=100&max=120`).then((r) => r.json());
  const mine = new Set((product.json?.results ?? []).map((o) => o.objectId));
  const common = (bare.results ?? []).filter((o) => mine.has(o.objectId)).length;
  console.log(`[rt] price 100–120, newest 20: the product answers ${mine.size} rows, the bare worker ${bare.results?.length}, ${common} in common`);
  const graphql = await api(graphqlUrl)("POST", "", { query: BROWSE, variables: { a: 100, b: 120 } });
  const edges = graphql.json?.data?.products?.edges ?? [];
  const same = edges.filter((e) => mine.has(e.node.objectId)).length;
  const owners = edges.filter((e) => typeof e.node.owner?.name === "string").length;
  console.log(`[rt] the same window as GraphQL: ${edges.length} products, ${same} the same as REST's, ${owners} with their owner's name`);
}
