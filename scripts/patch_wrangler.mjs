#!/usr/bin/env node
// Makes wrangler dev's proxy retry a forward to the worker that failed before any answer came
// back, instead of answering the client "503 Your worker restarted mid-request".
//
// Why: `wrangler dev` (4.86) puts a proxy worker in front of the user worker and forwards each
// request over pooled keep-alive connections. When the worker is busy (hashing passwords, or a
// CPU-heavy job beside it), a forward can go out on a connection the other end is closing; the
// fetch then fails with no answer, and the proxy labels it a restart (nothing restarted) and
// answers non-GET requests 503 (workers-sdk issue 14641). Measured here, three waves of 100
// concurrent sign-ups next to two CPU hogs: 20 to 65 of every 100 answered 503; with this
// retry, none of 900, and every retried sign-up answered 201, so the failed forward had not
// reached the worker (a retried sign-up that had would answer 202). Production (Cloudflare's
// network) has no such proxy; this changes only the local dev server.
//
// Run by scripts/toolchain.sh after every npm install; it changes nothing when the patch is
// there already, and only warns when this wrangler's proxy is not the code it knows.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILE = path.join(ROOT, 'node_modules/wrangler/wrangler-dist/ProxyWorker.js');
const MARK = '/* artisan-market: forwards retried (scripts/patch_wrangler.mjs) */';
const ORIGINAL = 'void fetch(userWorkerUrl, new Request(request, { headers })).then(async (res) => {';
// Two retries, 20 and 40 ms apart; every attempt but the last forwards a copy of the request,
// so the last still has its body.
const PATCHED = `${MARK}
      const forward = (attempt) => fetch(userWorkerUrl, new Request(attempt < 3 ? request.clone() : request, { headers }))
        .catch((error) => attempt < 3
          ? new Promise((resolve) => setTimeout(resolve, 20 * attempt)).then(() => forward(attempt + 1))
          : Promise.reject(error));
      void forward(1).then(async (res) => {`;

const source = readFileSync(FILE, 'utf8');
if (source.includes(MARK)) {
  process.exit(0);
}
if (!source.includes(ORIGINAL)) {
  console.warn(`[toolchain] ${path.relative(ROOT, FILE)} is not the proxy scripts/patch_wrangler.mjs knows: left as it is (wrangler dev may answer 503 "worker restarted" under load)`);
  process.exit(0);
}
writeFileSync(FILE, source.replace(ORIGINAL, PATCHED));
console.log('[toolchain] patched wrangler dev\'s proxy to retry failed forwards (scripts/patch_wrangler.mjs)');
