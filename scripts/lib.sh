# Helpers shared by dev.sh and test.sh; sourced, not run. Expects the repo root as the cwd.
# shellcheck shell=bash

# The value of KEY in wrangler.toml's [vars] table.
toml_var() {
  awk -F'"' -v key="$1" '
    /^[[:space:]]*\[/ { in_vars = ($0 ~ /^[[:space:]]*\[vars\][[:space:]]*$/) }
    in_vars && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { print $2; exit }
  ' wrangler.toml
}

# The wrangler config of every local server: wrangler.toml without [build], as the git-ignored
# wrangler.dev.toml beside it (scripts/dev_config.mjs says why; rewritten only when wrangler.toml
# changed). Prints its path; pass it to wrangler with -c, for `d1 migrations apply` and `dev` alike.
dev_config() {
  node scripts/dev_config.mjs
}

# N hex characters of kernel randomness (N/2 bytes).
random_hex() {
  od -An -vtx1 -N "$(( $1 / 2 ))" /dev/urandom | tr -d ' \n'
}

# A TCP port nobody listens on at 127.0.0.1 right now (the kernel picks it).
free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
  '
}

# wait_health URL APP_ID PID SECONDS: polls URL until it answers 200; fails early when PID
# (the wrangler process) has exited, or after SECONDS.
wait_health() {
  local url=$1 app_id=$2 pid=$3 deadline=$(( SECONDS + $4 )) code
  while (( SECONDS < deadline )); do
    if ! proc_alive "$pid"; then
      echo "wrangler exited before $url answered" >&2
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
      -H "X-Parse-Application-Id: $app_id" "$url" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.5
  done
  echo "no 200 from $url within $4 s (last status: ${code:-none})" >&2
  return 1
}

# True while process PID runs (a zombie waiting to be reaped doesn't count).
proc_alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

# True while a process of group PGID is alive (zombies waiting to be reaped don't count).
group_alive() {
  local pids
  pids=$(pgrep -d, -g "$1") || return 1
  ps -o stat= -p "$pids" | grep -qv '^Z'
}

# stop_group PID: stops the process group that PID leads (wrangler with its workerd and esbuild
# children; start it with setsid): TERM, then KILL whatever is left after 10 s. PID must be a
# child of this shell; it is reaped.
stop_group() {
  local pgid=$1 i
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for (( i = 0; i < 100; i++ )); do
    group_alive "$pgid" || break
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  wait "$pgid" 2>/dev/null || true
}

# throwaway_state NAME: a fresh temporary directory in $state for a throw-away worker's D1 and
# Durable Objects; on exit, whatever happened, the worker of start_throwaway_worker is stopped
# and the directory removed.
throwaway_state() {
  state=$(mktemp -d "${TMPDIR:-/tmp}/artisan-market-$1.XXXXXX")
  worker_pid=
  trap 'if [ -n "$worker_pid" ]; then stop_group "$worker_pid"; fi; rm -rf "$state"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# start_throwaway_worker NAME STATE_DIR [--var NAME:VALUE …]: applies the migrations into
# STATE_DIR, then starts `wrangler dev` on it on a free port of 127.0.0.1, running the worker in
# build/ as it is (the config of dev_config: it never builds, watches no sources), in its own process
# group (setsid, so stop_group takes workerd and esbuild with it), with random secrets and PBKDF2
# at 10,000 iterations to keep sign-ups fast, PUBLIC_URL set to where it listens, and waits
# for /health. Secrets come as --var:
# .dev.vars, if there is one, is the developer's, not the tests'. Sets worker_pid (a child of
# this shell), worker_base (the Parse URL), worker_log, app_id, master_key and webhook_secret;
# NAME prefixes its messages. Exits when the worker does not come up.
start_throwaway_worker() {
  local name=$1 state=$2 port inspector_port wrangler=node_modules/.bin/wrangler mount config
  shift 2
  app_id=$(toml_var APP_ID)
  mount=$(toml_var MOUNT_PATH)
  mount=${mount:-/parse}
  master_key=$(random_hex 64)
  webhook_secret=$(random_hex 64)
  port=$(free_port)
  inspector_port=$(free_port)
  while [ "$inspector_port" = "$port" ]; do inspector_port=$(free_port); done
  worker_log="$state/wrangler.log"
  config=$(dev_config)
  echo "[$name] applying migrations into $state"
  # Non-interactive (CI=true, no stdin): wrangler skips its confirmation prompt.
  CI=true "$wrangler" d1 migrations apply DB -c "$config" --local --persist-to "$state" < /dev/null
  echo "[$name] starting wrangler dev on 127.0.0.1:$port (log: $worker_log)"
  setsid "$wrangler" dev -c "$config" --ip 127.0.0.1 --port "$port" --inspector-port "$inspector_port" \
    --persist-to "$state" --var "PUBLIC_URL:http://127.0.0.1:$port$mount" \
    --var "MASTER_KEY:$master_key" --var "SESSION_SECRET:$(random_hex 64)" \
    --var PBKDF2_ITERATIONS:10000 --var "PAYMENT_WEBHOOK_SECRET:$webhook_secret" \
    --var MAIL_ADAPTER:dev-outbox "$@" < /dev/null > "$worker_log" 2>&1 &
  worker_pid=$!
  worker_base="http://127.0.0.1:$port$mount"
  if ! wait_health "$worker_base/health" "$app_id" "$worker_pid" "${HEALTH_TIMEOUT:-120}"; then
    echo "[$name] wrangler log:" >&2
    cat "$worker_log" >&2
    exit 1
  fi
}
