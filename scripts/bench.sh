#!/usr/bin/env bash
# `make bench`: the performance model of DESIGN §9, measured. Starts the product (bench mode) and
# the bare companion worker of bench/bare side by side under `wrangler dev`, each on a free port
# with a fresh temporary D1 state; seeds a fixed dataset (50 artisans, 5,000 products, 500
# buyers); runs the workloads W1–W5 and the bare floor one after the other; prints one table and
# writes it to bench/results/latest.txt. Stops both servers and deletes the state whatever happens.
#
# Knobs (environment): BENCH_SECONDS (10, each load run), BENCH_WARMUP (3, discarded run before
# each), BENCH_CONNS (32), LOGIN_CONNS (8), LOGIN_SECONDS (10), FANOUT_ROUNDS (3), BENCH_LOG_LEVEL
# (warn), HEALTH_TIMEOUT.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

seconds=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-3}
conns=${BENCH_CONNS:-32}
login_conns=${LOGIN_CONNS:-8}
login_seconds=${LOGIN_SECONDS:-10}
export ROUNDS=${FANOUT_ROUNDS:-3}
# wrangler's own line per request costs the dev server about half its hello throughput: it is
# tooling, not the worker, so both servers log warnings and errors only.
log_level=${BENCH_LOG_LEVEL:-warn}
wrangler=$PWD/node_modules/.bin/wrangler
export WRANGLER_SEND_METRICS=false
started=$SECONDS
say() { printf '[bench %3ds] %s\n' "$(( SECONDS - started ))" "$*"; }

# 1. Tools: wrk from Debian, and the project's own toolchain (both skip what is installed).
if ! command -v wrk > /dev/null; then
  say "installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk > /dev/null
fi
bash scripts/toolchain.sh
say "building the worker"
bash scripts/build.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/artisan-market-bench.XXXXXX")
mkdir -p "$tmp/results"
product_pid=
bare_pid=
# shellcheck disable=SC2317  # called by the trap below
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for name in product bare; do
      if [ -f "$tmp/$name.log" ]; then
        echo "[bench] failed ($status); last lines of the $name worker's log:" >&2
        tail -n 30 "$tmp/$name.log" >&2
      fi
    done
  fi
  if [ -n "$product_pid" ]; then stop_group "$product_pid"; fi
  if [ -n "$bare_pid" ]; then stop_group "$bare_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2. Snapshots of both workers, so nothing can change under a run: the product's config loses its
#    [build] section (wrangler dev would otherwise rebuild when someone saves a file in src/), and
#    wrangler's scratch files land in the temp dir, not in the repository.
mkdir -p "$tmp/product"
cp -r build migrations "$tmp/product/"
awk '/^[[:space:]]*\[/ { skip = ($0 ~ /^[[:space:]]*\[build\]/) } !skip' wrangler.toml > "$tmp/product/wrangler.toml"
cp -r bench/bare "$tmp/bare"

# start_worker NAME PORT STATE_DIR [--var …]: wrangler dev in its own process group (setsid, so
# stop_group takes workerd with it), logging to $tmp/NAME.log; sets worker_pid (a child of this
# shell, so stop_group can reap it).
start_worker() {
  local name=$1 port=$2 state=$3 inspector
  shift 3
  inspector=$(free_port)
  while [ "$inspector" = "$port" ]; do inspector=$(free_port); done
  setsid "$wrangler" dev -c "$tmp/$name/wrangler.toml" --ip 127.0.0.1 --port "$port" \
    --inspector-port "$inspector" --persist-to "$state" --log-level "$log_level" "$@" \
    < /dev/null > "$tmp/$name.log" 2>&1 &
  worker_pid=$!
}

# 3. The product: fresh D1 with the migrations, bench mode on (X-D1-Round-Trips), random secrets,
#    PBKDF2 at its default (600k) iterations.
app_id=$(toml_var APP_ID)
mount=$(toml_var MOUNT_PATH)
mount=${mount:-/parse}
master_key=$(random_hex 64)
CI=true "$wrangler" d1 migrations apply DB --local --persist-to "$tmp/product-state" \
  -c "$tmp/product/wrangler.toml" < /dev/null > "$tmp/migrations.log" 2>&1 \
  || { cat "$tmp/migrations.log" >&2; exit 1; }
product_port=$(free_port)
say "starting the product on 127.0.0.1:$product_port"
start_worker product "$product_port" "$tmp/product-state" \
  --var BENCH_MODE:true --var "MASTER_KEY:$master_key" --var "SESSION_SECRET:$(random_hex 64)"
product_pid=$worker_pid
product_url="http://127.0.0.1:$product_port$mount"
wait_health "$product_url/health" "$app_id" "$product_pid" "${HEALTH_TIMEOUT:-120}"

