#!/usr/bin/env node
// The final table of scripts/bench.sh, from OUT_DIR/results/*.json (one file per workload), printed
// and written to the path given as the first argument (bench/results/latest.txt).
//
//   workload | req/s | p50 | p99 | errors | round trips | floor | ratio
//
// Ratios: W1 ÷ bare range and W2 ÷ bare key read are req/s (1.00 = as fast as the bare worker);
// W5's is p99 ÷ the bare broadcast's p99 to as many sockets (1.00 = no slower). W4's throughput is
// set beside one bare DO round trip, the least a checkout through the artisan's hub can cost.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const outDir = process.env.OUT_DIR;
const target = process.argv[2];
const load = (key) => {
  const file = join(outDir, "results", `${key}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
};

const num = (v, digits = 0) =>
  v == null || Number.isNaN(v) ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const msf = (v) => (v == null ? "–" : `${num(v, v < 10 ? 1 : 0)} ms`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? "–" : (a / b).toFixed(2));

const rt = load("roundtrips") ?? {};
const w4c = load("w4-contention");
const rows = [];
const row = (label, r, { rps = true, errors, trips = "–", floor = "–", ratioText = "–" } = {}) =>
  rows.push([
    label,
    r && rps ? num(r.rps, r.rps < 100 ? 1 : 0) : "–",
    msf(r?.p50),
    msf(r?.p99),
    errors ?? (r ? num(r.errors) : "not run"),
    trips == null ? "?" : String(trips),
    floor,
    ratioText,
  ]);

const bare = {
  hello: load("bare-hello"),
  d1: load("bare-d1"),
  range: load("bare-range"),
  do: load("bare-do"),
};
const w1 = load("w1");
const w2 = load("w2");
const w4t = load("w4-throughput");
const conns = process.env.CONNS ?? "32";
const loginConns = process.env.LOGIN_CONNS ?? "8";

row(`W1 browse, ${conns} conn`, w1, {
  trips: rt.w1,
  floor: bare.range ? `range ${num(bare.range.rps)}/s` : "–",
  ratioText: ratio(w1?.rps, bare.range?.rps),
});
const w1Logged = load("w1-logged");
row(`W1 browse, every request logged`, w1Logged, {
  trips: rt.w1,
  floor: bare.range ? `range ${num(bare.range.rps)}/s` : "–",
  ratioText: ratio(w1Logged?.rps, bare.range?.rps),
});
row(`W2 get by id, ${conns} conn`, w2, {
  trips: rt.w2,
  floor: bare.d1 ? `key read ${num(bare.d1.rps)}/s` : "–",
  ratioText: ratio(w2?.rps, bare.d1?.rps),
});
row(`W3 login, ${loginConns} conn`, load("w3"), { trips: rt.w3 });
row("W4 checkout, 200 racing for 1", w4c, {
  rps: false,
  errors: w4c ? `${w4c.errors} (${w4c.successes} won)` : "not run",
  trips: rt.w4 == null ? "?" : `${rt.w4} + hub`,
});
row(`W4 checkout, ${conns} buyers`, w4t, {
  trips: rt.w4 == null ? "?" : `${rt.w4} + hub`,
  floor: bare.do ? `DO trip ${num(bare.do.rps)}/s` : "–",
  ratioText: ratio(w4t?.rps, bare.do?.rps),
});
for (const n of [100, 1000]) {
  const w5 = load(`w5-${n}`);
  const b = load(`bare-broadcast-${n}`);
  row(`W5 live fan-out, N=${num(n)}`, w5, {
    rps: false,
    errors: w5 ? `${w5.errors} (${w5.received}/${w5.expected})` : "not run",
    trips: rt.w5 == null ? "?" : `${rt.w5} (PUT)`,
    floor: b ? `bcast p99 ${msf(b.p99)}` : "–",
    ratioText: ratio(w5?.p99, b?.p99),
  });
}
const fileConns = process.env.FILE_CONNS ?? "8";
const mib = (r) => (r ? ` (${num(r.rps, 1)} MiB/s)` : "");
const w6 = { upload: load("w6-upload"), download: load("w6-download"), put: load("bare-put"), get: load("bare-get") };
row(`W6 upload 1 MiB, ${fileConns} conn`, w6.upload, {
  trips: rt.w6 ?? "1 + limiter",
  floor: w6.put ? `R2 put ${num(w6.put.rps, 1)}/s` : "–",
  ratioText: ratio(w6.upload?.rps, w6.put?.rps),
});
row(`W6 download 1 MiB, ${fileConns} conn`, w6.download, {
  trips: 0,
  floor: w6.get ? `R2 get ${num(w6.get.rps, 1)}/s` : "–",
  ratioText: ratio(w6.download?.rps, w6.get?.rps),
});
rows.push(null); // separator: the floor, measured in the same run
row(`bare hello, ${conns} conn`, bare.hello);
row(`bare D1 key read, ${conns} conn`, bare.d1);
row(`bare D1 range query, ${conns} conn`, bare.range);
row(`bare DO round trip, ${conns} conn`, bare.do);
for (const n of [100, 1000]) {
  const b = load(`bare-broadcast-${n}`);
  row(`bare broadcast, N=${num(n)}`, b, { rps: false, errors: b ? `${b.errors} (${b.received}/${b.expected})` : "not run" });
}
row(`bare R2 put 1 MiB, ${fileConns} conn`, w6.put);
row(`bare R2 get 1 MiB, ${fileConns} conn`, w6.get);

const header = ["workload", "req/s", "p50", "p99", "errors", "round trips", "floor", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.filter(Boolean).map((r) => r[i].length)));
const right = new Set([1, 2, 3, 7]);
const line = (cells) =>
  `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
const table = [line(header), rule, ...rows.map((r) => (r ? line(r) : rule))];

const notes = [];
if (w4c) {
  notes.push(
    `W4 contention: ${w4c.successes} of ${w4c.orders} orders won (must be 1), final stock ${w4c.stock} (must be 0): ` +
      `${w4c.ok ? "OK" : "WRONG"}; wall ${msf(w4c.wall)}.`,
  );
}
notes.push(
  "errors: non-2xx answers plus socket errors/timeouts (W4 contention: answers other than 201 or 142 Sold out; " +
    "W5: messages that did not arrive).",
  "round trips: X-D1-Round-Trips of one request of each kind (checkout: the worker's own; the hub's transaction is extra).",
  "ratio: W1, W2, W4, W6 req/s ÷ the floor's req/s; W5 p99 ÷ the bare broadcast's p99.",
  `W6: a 1 MiB PNG per request, so req/s is MiB/s: upload${mib(w6.upload)} beside a bare R2 put of the same body${mib(w6.put)}, ` +
    `download${mib(w6.download)} beside a bare R2 get${mib(w6.get)}. The upload checks the session, counts it against ` +
    "the user's upload limit, sniffs the bytes and registers the file in D1 beside the put; the download streams R2's body " +
    "through (the product's edge cache off, so both read R2 every time).",
  "request log: the product runs with REQUEST_LOG=errors (under wrangler dev each log line goes through wrangler's node " +
    "process); 'W1 browse, every request logged' is the default REQUEST_LOG=all, on a copy of the same data, taking turns with W1.",
);
const meta = process.env.BENCH_META ? [process.env.BENCH_META] : [];
const text = [...meta, "", ...table, "", ...notes].join("\n") + "\n";
process.stdout.write(text);
if (target) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
