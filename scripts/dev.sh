#!/usr/bin/env bash
# `make dev`: installs what is missing, creates .dev.vars once, builds the worker, applies the D1
# migrations to the local state (.wrangler/state), starts `wrangler dev` on the built worker, loads
# the demo data once and keeps serving until Ctrl-C. PORT picks the port (default 8787).
#
# The server runs what scripts/build.sh built, with wrangler.dev.toml (scripts/dev_config.mjs): it
# never builds and watches no sources. After changing the code, `make build` in another terminal
# (wrangler reloads once build/ changes) or run `make dev` again.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

port=${PORT:-8787}
app_id=$(toml_var APP_ID)
mount=$(toml_var MOUNT_PATH)
mount=${mount:-/parse}
base="http://127.0.0.1:$port$mount"
wrangler=node_modules/.bin/wrangler
export WRANGLER_SEND_METRICS=false

bash scripts/toolchain.sh

# Local secrets: created once, never overwritten (wrangler dev reads .dev.vars by itself).
if ! [ -f .dev.vars ]; then
  (umask 077 && printf '# Local secrets for wrangler dev, made by scripts/dev.sh. Never commit.\n' > .dev.vars)
  echo "[dev] created .dev.vars with a random MASTER_KEY and SESSION_SECRET"
fi
for key in MASTER_KEY SESSION_SECRET PAYMENT_WEBHOOK_SECRET; do
  if ! grep -q "^$key=" .dev.vars; then
    printf '%s=%s\n' "$key" "$(random_hex 64)" >> .dev.vars
  fi
done

if ! node -e 'require("net").createServer().listen('"$port"', "127.0.0.1", function () { this.close(); })' 2>/dev/null; then
  echo "[dev] port $port is taken; try PORT=8788 make dev" >&2
  exit 1
fi

# The server runs this build as it is (a compile error shows here, not inside wrangler's output).
bash scripts/build.sh
config=$(dev_config)

if compgen -G 'migrations/*.sql' > /dev/null; then
  # Non-interactive (CI=true, no stdin): wrangler skips its confirmation prompt.
  CI=true "$wrangler" d1 migrations apply DB -c "$config" --local < /dev/null
else
  echo "[dev] no migrations/*.sql yet: the local database stays empty" >&2
fi

# In its own process group (setsid), so stopping the group stops workerd and esbuild with it.
# Mail goes to the dev mailbox (GET $base/dev/outbox with the master key), and its links to this server.
setsid "$wrangler" dev -c "$config" --ip 127.0.0.1 --port "$port" \
  --var MAIL_ADAPTER:dev-outbox --var "PUBLIC_URL:$base" --var DEV_TEST_PAYMENTS:true < /dev/null &
pid=$!
# shellcheck disable=SC2317  # called by the trap below
on_signal() {
  trap - INT TERM
  echo
  echo "[dev] stopping wrangler"
  stop_group "$pid"
  exit 130
}
trap on_signal INT TERM
trap 'stop_group "$pid"' EXIT

if ! wait_health "$base/health" "$app_id" "$pid" "${HEALTH_TIMEOUT:-120}"; then
  exit 1
fi

# The seed reads MASTER_KEY from .dev.vars, as wrangler does, not from this shell.
if ! env -u MASTER_KEY PARSE_URL="$base" APP_ID="$app_id" node scripts/seed.mjs; then
  echo "[dev] loading the demo data failed (see above); the server keeps running" >&2
fi

cat <<EOF

  Artisan market is running at http://127.0.0.1:$port/   (the web app)
  API:         $base
  dev mailbox: http://127.0.0.1:$port/dev/mailbox   (with the master key)
  test payments: on (DEV_TEST_PAYMENTS; "Pay … (test payment)" in My orders)
  app id:      $app_id   (header X-Parse-Application-Id)
  master key:  MASTER_KEY in .dev.vars   (header X-Parse-Master-Key)
  local data:  .wrangler/state   (delete it to start over)
  $(node scripts/seed.mjs --print-logins | sed '2,$s/^/  /')

  Try:
    curl -H 'X-Parse-Application-Id: $app_id' '$base/classes/Product?limit=3'
    curl -H 'X-Parse-Application-Id: $app_id' -H 'Content-Type: application/json' \\
         -d '{"username":"ben","password":"demo-password"}' $base/login

  Ctrl-C stops it.

EOF

# wait returns early when a trapped signal arrives; on_signal then stops the group.
set +e
wait "$pid"
status=$?
trap - EXIT
stop_group "$pid"
exit "$status"
