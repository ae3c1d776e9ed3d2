#!/usr/bin/env bash
# `make bench-pbkdf2`: the product's PBKDF2 against the `pbkdf2` crate's, in wasm (not natively,
# where SHA instructions would flatter either). Builds bench/pbkdf2 (a cdylib linking the product
# crate) for wasm32-unknown-unknown with the product's release profile, makes a copy optimised by
# wasm-opt with the flags worker-build gives the product (-O and its feature list), and times both
# with bench/pbkdf2/run.mjs under Node. Knobs: ITERATIONS (600000), RUNS (7).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/toolchain.sh

echo "[bench-pbkdf2] building bench/pbkdf2 for wasm32-unknown-unknown (release)"
cargo build --release --target wasm32-unknown-unknown -p pbkdf2-bench
raw=target/wasm32-unknown-unknown/release/pbkdf2_bench.wasm
opt=target/wasm32-unknown-unknown/release/pbkdf2_bench.opt.wasm
if ! [ "$opt" -nt "$raw" ]; then
  node_modules/.bin/wasm-opt "$raw" -o "$opt" -O \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling
fi

node bench/pbkdf2/run.mjs "as the worker ships it (wasm-opt -O)=$opt" "as rustc emits it=$raw"
