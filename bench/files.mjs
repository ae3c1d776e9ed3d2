#!/usr/bin/env node
// Prepares W6 (files) of scripts/bench.sh: a 1 MiB PNG (a real PNG header, then random bytes
// that no compression shrinks), uploaded once to the product (the file W6's downloads read) and
// once to the bare worker's bucket (its floor's key), and written to OUT_DIR/upload.bin, the
// body of every upload wrk sends. OUT_DIR/files.json names the product's file and the buyer
// whose session uploads.
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR, BARE_URL.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../scripts/png.mjs";
import { env, fail, readState } from "./lib.mjs";

export const SIZE = 1024 * 1024;

const { baseUrl, outDir } = env();
const appId = process.env.APP_ID;
const bareUrl = process.env.BARE_URL;
const header = encodePng(1, 1, () => [0, 0, 0]).subarray(0, 33); // signature and IHDR
const body = Buffer.concat([header, randomBytes(SIZE - header.length)]);
writeFileSync(join(outDir, "upload.bin"), body);

const { buyers } = readState(outDir);
const token = buyers[0].token;
const res = await fetch(`${baseUrl}/files/bench.png`, {
  method: "POST",
  headers: { "X-Parse-Application-Id": appId, "X-Parse-Session-Token": token, "Content-Type": "image/png" },
  body,
});
const text = await res.text();
if (res.status !== 201) fail(`POST /files/bench.png answered ${res.status}: ${text}`);
const { name, url } = JSON.parse(text);
const back = Buffer.from(await (await fetch(url)).arrayBuffer());
if (!back.equals(body)) fail(`GET ${url} did not give the uploaded bytes back`);

const bare = await fetch(`${bareUrl}/r2/put/bench-get`, { method: "POST", headers: { "Content-Type": "image/png" }, body });
if (bare.status !== 201) fail(`bare /r2/put answered ${bare.status}: ${await bare.text()}`);

writeFileSync(join(outDir, "files.json"), JSON.stringify({ name, token, path: new URL(url).pathname, size: SIZE }));
console.log(`[files] 1 MiB uploaded to both workers: ${name}`);
