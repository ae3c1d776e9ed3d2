#!/usr/bin/env node
// W5: one write fanned out to N WebSocket clients, and the same for the bare worker's broadcast.
//
//   node bench/fanout.mjs product N   N LiveQuery clients on ws://…/parse (master key), each
//                                     subscribed to one product by objectId; one PUT of it
//   node bench/fanout.mjs bare N      N sockets on the bare worker's /ws; one POST /broadcast
//
// Latency is from the moment the PUT (or POST) is sent to each client's message, all measured in
// this one process. ROUNDS (default 3) writes, one after the other, pooled into p50/p99;
// "received" says how many of the N × ROUNDS messages arrived within EVENT_TIMEOUT_MS.
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR, BARE_URL.
import WebSocket from "ws";
import { api, env, fail, ms, percentile, readState, saveResult, sleep } from "./lib.mjs";

const { baseUrl, bareUrl, appId, masterKey, outDir } = env();
const [target, nArg] = process.argv.slice(2);
const n = Number(nArg);
if (!["product", "bare"].includes(target) || !(n > 0)) fail("usage: fanout.mjs product|bare N");
const rounds = Number(process.env.ROUNDS ?? 3);
const eventTimeoutMs = Number(process.env.EVENT_TIMEOUT_MS ?? 15_000);
const CONNECT_AT_ONCE = 50; // sockets opening at the same time (keeps the handshakes bounded)
const CONNECT_TIMEOUT_MS = 30_000;

const state = target === "product" ? readState(outDir) : null;
const productId = state?.productIds[1];
const wsUrl =
  target === "product"
    ? baseUrl.replace(/^http/, "ws")
    : `${(bareUrl ?? fail("BARE_URL is not set")).replace(/^http/, "ws").replace(/\/+$/, "")}/ws`;

/** Opens one client; resolves once it is ready to receive (subscribed, or just open for bare). */
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const client = { ws, arrived: null, tag: null };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("timed out connecting"));
    }, CONNECT_TIMEOUT_MS);
    const ready = () => {
      clearTimeout(timer);
      resolve(client);
    };
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on("message", (data) => {
      const now = performance.now();
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (target === "product") {
        if (msg.op === "connected") {
          ws.send(JSON.stringify({ op: "subscribe", requestId: 1, query: { className: "Product", where: { objectId: productId } } }));
        } else if (msg.op === "subscribed") {
          ready();
        } else if (msg.op === "update" && client.arrived === null && msg.object?.title === client.tag) {
          client.arrived = now;
        } else if (msg.op === "error") {
          clearTimeout(timer);
          reject(new Error(`live error: ${JSON.stringify(msg)}`));
        }
      } else if (msg.op === "broadcast" && client.arrived === null && msg.tag === client.tag) {
        client.arrived = now;
      }
    });
    ws.on("open", () => {
      if (target === "product") ws.send(JSON.stringify({ op: "connect", applicationId: appId, masterKey }));
      else ready();
    });
  });
}

const connectStart = performance.now();
const clients = [];
for (let i = 0; i < n; i += CONNECT_AT_ONCE) {
  const wave = await Promise.allSettled(Array.from({ length: Math.min(CONNECT_AT_ONCE, n - i) }, open));
  for (const r of wave) {
    if (r.status === "fulfilled") clients.push(r.value);
    else console.log(`[w5] a client failed to connect: ${r.reason?.message ?? r.reason}`);
  }
}
const connectSeconds = (performance.now() - connectStart) / 1000;
console.log(`[w5] ${target}: ${clients.length}/${n} clients ready in ${connectSeconds.toFixed(1)} s`);

const call = target === "product" ? api(baseUrl) : null;
const latencies = [];
let received = 0;
let triggerErrors = 0;
for (let round = 0; round < rounds; round++) {
  const tag = `fanout-${target}-${n}-${round}-${Date.now()}`;
  for (const c of clients) {
    c.arrived = null;
    c.tag = tag;
  }
  await sleep(300); // let the previous round's stragglers drain
  const t0 = performance.now();
  // The write (or broadcast) runs alongside the wait for the messages.
  const trigger =
    target === "product"
      ? call("PUT", `/classes/Product/${productId}`, { title: tag }, { master: true })
      : fetch(`${bareUrl}/broadcast`, { method: "POST", body: JSON.stringify({ op: "broadcast", tag }), signal: AbortSignal.timeout(30_000) })
          .then(async (r) => ({ status: r.status, text: await r.text() }))
          .catch((e) => ({ status: 0, text: String(e) }));
  const deadline = t0 + eventTimeoutMs;
  while (performance.now() < deadline && clients.some((c) => c.arrived === null)) await sleep(5);
  const answer = await trigger;
  if (answer.status !== 200) {
    triggerErrors++;
    console.log(`[w5]   round ${round + 1}: the write answered ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  const got = clients.filter((c) => c.arrived !== null);
  const these = got.map((c) => c.arrived - t0);
  latencies.push(...these);
  received += got.length;
  console.log(`[w5]   round ${round + 1}: ${got.length}/${n} got it, p50 ${ms(percentile(these, 50))}, p99 ${ms(percentile(these, 99))}`);
}

for (const c of clients) c.ws.terminate();
const p50 = percentile(latencies, 50);
const p99 = percentile(latencies, 99);
const expected = n * rounds;
console.log(`[w5] ${target} N=${n}: ${received}/${expected} delivered, p50 ${ms(p50)}, p99 ${ms(p99)}`);
saveResult(outDir, `${target === "product" ? "w5" : "bare-broadcast"}-${n}`, {
  rps: null, p50, p99, errors: expected - received + triggerErrors, received, expected, connected: clients.length, connectSeconds,
});
