#!/usr/bin/env bash
# `make fmt`: formats the Rust code (rustfmt's defaults). CHECK=1 only reports, for CI-style checks.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CHECK:-0}" = 1 ]; then
  cargo fmt --all -- --check
else
  cargo fmt --all
fi
