#!/usr/bin/env node
// Pools the wrk runs of one workload (bench/wrk.lua's JSON: requests, seconds, errors, latency
// quantiles) into OUT_DIR/results/KEY.json: {rps, p50, p99 (ms), errors, requests, seconds}.
// scripts/bench.sh runs a workload and its bare floor in alternating slices, so that the load of
// a shared machine drifting during the run weighs on both alike; the slices add up here.
//
//   node bench/merge.mjs KEY SLICE.json...
import { readFileSync } from "node:fs";
import { env, fail, ms, saveResult } from "./lib.mjs";

const [key, ...files] = process.argv.slice(2);
if (!key || files.length === 0) fail("usage: merge.mjs KEY SLICE.json...");
const { outDir } = env();

let requests = 0;
let seconds = 0;
let errors = 0;
let timeouts = 0;
// Each run's 1,000 quantiles stand for a thousandth of its requests each.
const samples = []; // [microseconds, weight]
for (const file of files) {
  const run = JSON.parse(readFileSync(file, "utf8"));
  requests += run.requests;
  seconds += run.seconds;
  errors += run.errors;
  timeouts += run.timeouts;
  for (const us of run.quantiles) samples.push([us, run.requests / run.quantiles.length]);
}
samples.sort((a, b) => a[0] - b[0]);

/** The p-th percentile of the pooled runs, in ms. */
function percentile(p) {
  const total = samples.reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [us, w] of samples) {
    seen += w;
    if (seen >= (p / 100) * total - 1e-9) return us / 1000;
  }
  return samples[samples.length - 1][0] / 1000;
}

const result = { rps: requests / seconds, p50: percentile(50), p99: percentile(99), errors, requests, seconds, timeouts, slices: files.length };
saveResult(outDir, key, result);
console.log(
  `[${key}] ${result.rps.toFixed(1)} req/s, p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, ` +
    `errors ${errors}${timeouts ? ` (${timeouts} timeouts)` : ""}, ${requests} requests in ${seconds.toFixed(1)} s (${files.length} slices)`,
);
