#!/usr/bin/env bash
# `make bench`: the performance model of DESIGN §9, measured. Starts the product (bench mode) and
# the bare companion worker of bench/bare side by side under `wrangler dev`, each on a free port;
# seeds a fixed dataset (50 artisans, 5,000 products, 500 buyers) into a fresh temporary D1 and
# gives the bare worker a copy of it; runs the workloads W1–W5 and the bare floor one after the other; prints one table and
# writes it to bench/results/latest.txt. Stops both servers and deletes the state whatever happens.
#
# Knobs (environment): BENCH_SECONDS (20, each workload), BENCH_WARMUP (3, a discarded run
# before each), BENCH_SLICES (10: a workload and its floor alternate in 10 slices of 2 s; with 5,
# the ratios of W1 and W2 spread over several per cent from run to run), BENCH_CONNS (32),
# LOGIN_CONNS (8), LOGIN_SECONDS (10), FANOUT_ROUNDS (10), FILE_CONNS (8), FILE_SECONDS (10),
# BENCH_LOG_LEVEL (warn), HEALTH_TIMEOUT (120).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

seconds=${BENCH_SECONDS:-20}
warmup=${BENCH_WARMUP:-3}
conns=${BENCH_CONNS:-32}
slices=${BENCH_SLICES:-10}
login_conns=${LOGIN_CONNS:-8}
login_seconds=${LOGIN_SECONDS:-10}
# W6 moves 1 MiB per request: fewer connections and seconds keep what the uploads leave in the
# two local buckets to a few hundred MiB.
file_conns=${FILE_CONNS:-8}
file_seconds=${FILE_SECONDS:-10}
export ROUNDS=${FANOUT_ROUNDS:-10}
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
# What was built, for the table's heading.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- src Cargo.toml Cargo.lock; then
  commit="$commit + uncommitted changes"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/artisan-market-bench.XXXXXX")
mkdir -p "$tmp/results" "$tmp/raw"
product_pid=
bare_pid=
logged_pid=
# shellcheck disable=SC2317  # called by the trap below
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for name in product logged bare; do
      if [ -f "$tmp/$name.log" ]; then
        echo "[bench] failed ($status); last lines of the $name worker's log:" >&2
        # Without the warning offline wrangler repeats (it cannot fetch Request.cf).
        grep -vE 'Request\.cf|ENOTFOUND workers\.cloudflare\.com|GetAddrInfoReqWrap' "$tmp/$name.log" | tail -n 30 >&2 || true
      fi
    done
  fi
  if [ -n "$product_pid" ]; then stop_group "$product_pid"; fi
  if [ -n "$bare_pid" ]; then stop_group "$bare_pid"; fi
  if [ -n "$logged_pid" ]; then stop_group "$logged_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2. Snapshots of both workers, so nothing can change under a run: the product's config is the
#    local servers' one, without [build] (scripts/dev_config.mjs: wrangler dev would otherwise
#    build again and reload once started, and rebuild when someone saves a file in src/), and
#    wrangler's scratch files land in the temp dir, not in the repository.
mkdir -p "$tmp/product"
cp -r build migrations "$tmp/product/"
node scripts/dev_config.mjs "$tmp/product/wrangler.toml" > /dev/null
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
#    PBKDF2 at its default (600k) iterations. The abuse limits stay on, so their cost is measured,
#    but the two a benchmark would hit from its one address are raised out of reach: the seed
#    signs up 500 buyers from 127.0.0.1 (SIGNUP_IP_LIMIT) and W4 has each buyer check out many
#    times a minute (CHECKOUT_LIMIT). W3's logins all succeed, so neither the lockout nor the
#    failed-login limit per address is ever near: they keep their defaults.
#    The request log is set to errors only (REQUEST_LOG=errors): under wrangler dev every log line
#    goes from workerd's stdout through wrangler's node process, which cost about a quarter of
#    the browse throughput in profiles. That is the dev tool's log pipe, as wrangler's own
#    per-request line is (see log_level above), so the workloads measure the worker without it,
#    and W1 runs a second time on a copy of the product that logs every request (the default),
#    so the table shows what the log costs here.
app_id=$(toml_var APP_ID)
mount=$(toml_var MOUNT_PATH)
mount=${mount:-/parse}
master_key=$(random_hex 64)
CI=true "$wrangler" d1 migrations apply DB --local --persist-to "$tmp/product-state" \
  -c "$tmp/product/wrangler.toml" < /dev/null > "$tmp/migrations.log" 2>&1 \
  || { cat "$tmp/migrations.log" >&2; exit 1; }
