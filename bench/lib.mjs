// Helpers shared by the node parts of the benchmark (seed, checkout, fan-out, round trips).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function fail(message) {
  console.error(`[bench] ${message}`);
  process.exit(1);
}

/** PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR (the run's temp dir), BARE_URL from the environment. */
export function env() {
  const need = (name) => process.env[name] || fail(`${name} is not set`);
  return {
    baseUrl: need("PARSE_URL").replace(/\/+$/, ""),
    appId: need("APP_ID"),
    masterKey: need("MASTER_KEY"),
    outDir: need("OUT_DIR"),
    bareUrl: process.env.BARE_URL,
  };
}

export const pointer = (className, objectId) => ({ __type: "Pointer", className, objectId });

/**
 * A Parse REST caller: call(method, path, body, {master, token, headers, timeoutMs}) answers
 * {status, json, text, headers, ms}. Never throws for a status; a network error or timeout
 * answers status 0, so a load loop counts it as an error and goes on.
 */
export function api(baseUrl) {
  const { appId, masterKey } = env();
  return async (method, path, body, { master = false, token, headers = {}, timeoutMs = 60_000 } = {}) => {
    const t0 = performance.now();
    try {
      const res = await fetch(baseUrl + path, {
        method,
        headers: {
          "X-Parse-Application-Id": appId,
          ...(master ? { "X-Parse-Master-Key": masterKey } : {}),
          ...(token ? { "X-Parse-Session-Token": token } : {}),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers, ms: performance.now() - t0 };
    } catch (e) {
      return { status: 0, json: undefined, text: String(e?.cause?.message ?? e), headers: new Headers(), ms: performance.now() - t0 };
    }
  };
}

/** Runs fn(0..n-1) with at most `concurrency` in flight; answers the results in index order. */
export async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/** The p-th percentile (0–100) of `values` (nearest rank), or null when empty. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const readState = (outDir) => JSON.parse(readFileSync(join(outDir, "state.json"), "utf8"));

/**
 * Writes one result for report.mjs into OUT_DIR/results/<key>.json: {rps, p50, p99 (ms),
 * errors, ...extra}. Missing numbers are null and print as "–".
 */
export function saveResult(outDir, key, result) {
  writeFileSync(join(outDir, "results", `${key}.json`), JSON.stringify(result));
}

export const ms = (v) => (v == null ? "–" : `${v.toFixed(1)} ms`);
