// `make bench-pbkdf2` (scripts/bench_pbkdf2.sh): times PBKDF2-HMAC-SHA256 in wasm, as a Worker
// runs it: the product's password check (`verify_password`, the derivation of a login) against
// the `pbkdf2` crate's `pbkdf2_hmac::<Sha256>`, both compiled to wasm32-unknown-unknown in the
// harness of bench/pbkdf2/lib.rs and run by Node's V8 (workerd's engine). Node's native
// PBKDF2 (OpenSSL, what Web Crypto's deriveBits runs on) is timed beside them as a reference.
//
//   node bench/pbkdf2/run.mjs WASM [LABEL=WASM …]
//
// For each module: WARMUP calls of each implementation, then RUNS rounds in which they take
// turns (so a change in the machine's load weighs on both), then the median of each, and the
// ratio (and the median of each round's own ratio, its two runs having shared the same load).
// Each call is timed in CPU time of the process (what a Worker's CPU limit counts, and less
// disturbed than wall-clock time by other jobs on a shared machine; "best" is the fastest run,
// the figure other jobs disturb least) and in wall-clock time.
// Knobs: ITERATIONS (600000), RUNS (7), WARMUP (2).

import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const iterations = Number(process.env.ITERATIONS ?? 600_000);
const runs = Number(process.env.RUNS ?? 7);
const warmup = Number(process.env.WARMUP ?? 2);
const modules = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  return at > 0 ? { label: arg.slice(0, at), file: arg.slice(at + 1) } : { label: arg, file: arg };
});
if (modules.length === 0 || !(iterations > 0) || !(runs > 0)) {
  console.error('usage: [ITERATIONS=600000] [RUNS=7] node bench/pbkdf2/run.mjs [LABEL=]WASM …');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;

/** Instantiates a module with every import stubbed: the exports timed here call none of them. */
async function load(file) {
  const module = await WebAssembly.compile(readFileSync(file));
  const imports = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`${file}: unexpected ${kind} import ${from}.${name}`);
    imports[from] ??= {};
    imports[from][name] = () => {
      throw new Error(`${from}.${name} called`);
    };
  }
  return (await WebAssembly.instantiate(module, imports)).exports;
}

/** CPU and wall-clock milliseconds of one call. */
function time(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const { user, system } = process.cpuUsage(c0);
  return { cpu: (user + system) / 1000, wall };
}

console.log(
  `PBKDF2-HMAC-SHA256, ${iterations.toLocaleString('en')} iterations, 32-byte output; ` +
    `node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `median of ${runs} alternating runs`,
);
const native = () => pbkdf2Sync('correct horse battery staple', '0123456789abcdef', iterations, 32, 'sha256');

for (const { label, file } of modules) {
  const wasm = await load(file);
  if (wasm.agree(1000) !== 1) throw new Error(`${label}: the product does not accept the pbkdf2 crate's hash`);
  const impls = {
    product: () => wasm.product(iterations),
    'pbkdf2 crate': () => wasm.pbkdf2_crate(iterations),
    'node native': native,
  };
  const times = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  // Warm-up: V8 runs new wasm in its baseline tier and compiles the optimised code in the
  // background; a call uses whichever is ready when it starts.
  for (let w = 0; w < warmup; w++) for (const fn of Object.values(impls)) fn();
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(impls)) times[name].push(time(fn));
  }
  console.log(`\n${label}`);
  const med = {};
  for (const [name, v] of Object.entries(times)) {
    med[name] = { cpu: median(v.map((t) => t.cpu)), wall: median(v.map((t) => t.wall)) };
    const best = Math.min(...v.map((t) => t.cpu));
    console.log(
      `  ${name.padEnd(13)} CPU ${fmt(med[name].cpu).padStart(9)} (best ${fmt(best)})  wall ${fmt(med[name].wall).padStart(9)}` +
        `   CPU of each run: ${v.map((t) => t.cpu.toFixed(0)).join(' ')}`,
    );
  }
  for (const kind of ['cpu', 'wall']) {
    const ratio = med['pbkdf2 crate'][kind] / med.product[kind];
    // Each round's own ratio: its two runs were side by side, under the same load.
    const paired = median(times.product.map((p, r) => times['pbkdf2 crate'][r][kind] / p[kind]));
    console.log(
      `  ${kind === 'cpu' ? 'CPU ' : 'wall'}: the pbkdf2 crate takes ${ratio.toFixed(3)}x the product's time ` +
        `(median of the rounds' own ratios ${paired.toFixed(3)}x); ` +
        `the product takes ${(med.product[kind] / med['node native'][kind]).toFixed(2)}x node's native time`,
    );
  }
}