product_port=$(free_port)
say "starting the product on 127.0.0.1:$product_port"
# W4's buyers place hundreds of orders each and never pay: the unpaid-items limit (a real buyer
# holds at most 20 units) is off, so W4 measures checkout, not that limit's refusals.
start_worker product "$product_port" "$tmp/product-state" \
  --var BENCH_MODE:true --var "MASTER_KEY:$master_key" --var "SESSION_SECRET:$(random_hex 64)" \
  --var SIGNUP_IP_LIMIT:1000000 --var TAKEN_NAME_IP_LIMIT:1000000 --var PASSWORD_IP_LIMIT:1000000 --var CHECKOUT_LIMIT:1000000 \
  --var REQUEST_LOG:errors --var UNPAID_ITEMS_LIMIT:0 --var FILE_UPLOAD_LIMIT:1000000 \
  --var FILE_EDGE_CACHE:false
product_pid=$worker_pid
product_url="http://127.0.0.1:$product_port$mount"
wait_health "$product_url/health" "$app_id" "$product_pid" "${HEALTH_TIMEOUT:-120}"

export PARSE_URL=$product_url APP_ID=$app_id MASTER_KEY=$master_key OUT_DIR=$tmp
say "seeding: 50 artisans, 5,000 products, 500 buyers (sign-ups hash at 600k: about 2–3 minutes)"
node bench/seed.mjs
password=$(node -p 'require(process.argv[1]).password' "$tmp/state.json")

# The product again, every request logged, on a copy of the seeded state (nothing writes to it
# once the seed is done, so the copy, WAL included, is consistent); it serves W1 only and stops
# after it.
cp -a "$tmp/product-state" "$tmp/logged-state"
cp -r "$tmp/product" "$tmp/logged"
logged_port=$(free_port)
say "starting a copy of the product that logs every request, on 127.0.0.1:$logged_port"
start_worker logged "$logged_port" "$tmp/logged-state" \
  --var BENCH_MODE:true --var "MASTER_KEY:$master_key" --var "SESSION_SECRET:$(random_hex 64)" \
  --var REQUEST_LOG:all
logged_pid=$worker_pid
logged_url="http://127.0.0.1:$logged_port$mount"
wait_health "$logged_url/health" "$app_id" "$logged_pid" "${HEALTH_TIMEOUT:-120}"

# 4. The bare worker, on another copy of the seeded state: its floor queries run over the very
#    rows and pages W1 and W2 read (with a table of its own, the floor's rows would be narrower
#    than the product's, and its range query about 10 % cheaper than the same query on them).
say "starting the bare worker"
cp -a "$tmp/product-state" "$tmp/bare-state"
bare_port=$(free_port)
start_worker bare "$bare_port" "$tmp/bare-state"
bare_pid=$worker_pid
bare_url="http://127.0.0.1:$bare_port"
export BARE_URL=$bare_url
wait_health "$bare_url/hello" "$app_id" "$bare_pid" "${HEALTH_TIMEOUT:-120}"

# 5. D1 round trips per request, from the bench-mode header.
say "D1 round trips per request"
node bench/roundtrips.mjs

# wrk_run MODE URL CONNECTIONS SECONDS OUT: one wrk run of bench/wrk.lua (OUT empty: discarded).
# `timeout` bounds wrk even if a server hangs.
# shellcheck disable=SC2317  # wrk_run and load are called through step below
wrk_run() {
  WRK_MODE=$1 WRK_OUT=$5 WRK_APP_ID=$app_id WRK_MOUNT=$mount WRK_IDS=$tmp/product-ids.txt \
    WRK_USERS=$tmp/buyers.txt WRK_PASSWORD=$password \
    timeout $(( $4 + 40 )) wrk -t 2 -c "$3" --timeout 30s -d "${4}s" -s bench/wrk.lua "$2" > /dev/null
}

