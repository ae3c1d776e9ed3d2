#!/usr/bin/env bash
# Proves the deployable artefact offline, as part of `make test`: `wrangler deploy --dry-run`
# bundles the built worker exactly as a deploy would, with no account and no network (a broken
# artefact fails here, and so fails `make test`), then reports the bundle's size, raw and
# gzipped, and the worker's startup time from `wrangler check startup`. The startup figure is
# informative: a machine too busy to profile prints "not measured" rather than failing the run.
# Expects the worker built (scripts/build.sh); wrangler's [build] command then does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

wrangler=node_modules/.bin/wrangler
export WRANGLER_SEND_METRICS=false
out=$(mktemp -d "${TMPDIR:-/tmp}/artisan-market-deploy.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "[deploy] wrangler deploy --dry-run --outdir $out/dist"
# Non-interactive (CI=true, no stdin): wrangler asks nothing. --outfile also writes the
# multipart bundle that `wrangler check startup` profiles.
if ! CI=true "$wrangler" deploy --dry-run --outdir "$out/dist" --outfile "$out/worker.bundle" \
     < /dev/null > "$out/deploy.log" 2>&1; then
  cat "$out/deploy.log" >&2
  echo "[deploy] the dry run failed: the worker would not deploy" >&2
  exit 1
fi
# The modules a deploy uploads: the JS and the wasm, not wrangler's README or the source map.
mapfile -t modules < <(find "$out/dist" -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.wasm' \) | sort)
if [ "${#modules[@]}" -eq 0 ] || ! compgen -G "$out/dist/*.wasm" > /dev/null; then
  ls -la "$out/dist" >&2
  echo "[deploy] the dry run wrote no JS and wasm modules" >&2
  exit 1
fi
raw=0
gzipped=0
for module in "${modules[@]}"; do
  raw=$(( raw + $(wc -c < "$module") ))
  gzipped=$(( gzipped + $(gzip -c "$module" | wc -c) ))
done
echo "[deploy] bundle: $raw bytes raw, $gzipped bytes gzipped ($(( raw / 1024 )) KiB / $(( gzipped / 1024 )) KiB; ${#modules[@]} modules: JS + wasm, no source map)"
grep -h 'Total Upload' "$out/deploy.log" | sed 's/^/[deploy] wrangler says: /' || true

# Five profiles (about a second each), as one run on a shared machine can be an outlier; the
# median is printed.
profiles=()
for run in 1 2 3 4 5; do
  profile="$out/startup-$run.cpuprofile"
  if CI=true "$wrangler" check startup --worker "$out/worker.bundle" --outfile "$profile" \
       < /dev/null > "$out/startup-$run.log" 2>&1 && [ -s "$profile" ]; then
    profiles+=("$profile")
  fi
done
if [ "${#profiles[@]}" -eq 0 ]; then
  echo "[deploy] startup: not measured (wrangler check startup failed: $(tail -n 1 "$out/startup-1.log"))"
else
  node scripts/startup_report.mjs "${profiles[@]}" || echo "[deploy] startup: not measured (unreadable profile)"
fi
