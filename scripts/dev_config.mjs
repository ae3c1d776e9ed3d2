#!/usr/bin/env node
// The wrangler config of the local servers (make dev, make test and the tests' private workers,
// make fuzz, make bench): wrangler.toml without its [build] section, written to the git-ignored
// wrangler.dev.toml beside it, so every relative path in it (main, migrations_dir), the .dev.vars
// wrangler reads and the default local state (.wrangler/state) stay the same.
//
// Why: with a [build] command, `wrangler dev` runs the build at start and then once more when its
// file watcher is ready, whether or not a file changed ("The file src,Cargo.toml changed,
// restarting build..."), and reloads the worker when that second build is done, killing the
// requests in flight ("503 Your worker restarted mid-request"); it does so again at every event in
// the watched paths (an editor, a formatter, a git checkout touching src/). The local servers run
// the worker that scripts/build.sh already built: without [build], wrangler bundles
// build/worker/shim.mjs itself, never builds, and reloads only when build/ changes. `wrangler
// deploy` keeps reading wrangler.toml, [build] included, so a deploy still builds first.
//
// wrangler.toml stays the one source of truth: this file is regenerated from it whenever the two
// differ, and left untouched (not even rewritten) when they agree, because wrangler dev watches
// its config file and a running server would reload on a rewrite.
//
//   node scripts/dev_config.mjs [OUT]   writes OUT (default: wrangler.dev.toml at the repo root)
//                                        and prints its path

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEV_CONFIG = path.join(ROOT, 'wrangler.dev.toml');

/** `toml` without its [build] table and any [build.*] subtable. */
export function withoutBuild(toml) {
  let skip = false;
  const kept = [];
  for (const line of toml.split('\n')) {
    const header = line.match(/^\s*\[\[?\s*([^\]\s]+)\s*\]\]?/);
    if (header) skip = header[1] === 'build' || header[1].startsWith('build.');
    if (!skip) kept.push(line);
  }
  if (/^\s*build\s*=/m.test(kept.join('\n'))) {
    throw new Error('wrangler.toml sets build as an inline table: scripts/dev_config.mjs only removes a [build] section');
  }
  return kept.join('\n');
}

/** Writes the servers' config to `out` when its content would change; answers `out`. */
export function writeDevConfig(out = DEV_CONFIG) {
  const text =
    '# Generated from wrangler.toml by scripts/dev_config.mjs, without [build]: the local servers run\n' +
    '# the worker scripts/build.sh built and never build it. Edit wrangler.toml, not this file.\n' +
    withoutBuild(readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8'));
  let current = null;
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // not written yet
  }
  if (current !== text) {
    // A whole file or none: a wrangler starting meanwhile never reads half of it.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, out);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(writeDevConfig(process.argv[2] ? path.resolve(process.argv[2]) : DEV_CONFIG));
}
