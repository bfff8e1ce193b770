#!/usr/bin/env bash
# Runs the Playwright suite (end2end/) against a freshly started debug server
# with its own empty SQLite database, data directories and Redis key prefix.
#
# usage: scripts/e2e.sh [playwright test arguments, e.g. a spec file or --grep]
#   SKIP_BUILD=1          do not run `cargo leptos build` first
#   E2E_READY_TIMEOUT=60  seconds to wait for /readyz
#   E2E_RUST_LOG=info     RUST_LOG of the server
#   REDIS_URL             the Redis to use (default redis://127.0.0.1:6379)
#
# Needs: scripts/ensure-tools.sh --e2e (chromium, end2end/node_modules).
# The server log is kept at target/e2e/server.log after the run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'e2e: %s\n' "$*"; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

BIN="$ROOT/target/debug/tagline"
SITE_ROOT="$ROOT/target/site"
READY_TIMEOUT="${E2E_READY_TIMEOUT:-60}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
ADMIN_USERNAME=admin
ADMIN_PASSWORD=e2e-admin-password

# --- build and preconditions ------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  say "cargo leptos build"
  cargo leptos build
fi
[[ -x $BIN ]] || die "$BIN is missing (run \`cargo leptos build\`)"
[[ -d $SITE_ROOT/pkg ]] || die "$SITE_ROOT/pkg is missing (run \`cargo leptos build\`)"
[[ -x end2end/node_modules/.bin/playwright ]] \
  || die "end2end/node_modules is missing (run scripts/ensure-tools.sh --e2e)"
"$ROOT/scripts/ensure-redis.sh"

# --- cleanup, whatever happens from here on ---------------------------------
TMP="" SERVER_PID="" PW_PID="" PREFIX=""
cleanup() {
  local status=$?
  set +e
  if [[ -n $PW_PID ]] && kill -0 "$PW_PID" 2>/dev/null; then
    say "stopping Playwright"
    kill -TERM "$PW_PID"
    wait "$PW_PID" 2>/dev/null
  fi
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  # Every key the run wrote (sessions, counters) sits under its own prefix.
  if [[ -n $PREFIX ]] && command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --no-auth-warning --scan --pattern "${PREFIX}*" \
      | xargs -r -d '\n' redis-cli -u "$REDIS_URL" --no-auth-warning del >/dev/null
  fi
  if [[ -n $TMP ]]; then
    mkdir -p "$ROOT/target/e2e"
    cp "$TMP/server.log" "$ROOT/target/e2e/server.log" 2>/dev/null
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP="$(mktemp -d "${TMPDIR:-/tmp}/tagline-e2e.XXXXXX")"
mkdir -p "$TMP/data" "$TMP/photos"
LOG="$TMP/server.log"

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  # No python: try random high ports until one refuses a connection.
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "found no free port"
}

# Prints the HTTP status of a GET (000 when nothing answers).
http_status() {
  local url="$1"
  if command -v curl >/dev/null; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true
  elif command -v python3 >/dev/null; then
    python3 - "$url" <<'PY' || true
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
  else
    local hostport="${url#http://}"; hostport="${hostport%%/*}"
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || { echo 000; exit; }
      printf "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
      read -r _ code _ <&3 && echo "$code" || echo 000
    ' _ "$hostport" "/${url#http://*/}" || echo 000
  fi
}

PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
PREFIX="e2e:$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n'):"

# The server's whole configuration, spelled out so that nothing comes from a
# developer's .env: the server also runs with the temp dir as its working
# directory, where no .env is found (dotenv looks in the working directory and
# its parents). The same variables are given to Playwright, so that
# `tagline create-user` run by the specs sees the same database and prefix.
SERVER_ENV=(
  APP_ENV=development
  LISTEN_ADDR="127.0.0.1:$PORT"
  DATA_DIR="$TMP/data"
  PHOTOS_DIR="$TMP/photos"
  DATABASE_URL="sqlite://$TMP/e2e.db?mode=rwc"
  REDIS_URL="$REDIS_URL"
  REDIS_PREFIX="$PREFIX"
  SESSION_IDLE_TIMEOUT=24h
  SESSION_ABSOLUTE_LIFETIME=14d
  TRUST_FORWARDED_FOR=false
  TAGLINE_ADMIN_USERNAME="$ADMIN_USERNAME"
  TAGLINE_ADMIN_PASSWORD="$ADMIN_PASSWORD"
  LEPTOS_OUTPUT_NAME=tagline
  LEPTOS_SITE_ROOT="$SITE_ROOT"
  LEPTOS_SITE_PKG_DIR=pkg
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
  RUST_LOG="${E2E_RUST_LOG:-info}"
)

# --- start the server and wait until it is ready ----------------------------
say "starting $BIN serve on $BASE_URL (data in $TMP, Redis prefix $PREFIX)"
(cd "$TMP" && exec env "${SERVER_ENV[@]}" "$BIN" serve) >"$LOG" 2>&1 &
SERVER_PID=$!

deadline=$(( SECONDS + READY_TIMEOUT ))
status=000
while :; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID" && code=0 || code=$?
    say "the server exited (status $code) before it was ready; last lines of its log:"
    tail -n 60 "$LOG" >&2
    exit 1
  fi
  status="$(http_status "$BASE_URL/readyz")"
  [[ $status == 200 ]] && break
  if (( SECONDS >= deadline )); then
    say "the server was not ready after ${READY_TIMEOUT}s (/readyz: $status); last lines of its log:"
    tail -n 60 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
say "server ready (pid $SERVER_PID)"

# --- run Playwright -----------------------------------------------------------
# In the background and waited for, so that an INT or TERM sent to this script
# runs the cleanup at once (bash defers traps until a foreground child ends);
# the cleanup then stops Playwright too. This is `npx playwright test` without
# npx, which does not pass a TERM on to Playwright.
(
  cd end2end
  exec env "${SERVER_ENV[@]}" \
    BASE_URL="$BASE_URL" \
    E2E_ADMIN_USERNAME="$ADMIN_USERNAME" \
    E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    E2E_REDIS_PREFIX="$PREFIX" \
    E2E_REDIS_URL="$REDIS_URL" \
    E2E_DATABASE_URL="sqlite://$TMP/e2e.db?mode=rwc" \
    E2E_DATA_DIR="$TMP/data" \
    E2E_PHOTOS_DIR="$TMP/photos" \
    E2E_TAGLINE_BIN="$BIN" \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    ./node_modules/.bin/playwright test "$@"
) &
PW_PID=$!
wait "$PW_PID" && pw_status=0 || pw_status=$?
PW_PID=""

if [[ $pw_status != 0 ]]; then
  say "Playwright failed (status $pw_status); last lines of the server log:"
  tail -n 80 "$LOG" >&2
else
  say "Playwright passed"
fi
exit "$pw_status"
