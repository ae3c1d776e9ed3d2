// Reads the CPU profiles `wrangler check startup` writes (V8's .cpuprofile: a call tree, the
// node of each sample, the microseconds between samples, the profile's start and end) and prints
// the worker's startup time in local workerd: the wall-clock span of the profiled startup phase
// (evaluating the shim's top level and instantiating the wasm), an upper bound of its CPU time.
// The CPU samples inside it are printed too, but workerd takes only a handful per startup, so
// they are a coarse figure (a run can show none at all); the median over runs is reported.
import { readFileSync } from 'node:fs';

function startupMicros(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const root = profile.nodes.find((n) => !parent.has(n.id));
  // The frame just under the root says whose work a sample is.
  const topFrame = (id) => {
    let current = id;
    while (parent.has(current) && parent.get(current) !== root.id) current = parent.get(current);
    return byId.get(current).callFrame;
  };
  const ours = (frame) =>
    frame.functionName !== '(idle)' &&
    (frame.url === '' || frame.url.endsWith('shim.js') || frame.url.startsWith('wasm://'));
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (ours(topFrame(id))) busy += profile.timeDeltas[i] ?? 0;
  });
  return { busy, span: profile.endTime - profile.startTime };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = process.argv.slice(2).map((file) => startupMicros(JSON.parse(readFileSync(file, 'utf8'))));
const ms = (micros) => (micros / 1000).toFixed(1);
console.log(
  `[deploy] startup: ${ms(median(runs.map((r) => r.span)))} ms ` +
    `(median over ${runs.length} \`wrangler check startup\` profiles in local workerd of the startup phase's wall-clock span: ` +
    `shim top level + wasm instantiation; runs ${runs.map((r) => ms(r.span)).join(' / ')} ms; ` +
    `sampled CPU in it ${ms(median(runs.map((r) => r.busy)))} ms; Cloudflare's limit is 1 s)`,
);
