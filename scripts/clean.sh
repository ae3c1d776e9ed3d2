#!/usr/bin/env bash
# `make clean`: removes build output (target/, build/) and wrangler's scratch files. Keeps the
# local database (.wrangler/state), .dev.vars and node_modules: delete those by hand to reset.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo clean
rm -rf build .wrangler/tmp