# load SLICES CONNECTIONS SECONDS KEY MODE URL [KEY MODE URL]: a discarded warm-up of each, then
# SECONDS of each in SLICES alternating slices (a workload and its floor take turns, so a change
# in the machine's load weighs on both), pooled by bench/merge.mjs into $tmp/results/KEY.json.
# shellcheck disable=SC2317
load() {
  local slices=$1 c=$2 s=$3 i k
  shift 3
  local -a keys=() modes=() urls=()
  while [ $# -gt 0 ]; do keys+=("$1") modes+=("$2") urls+=("$3"); shift 3; done
  local slice=$(( s / slices > 0 ? s / slices : 1 ))
  say "${keys[*]}: $c connections, ${s} s each in $slices slice(s), after ${warmup} s of warm-up"
  for k in "${!keys[@]}"; do wrk_run "${modes[k]}" "${urls[k]}" "$c" "$warmup" "" || return 1; done
  for (( i = 1; i <= slices; i++ )); do
    for k in "${!keys[@]}"; do
      wrk_run "${modes[k]}" "${urls[k]}" "$c" "$slice" "$tmp/raw/${keys[k]}.$i.json" || return 1
    done
  done
  for k in "${!keys[@]}"; do node bench/merge.mjs "${keys[k]}" "$tmp/raw/${keys[k]}".*.json || return 1; done
}

# A workload that fails (or hits its timeout) is reported and shows as "not run" in the table;
# the others still run, and the script exits 1 at the end.
failed=0
step() {
  "$@" || { say "FAILED ($?): $*"; failed=1; }
}

# 6. The workloads, one at a time (two cores: anything alongside would be measured too), each
#    next to its floor.
step load "$slices" "$conns" "$seconds" \
  w1 browse "$product_url/classes/Product" w1-logged browse "$logged_url/classes/Product" \
  bare-range bare-range "$bare_url/range"
stop_group "$logged_pid"
logged_pid=
step load "$slices" "$conns" "$seconds" \
  w2 get "$product_url/classes/Product" bare-d1 bare-d1 "$bare_url/d1"
step load "$slices" "$conns" "$seconds" \
  bare-hello plain "$bare_url/hello" bare-do plain "$bare_url/do"
# Logins take seconds each at 8 connections: one slice, or each cut would drop 8 of them.
step load 1 "$login_conns" "$login_seconds" w3 login "$product_url/login"
sleep 3 # the logins wrk left in flight still hash; let them finish before W4

say "w4: checkout under contention"
step timeout 120 node bench/checkout.mjs contention
say "w4: checkout throughput, $conns buyers, ${seconds} s"
CONNECTIONS=$conns step timeout $(( seconds + 90 )) node bench/checkout.mjs throughput "$seconds"

for n in 100 1000; do
  say "w5: one write to $n live clients, and the bare broadcast to $n sockets, taking turns"
  step timeout 300 node bench/fanout.mjs "$n"
done

# W6: files. The product's edge cache is off (FILE_EDGE_CACHE=false above): the bare get reads R2
# every time, so the product's download does too.
say "w6: 1 MiB uploads and downloads, beside bare R2 puts and gets"
if step node bench/files.mjs; then
  export WRK_BODY=$tmp/upload.bin
  WRK_TOKEN=$(node -p 'require(process.argv[1]).token' "$tmp/files.json")
  file_path=$(node -p 'require(process.argv[1]).path' "$tmp/files.json")
  export WRK_TOKEN
  step load 5 "$file_conns" "$file_seconds" \
    w6-upload upload "$product_url/files/bench.png" bare-put bare-put "$bare_url/r2/put"
  step load 5 "$file_conns" "$file_seconds" \
    w6-download plain "http://127.0.0.1:$product_port$file_path" bare-get plain "$bare_url/r2/get/bench-get"
fi

# 7. The table.
export CONNS=$conns LOGIN_CONNS=$login_conns FILE_CONNS=$file_conns
BENCH_META="artisan-market bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit; $(nproc) cores, \
load average $(cut -d' ' -f1-3 /proc/loadavg); wrangler $("$wrangler" --version 2>/dev/null | tail -n 1); \
${seconds} s per workload (in $slices slices alternating with its floor) after a ${warmup} s warm-up; \
wrangler --log-level $log_level"
export BENCH_META
echo
node bench/report.mjs bench/results/latest.txt
say "done; the table is in bench/results/latest.txt"
exit "$failed"
