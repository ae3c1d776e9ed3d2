#!/usr/bin/env bash
# Builds the web app (web/, React + Vite + the Parse SDK) into web/dist, the directory the worker
# serves as static assets (wrangler.toml [assets]). Does nothing when web/dist is newer than every
# input; FORCE_BUILD=1 rebuilds regardless. scripts/build.sh runs it first, so `make build`,
# `make dev`, `make test` and `wrangler deploy` (its [build] command) all build the app.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=web/dist/index.html
inputs=(web/src web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json wrangler.toml)

if [ "${FORCE_BUILD:-0}" != 1 ] && [ -f "$stamp" ] \
   && [ -z "$(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "[build] web/dist is up to date" >&2
  exit 0
fi

if ! [ -x web/node_modules/.bin/vite ]; then
  echo "[build] web/node_modules is missing: run bash scripts/toolchain.sh" >&2
  exit 1
fi
echo "[build] building the web app into web/dist" >&2
(cd web && node_modules/.bin/tsc --noEmit && node_modules/.bin/vite build --logLevel warn)
