#!/usr/bin/env bash
# `make test`: the static checks (cargo fmt --check, cargo clippy with warnings as errors), the
# crate's native tests (cargo test), then the black-box tests (node --test over tests/**/*.test.mjs)
# against a `wrangler dev` with a fresh, throw-away D1 state and random secrets. Exits with the
# first failing stage's status.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

export WRANGLER_SEND_METRICS=false

bash scripts/toolchain.sh

echo "[test] cargo fmt --check"
cargo fmt --all -- --check

echo "[test] cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

# The edge exists only for wasm32, and natively every item looks unused (src/lib.rs): the worker's
# own build is where clippy sees the edge and judges dead code.
echo "[test] cargo clippy --target wasm32-unknown-unknown -- -D warnings"
cargo clippy --target wasm32-unknown-unknown -- -D warnings

echo "[test] cargo test"
cargo test

echo "[test] building the worker"
bash scripts/build.sh

# The deployable artefact, offline: a broken bundle fails here; prints its size and startup time.
bash scripts/deploy_check.sh

# TESTS narrows the black-box run to some files (space-separated paths); empty runs them all.
if [ -n "${TESTS:-}" ]; then
  read -r -a test_files <<< "$TESTS"
else
  mapfile -t test_files < <(find tests -name '*.test.mjs' 2>/dev/null | sort)
fi

throwaway_state test

# Every suite calls from 127.0.0.1, one address doing the work of thousands of clients (hundreds
# of sign-ups, many checkouts and failed logins), so the per-address and per-buyer limits are
# raised far out of reach; they stay on, so every suite still goes through the limiter. The
# account lockout keeps its default: no suite fails five logins on one account.
# tests/http/limits.test.mjs tests the limits on a private worker of its own, and
# tests/http/pending_orders.test.mjs the unpaid-items limit and the lapse of pending orders.
start_throwaway_worker test "$state" \
  --var LOGIN_IP_LIMIT:1000000 --var SIGNUP_IP_LIMIT:1000000 --var TAKEN_NAME_IP_LIMIT:1000000 --var ACCOUNT_MAIL_IP_LIMIT:1000000 --var ACCOUNT_MAIL_LIMIT:1000000 --var PASSWORD_IP_LIMIT:1000000 \
  --var CHECKOUT_LIMIT:1000000 --var UNPAID_ITEMS_LIMIT:1000000 --var FILE_UPLOAD_LIMIT:1000000 \
  --var DEV_TEST_PAYMENTS:true
base=$worker_base
log=$worker_log
echo "[test] worker is up at $base"

if [ "${#test_files[@]}" -eq 0 ]; then
  echo "[test] no tests/**/*.test.mjs files: the worker started and answered /health, no black-box test ran"
  exit 0
fi

export PARSE_URL=$base APP_ID=$app_id MASTER_KEY=$master_key PAYMENT_WEBHOOK_SECRET=$webhook_secret WRANGLER_LOG=$log PARSE_STATE_DIR=$state
# Installed by scripts/toolchain.sh; tests/http/openapi.test.mjs validates the document with it.
export OPENAPI_VALIDATOR=$PWD/.cache/python/bin/openapi-spec-validator
echo "[test] node --test ${test_files[*]}"
set +e
node --test "${test_files[@]}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "[test] node --test failed ($status); last lines of the wrangler log:" >&2
  tail -n 60 "$log" >&2
fi
exit "$status"