export PARSE_URL=$product_url APP_ID=$app_id MASTER_KEY=$master_key OUT_DIR=$tmp
say "seeding: 50 artisans, 5,000 products, 500 buyers (sign-ups hash at 600k: about 2–3 minutes)"
node bench/seed.mjs
password=$(node -p 'require(process.argv[1]).password' "$tmp/state.json")

# 4. The bare worker, with the same 5,000 rows (objectId, price, createdAt) in its own D1.
say "starting the bare worker"
CI=true "$wrangler" d1 migrations apply DB --local --persist-to "$tmp/bare-state" \
  -c "$tmp/bare/wrangler.toml" < /dev/null > "$tmp/migrations.log" 2>&1 \
  || { cat "$tmp/migrations.log" >&2; exit 1; }
CI=true "$wrangler" d1 execute DB --local --persist-to "$tmp/bare-state" -c "$tmp/bare/wrangler.toml" \
  --file "$tmp/bare-seed.sql" < /dev/null > "$tmp/migrations.log" 2>&1 \
  || { cat "$tmp/migrations.log" >&2; exit 1; }
bare_port=$(free_port)
start_worker bare "$bare_port" "$tmp/bare-state"
bare_pid=$worker_pid
bare_url="http://127.0.0.1:$bare_port"
export BARE_URL=$bare_url
wait_health "$bare_url/hello" "$app_id" "$bare_pid" "${HEALTH_TIMEOUT:-120}"

# 5. D1 round trips per request, from the bench-mode header.
say "D1 round trips per request"
node bench/roundtrips.mjs

# load KEY MODE URL CONNECTIONS SECONDS: a discarded warm-up run, then the measured one (its
# summary goes to $tmp/results/KEY.json). `timeout` bounds wrk even if a server hangs.
load() {
  local key=$1 mode=$2 url=$3 c=$4 s=$5
  local -a run=(wrk -t 2 -c "$c" --timeout 30s -s bench/wrk.lua)
  say "$key: $mode $url, $c connections, ${s} s"
  export WRK_MODE=$mode WRK_APP_ID=$app_id WRK_MOUNT=$mount WRK_IDS=$tmp/product-ids.txt \
    WRK_USERS=$tmp/buyers.txt WRK_PASSWORD=$password
  WRK_OUT= timeout $(( warmup + 40 )) "${run[@]}" -d "${warmup}s" "$url" > /dev/null
  WRK_OUT=$tmp/results/$key.json timeout $(( s + 40 )) "${run[@]}" -d "${s}s" "$url" | grep '^\[wrk\]'
}

# A workload that fails (or hits its timeout) is reported and shows as "not run" in the table;
# the others still run, and the script exits 1 at the end.
failed=0
step() {
  "$@" || { say "FAILED ($?): $*"; failed=1; }
}

# 6. The workloads, one at a time (two cores: anything alongside would be measured too), each
#    next to its floor.
step load w1 browse "$product_url/classes/Product" "$conns" "$seconds"
step load bare-range bare-range "$bare_url/range" "$conns" "$seconds"
step load w2 get "$product_url/classes/Product" "$conns" "$seconds"
step load bare-d1 bare-d1 "$bare_url/d1" "$conns" "$seconds"
step load bare-hello plain "$bare_url/hello" "$conns" "$seconds"
step load bare-do plain "$bare_url/do" "$conns" "$seconds"
step load w3 login "$product_url/login" "$login_conns" "$login_seconds"

say "w4: checkout under contention"
step timeout 120 node bench/checkout.mjs contention
say "w4: checkout throughput, $conns buyers, ${seconds} s"
CONNECTIONS=$conns step timeout $(( seconds + 90 )) node bench/checkout.mjs throughput "$seconds"

for n in 100 1000; do
  say "w5: live fan-out to $n clients (product, then bare)"
  step timeout 180 node bench/fanout.mjs product "$n"
  step timeout 180 node bench/fanout.mjs bare "$n"
done

# 7. The table.
export CONNS=$conns LOGIN_CONNS=$login_conns
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- src Cargo.toml Cargo.lock; then commit="$commit + uncommitted changes"; fi
BENCH_META="artisan-market bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit; $(nproc) cores, \
load average $(cut -d' ' -f1-3 /proc/loadavg); wrangler $("$wrangler" --version 2>/dev/null | tail -n 1); \
${seconds} s per run after a ${warmup} s warm-up, wrangler --log-level $log_level"
export BENCH_META
echo
node bench/report.mjs bench/results/latest.txt
say "done; the table is in bench/results/latest.txt"
exit "$failed"
