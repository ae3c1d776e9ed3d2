#!/usr/bin/env bash
# `make fuzz`: schemathesis (PyPI) generates requests for every operation of the worker's own
# OpenAPI document (/parse/openapi.json) — valid ones, and invalid ones built to break each
# schema — and sends them to a throw-away `wrangler dev`. It passes when no answer is a 5xx and
# the worker never panicked or trapped. Three passes: anonymous (app id only), a signed-in
# buyer, and the master key (whose document also lists the master-only classes).
#
# Each pass runs schemathesis's coverage phase (boundary and type-violating values for every
# parameter and body field), then fuzzes until its time budget is spent.
#
# Knobs: FUZZ_EXAMPLES (cases per operation per fuzzing round, 40), FUZZ_SEED (random unless
# given, so a failure can be replayed), FUZZ_WORKERS (2), FUZZ_MAX_SECONDS (per pass, 150).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

export WRANGLER_SEND_METRICS=false
examples=${FUZZ_EXAMPLES:-40}
seed=${FUZZ_SEED:-$(( RANDOM * 32768 + RANDOM ))}
workers=${FUZZ_WORKERS:-2}
max_seconds=${FUZZ_MAX_SECONDS:-150}

bash scripts/toolchain.sh

# schemathesis in its own virtualenv under the git-ignored .cache/, pinned, reinstalled only
# when the pin changes (its dependencies are heavier than the validator's, and only this target
# needs them).
schemathesis_version=4.32.5
venv=.cache/fuzz
if ! [ -x "$venv/bin/schemathesis" ] \
   || [ "$(cat "$venv/.schemathesis" 2>/dev/null)" != "$schemathesis_version" ]; then
  echo "[fuzz] installing schemathesis $schemathesis_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
  echo "$schemathesis_version" > "$venv/.schemathesis"
fi

echo "[fuzz] building the worker"
bash scripts/build.sh

throwaway_state fuzz

# The fuzzer signs up and logs in from one address far more often than a person would: the
# per-address limits are raised out of its way (they answer 429, never 5xx, either way).
start_throwaway_worker fuzz "$state" \
  --var LOGIN_IP_LIMIT:1000000 --var SIGNUP_IP_LIMIT:1000000 --var TAKEN_NAME_IP_LIMIT:1000000 --var PASSWORD_IP_LIMIT:1000000 --var CHECKOUT_LIMIT:1000000
echo "[fuzz] worker is up at $worker_base; seed $seed, $examples cases per operation and pass"

# A buyer for the signed-in pass.
buyer="fuzz-buyer-$(random_hex 8)"
token=$(curl -s -H "X-Parse-Application-Id: $app_id" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$buyer\",\"password\":\"fuzz-password-1\",\"role\":\"buyer\"}" \
  "$worker_base/users" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(JSON.parse(s).sessionToken??"")})')
if [ -z "$token" ]; then
  echo "[fuzz] could not sign up the buyer of the signed-in pass" >&2
  exit 1
fi

failed=0
fuzz_pass() {
  local name=$1
  shift
  echo
  echo "[fuzz] pass: $name"
  # not_a_server_error: the contract is "a client's mistake is a 4xx, never a 5xx".
  if ! "$venv/bin/schemathesis" run "$worker_base/openapi.json" --url "$worker_base" \
      -H "X-Parse-Application-Id: $app_id" "$@" \
      --checks not_a_server_error --phases examples,coverage,fuzzing \
      --max-examples "$examples" --seed "$seed" --workers "$workers" \
      --max-time "$max_seconds" --request-timeout 30 --no-color \
      --report junit --report-junit-path "$state/$name.xml" --warnings off; then
    failed=1
  fi
}
fuzz_pass anonymous
fuzz_pass signed-in -H "X-Parse-Session-Token: $token"
fuzz_pass master -H "X-Parse-Master-Key: $master_key"

# A panic traps the wasm instance: it shows in the worker's log even when the answer looked fine.
if grep -nE 'panicked at|RuntimeError|Reinitializing Wasm' "$worker_log" | head -n 20; then
  echo "[fuzz] the worker panicked or trapped (lines above, from $worker_log)" >&2
  failed=1
fi
requests=$(grep -c '"requestId"' "$worker_log" || true)
server_errors=$(grep -cE '"status":5[0-9][0-9]' "$worker_log" || true)
echo
echo "[fuzz] seed $seed: $requests requests answered, $server_errors with a 5xx, by the worker's own log"
if [ "$failed" -ne 0 ]; then
  echo "[fuzz] FAILED (replay with FUZZ_SEED=$seed)" >&2
  exit 1
fi
echo "[fuzz] no 5xx, no panic"
