#!/usr/bin/env node
// W4: checkout (POST /parse/classes/Order) as signed-in buyers.
//
//   node bench/checkout.mjs contention          200 buyers race for one product of stock 1, all at
//                                              once: exactly one must win and the stock end at 0
//   node bench/checkout.mjs throughput SECONDS  32 buyers at a time place single-item orders on 50
//                                              products of stock 1,000 (10 artisans) for SECONDS
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR (with state.json from bench/seed.mjs);
// CONNECTIONS (default 32) for throughput.
import { api, env, fail, ms, percentile, pointer, readState, saveResult, sleep } from "./lib.mjs";

const { baseUrl, outDir } = env();
const call = api(baseUrl);
const state = readState(outDir);
const [mode, secondsArg] = process.argv.slice(2);

const order = (productId, buyer) =>
  call("POST", "/classes/Order", { product: pointer("Product", productId), quantity: 1 }, { token: buyer.token, timeoutMs: 60_000 });

const soldOut = (r) => r.json?.code === 142 && /sold out/i.test(r.json?.error ?? "");

function histogram(results) {
  const counts = {};
  for (const r of results) {
    const key = r.status === 201 ? "201" : r.status === 0 ? `network error` : `${r.status} code ${r.json?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.entries(counts).map(([k, v]) => `${v}× ${k}`).join(", ");
}

if (mode === "contention") {
  const buyers = state.buyers.slice(0, 200);
  if (buyers.length < 200) fail(`only ${buyers.length} buyers in state.json`);
  const product = state.contentionProduct;
  const t0 = performance.now();
  // All at once: every request is in flight before the first answer can arrive.
  const results = await Promise.all(buyers.map((b) => order(product, b)));
  const wall = performance.now() - t0;
  const successes = results.filter((r) => r.status === 201).length;
  const unexpected = results.filter((r) => r.status !== 201 && !soldOut(r));
  const after = await call("GET", `/classes/Product/${product}`, undefined, { master: true });
  const stock = after.json?.stock;
  const latencies = results.map((r) => r.ms);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const ok = successes === 1 && stock === 0;
  console.log(`[w4] contention: ${buyers.length} orders at once for one product of stock 1`);
  console.log(`[w4]   answers: ${histogram(results)}`);
  console.log(`[w4]   successes ${successes} (must be 1), final stock ${stock} (must be 0): ${ok ? "OK" : "WRONG"}`);
  console.log(`[w4]   p50 ${ms(p50)}, p99 ${ms(p99)}, wall ${ms(wall)}`);
  if (unexpected.length) console.log(`[w4]   first unexpected answer: ${unexpected[0].status} ${unexpected[0].text.slice(0, 200)}`);
  saveResult(outDir, "w4-contention", {
    rps: null, p50, p99, errors: unexpected.length, successes, stock, wall, orders: buyers.length, ok,
  });
} else if (mode === "throughput") {
  const seconds = Number(secondsArg ?? 10);
  const connections = Number(process.env.CONNECTIONS ?? 32);
  const products = state.throughputProducts;
  const buyers = state.buyers;
  if (products.length === 0) fail("no throughput products in state.json");
  // Each loop places one order after another until the deadline (and never more than a bound).
  const run = async (runSeconds, record) => {
    const deadline = performance.now() + runSeconds * 1000;
    let n = 0;
    const loop = async (c) => {
      for (let k = 0; performance.now() < deadline && k < 100_000; k++) {
        const product = products[(c * 7 + k * 13 + n++) % products.length];
        const buyer = buyers[(c * 31 + k) % buyers.length];
        record(await order(product, buyer));
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: connections }, (_, c) => loop(c)));
    return (performance.now() - t0) / 1000;
  };
  await run(Math.min(3, seconds), () => {}); // warm-up, discarded
  await sleep(500);
  const results = [];
  const elapsed = await run(seconds, (r) => results.push(r));
  const ok = results.filter((r) => r.status === 201);
  const errors = results.length - ok.length;
  const latencies = results.map((r) => r.ms);
  const rps = ok.length / elapsed;
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`[w4] throughput: ${connections} buyers at a time for ${seconds} s over ${products.length} products`);
  console.log(`[w4]   ${ok.length} orders in ${elapsed.toFixed(1)} s = ${rps.toFixed(1)} orders/s, p50 ${ms(p50)}, p99 ${ms(p99)}, errors ${errors}`);
  if (errors) console.log(`[w4]   answers: ${histogram(results)}`);
  saveResult(outDir, "w4-throughput", { rps, p50, p99, errors, requests: results.length, seconds: elapsed });
} else {
  fail("usage: checkout.mjs contention | throughput SECONDS");
}
