#!/usr/bin/env bash
# The [build] command of wrangler.toml: the web app (scripts/build_web.sh), then worker-build with tools from the registries instead of
# the downloads it would otherwise attempt (DESIGN §7).
#
# wrangler dev runs this at every start (and the tests start wrangler), so it does nothing when
# build/worker/shim.mjs is newer than every input. worker-build assembles its output in a staging
# directory and swaps it in only on success, so a shim.mjs that exists came from a finished build.
# FORCE_BUILD=1 rebuilds regardless.
set -euo pipefail
cd "$(dirname "$0")/.."

# The web app first: the worker serves it as static assets, and wrangler checks that their
# directory exists before it runs anything.
bash scripts/build_web.sh

shim=build/worker/shim.mjs
inputs=(src vendor Cargo.toml Cargo.lock .cargo)

if [ "${FORCE_BUILD:-0}" != 1 ] && [ -f "$shim" ] \
   && [ -z "$(find "${inputs[@]}" -newer "$shim" -print -quit 2>/dev/null)" ]; then
  echo "[build] $shim is up to date (FORCE_BUILD=1 rebuilds)" >&2
  exit 0
fi

bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/.bin/esbuild}"

# The shim takes the time the build started, not the time it ended: a source saved while the
# build ran is then newer than the shim, and the next run builds again.
mkdir -p build
stamp=$(mktemp build/.started.XXXXXX)
trap 'rm -f "$stamp"' EXIT
"$bin/worker-build" --release
touch -r "$stamp" "$shim"
