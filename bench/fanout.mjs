#!/usr/bin/env node
// W5: one write fanned out to N WebSocket clients, beside the bare worker's broadcast to N.
//
//   node bench/fanout.mjs N
//
// Opens N LiveQuery clients on ws://…/parse (connect with the master key, then subscribe to one
// product by objectId) and N sockets on the bare worker's /ws. Then, taking turns: one PUT of the
// product (every client should get an `update`), one POST /broadcast (every bare socket gets the
// message). Latency runs from the moment the PUT (or POST) is sent to each client's message, all
// measured in this one process. The first turn of each is a warm-up, shown but not counted; then
// ROUNDS (default 5) turns each are pooled into p50/p99. "received" counts the messages of the
// counted turns that arrived within EVENT_TIMEOUT_MS.
//
// Environment: PARSE_URL, APP_ID, MASTER_KEY, OUT_DIR (with state.json), BARE_URL.
import WebSocket from "ws";
import { api, env, fail, ms, percentile, readState, saveResult, sleep } from "./lib.mjs";

const { baseUrl, bareUrl, appId, masterKey, outDir } = env();
const n = Number(process.argv[2]);
if (!(n > 0)) fail("usage: fanout.mjs N");
if (!bareUrl) fail("BARE_URL is not set");
const rounds = Number(process.env.ROUNDS ?? 5);
const eventTimeoutMs = Number(process.env.EVENT_TIMEOUT_MS ?? 15_000);
const CONNECT_AT_ONCE = 50; // sockets opening at the same time (keeps the handshakes bounded)
const CONNECT_TIMEOUT_MS = 30_000;

const productId = readState(outDir).productIds[1];
const call = api(baseUrl);

const targets = {
  product: {
    url: baseUrl.replace(/^http/, "ws"),
    label: "product LiveQuery",
    // The master key sees every field, so each update carries the title this turn wrote.
    onOpen: (ws) => ws.send(JSON.stringify({ op: "connect", applicationId: appId, masterKey })),
    onMessage(ws, msg, client, ready, failed) {
      if (msg.op === "connected") {
        ws.send(JSON.stringify({ op: "subscribe", requestId: 1, query: { className: "Product", where: { objectId: productId } } }));
      } else if (msg.op === "subscribed") ready();
      else if (msg.op === "error") failed(new Error(`live error: ${JSON.stringify(msg)}`));
      else if (msg.op === "update" && msg.object?.title === client.tag) return true;
      return false;
    },
    trigger: (tag) => call("PUT", `/classes/Product/${productId}`, { title: tag }, { master: true, timeoutMs: 30_000 }),
  },
  bare: {
    url: `${bareUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/ws`,
    label: "bare broadcast",
    onOpen: (_ws, ready) => ready(),
    onMessage: (_ws, msg, client) => msg.op === "broadcast" && msg.tag === client.tag,
    trigger: (tag) =>
      fetch(`${bareUrl}/broadcast`, { method: "POST", body: JSON.stringify({ op: "broadcast", tag }), signal: AbortSignal.timeout(30_000) })
        .then(async (r) => ({ status: r.status, text: await r.text() }))
        .catch((e) => ({ status: 0, text: String(e) })),
  },
};

/** Opens one client of `target`; resolves once it is ready to receive. */
function open(target) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url, { perMessageDeflate: false });
    const client = { ws, arrived: null, tag: null };
    const timer = setTimeout(() => failed(new Error("timed out connecting")), CONNECT_TIMEOUT_MS);
    const ready = () => {
      clearTimeout(timer);
      resolve(client);
    };
    function failed(e) {
      clearTimeout(timer);
      ws.terminate();
      reject(e);
    }
    ws.on("error", failed);
    ws.on("open", () => target.onOpen(ws, ready));
    ws.on("message", (data) => {
      const now = performance.now();
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (target.onMessage(ws, msg, client, ready, failed) && client.arrived === null) client.arrived = now;
    });
  });
}

async function connectAll(target) {
  const started = performance.now();
  const clients = [];
  for (let i = 0; i < n; i += CONNECT_AT_ONCE) {
    const wave = await Promise.allSettled(Array.from({ length: Math.min(CONNECT_AT_ONCE, n - i) }, () => open(target)));
    for (const r of wave) {
      if (r.status === "fulfilled") clients.push(r.value);
      else console.log(`[w5]   a ${target.label} client failed to connect: ${r.reason?.message ?? r.reason}`);
    }
  }
  console.log(`[w5] ${target.label}: ${clients.length}/${n} clients ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return clients;
}

/** One turn: the write, then the wait for every client's message (bounded). */
async function turn(name, clients, round) {
  const target = targets[name];
  const tag = `fanout-${name}-${n}-${round}-${Date.now()}`;
  for (const c of clients) {
    c.arrived = null;
    c.tag = tag;
  }
  const t0 = performance.now();
  const answer = target.trigger(tag); // runs alongside the wait
  const deadline = t0 + eventTimeoutMs;
  while (performance.now() < deadline && clients.some((c) => c.arrived === null)) await sleep(2);
  const { status, text } = await answer;
  const latencies = clients.filter((c) => c.arrived !== null).map((c) => c.arrived - t0);
  const what = round === 0 ? "warm-up" : `round ${round}`;
  console.log(
    `[w5]   ${target.label.padEnd(17)} ${what}: ${latencies.length}/${n} got it, ` +
      `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}` +
      (status === 200 ? "" : `; the write answered ${status} ${text.slice(0, 200)}`),
  );
  return { latencies, failedWrite: status !== 200 };
}

const clients = { product: await connectAll(targets.product), bare: await connectAll(targets.bare) };
const pooled = { product: { latencies: [], failedWrites: 0 }, bare: { latencies: [], failedWrites: 0 } };
for (let round = 0; round <= rounds; round++) {
  for (const name of ["product", "bare"]) {
    await sleep(300); // the previous turn's stragglers drain; each turn starts from quiet
    const r = await turn(name, clients[name], round);
    if (round === 0) continue;
    pooled[name].latencies.push(...r.latencies);
    if (r.failedWrite) pooled[name].failedWrites++;
  }
}
for (const c of [...clients.product, ...clients.bare]) c.ws.terminate();

for (const name of ["product", "bare"]) {
  const { latencies, failedWrites } = pooled[name];
  const expected = n * rounds;
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`[w5] ${targets[name].label} N=${n}: ${latencies.length}/${expected} delivered, p50 ${ms(p50)}, p99 ${ms(p99)}`);
  saveResult(outDir, `${name === "product" ? "w5" : "bare-broadcast"}-${n}`, {
    rps: null, p50, p99, errors: expected - latencies.length + failedWrites, received: latencies.length, expected,
  });
}
