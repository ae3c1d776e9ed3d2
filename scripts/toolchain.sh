#!/usr/bin/env bash
# Installs everything the worker needs to build and run, idempotently: a second run installs
# nothing. Only crates.io and the npm registry are reachable here, so worker-build's own
# downloads (wasm-bindgen, wasm-opt) are replaced by registry installs (DESIGN §7).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[toolchain] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy: make test runs `cargo fmt --check` and `cargo clippy` before the tests.
missing=()
cargo fmt --version > /dev/null 2>&1 || missing+=(rustfmt)
cargo clippy --version > /dev/null 2>&1 || missing+=(clippy)
if [ "${#missing[@]}" -gt 0 ]; then
  log "adding the rustup components ${missing[*]}"
  rustup component add "${missing[@]}"
fi

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! [ -x "$cargo_bin/worker-build" ]; then
  log "installing worker-build"
  cargo install --locked worker-build --version '^0.8'
fi

# wasm-bindgen-cli must match the wasm-bindgen the lockfile resolved, to the patch version.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$("$cargo_bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  log "installing wasm-bindgen-cli $want (takes 10-15 minutes on 2 cores, once)"
  # Not --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if ! [ -x node_modules/.bin/wrangler ] || ! [ -x node_modules/.bin/wasm-opt ] \
   || ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  log "installing npm packages (wrangler, binaryen, parse, ws, graphql-request, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The web app's own packages (web/package.json and its lock: React, Vite, the parse SDK).
if ! [ -x web/node_modules/.bin/vite ] || ! [ web/node_modules/.package-lock.json -nt web/package-lock.json ]; then
  log "installing the web app's npm packages (web/)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

# The browser the UI tests drive (tests/ui, through playwright-core): Debian's chromium package,
# never a download of its own.
if ! [ -x /usr/bin/chromium ]; then
  log "installing Debian's chromium for the UI tests"
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium > /dev/null
fi

# wrangler dev's proxy answers 503 to requests it failed to forward under load; it retries them
# once patched (the script says why; it does nothing when the patch is in).
node scripts/patch_wrangler.mjs

# The OpenAPI 3 validator that the black-box tests run on /parse/openapi.json: a PyPI package in
# a virtualenv under the git-ignored .cache/, pinned, and reinstalled only when the pin changes.
validator_version=0.9.0
venv=.cache/python
if ! [ -x "$venv/bin/openapi-spec-validator" ] \
   || [ "$(cat "$venv/.openapi-spec-validator" 2>/dev/null)" != "$validator_version" ]; then
  if ! command -v python3 > /dev/null; then
    log "python3 is missing: install Python 3 (with its venv module) to run the OpenAPI validation"
    exit 1
  fi
  log "installing openapi-spec-validator $validator_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-spec-validator==$validator_version"
  echo "$validator_version" > "$venv/.openapi-spec-validator"
fi
