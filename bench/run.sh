#!/usr/bin/env bash
# The load benchmark of Tagline (`make bench`; never part of `make test`).
#
# Runs the release build against a SQLite database seeded with
# $BENCH_PHOTOS synthetic photos (default 100,000) and the local Redis, and
# drives it with wrk at $BENCH_CONNECTIONS connections (default 32) as a
# signed-in browser (session cookie). On the same instance: API token
# rotations (each client its own family, then many clients racing on one
# token), bearer-checked against unchecked photo reads (the `bench` build's
# twin route), sign-ins, the gallery under a storm of 200 sign-ins, and the
# admin's sessions page over 10,000 live sessions. Then times rescans on a
# second, fresh instance: 1,000 new camera-sized JPEGs, and an unchanged
# library of 10,000. Prints the tables and writes them to
# bench/results/latest.md.
#
#   BENCH_DURATION=10s     how long each HTTP scenario runs (after a warm-up)
#   BENCH_CONNECTIONS=32   wrk connections (2 wrk threads)
#   BENCH_PHOTOS=100000    seeded rows
#   BENCH_SKIP_BUILD=1     use the release build as it is
#   BENCH_SKIP_RESCAN=1    only the HTTP scenarios
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${BENCH_DURATION:-10s}"
CONNS="${BENCH_CONNECTIONS:-32}"
PHOTOS="${BENCH_PHOTOS:-100000}"
BIN="$ROOT/target/release/tagline"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
RESULTS="$ROOT/bench/results/latest.md"

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# --- tools --------------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  make -s build-bench >&2
fi
[[ -x $BIN && -d $ROOT/target/site/pkg ]] || die "no release build (make build-bench)"
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing wrk (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
  else
    die "wrk is missing: sudo apt-get install -y wrk"
  fi
fi
VENV="$ROOT/target/bench/venv"
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import PIL' 2>/dev/null; then
  say "creating $VENV with Pillow (for the rescan photos)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet Pillow >&2
fi
scripts/ensure-redis.sh >&2

# --- servers --------------------------------------------------------------------
WORK="$(mktemp -d "$ROOT/target/bench/run.XXXXXX")"
PIDS=() PREFIXES=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for prefix in "${PREFIXES[@]}"; do
    redis-cli -u "$REDIS_URL" --no-auth-warning --scan --pattern "${prefix}*" \
      | xargs -r -d '\n' redis-cli -u "$REDIS_URL" --no-auth-warning del >/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server DIR: starts the release server on DIR's database and folders;
# sets PORT, PID and COOKIE (a signed-in admin session).
start_server() {
  local dir="$1"
  PORT="$(free_port)"
  local prefix="bench:$(basename "$dir"):"
  PREFIXES+=("$prefix")
  mkdir -p "$dir/photos" "$dir/data"
  (cd "$dir" && exec env -i PATH="$PATH" HOME="$HOME" \
    APP_ENV=development LISTEN_ADDR="127.0.0.1:$PORT" \
    DATA_DIR="$dir/data" PHOTOS_DIR="$dir/photos" \
    DATABASE_URL="sqlite://$dir/tagline.db?mode=rwc" \
    REDIS_URL="$REDIS_URL" REDIS_PREFIX="$prefix" \
    TAGLINE_ADMIN_USERNAME=admin TAGLINE_ADMIN_PASSWORD=bench-admin-password \
    LEPTOS_OUTPUT_NAME=tagline LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg \
    RUST_LOG="${BENCH_RUST_LOG:-info}" "$BIN" serve) >"$dir/server.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz") == 200 ]] && break
    kill -0 "$PID" 2>/dev/null || { tail -20 "$dir/server.log" >&2; die "the server exited"; }
    sleep 0.2
  done
  local jar="$dir/cookies"
  curl -s -o /dev/null -c "$jar" -d 'username=admin&password=bench-admin-password' \
    "http://127.0.0.1:$PORT/login"
  COOKIE="$(awk '$6 ~ /session/ { print $6 "=" $7 }' "$jar")"
  [[ -n $COOKIE ]] || die "could not sign in"
}

stop_server() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

peak_rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

to_ms() { # wrk latency such as 812.00us, 1.23ms, 2.01s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else { printf "%s", v } }'
}

ROWS=()
# measure NAME TARGET WARMUP WRK_ARGS...: runs wrk (after a 2 s warm-up
# when WARMUP is 1) and adds a table row: req/s, p50, p99, errors.
measure() {
  local name="$1" target="$2" warmup="$3" out
  shift 3
  if [[ $warmup == 1 ]]; then wrk -d2s "$@" >/dev/null; fi
  out="$(wrk -d"$DURATION" --latency "$@")"
  local rps p50 p99 total non2xx sockerr
  rps="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
  total="$(awk '/requests in/ { print $1 }' <<<"$out")"
  non2xx="$(awk -F': ' '/Non-2xx/ { print $2 }' <<<"$out")"
  sockerr="$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")"
  local errors=$(( ${non2xx:-0} + ${sockerr:-0} ))
  ROWS+=("| $name | $rps | $p50 | $p99 | $errors of $total | $target |")
  LAST_RPS="$rps" LAST_P99="$p99" LAST_ERRORS="$errors"
  say "$name: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors of $total"
}

# scenario NAME TARGET PATHS_FILE|PATH [HEADER]: wrk -t2 at $CONNS
# connections as the signed-in browser (or with HEADER).
scenario() {
  local name="$1" target="$2" what="$3" header="${4:-Cookie: $COOKIE}" args=()
  if [[ -f $what ]]; then
    args=(-s "$ROOT/bench/paths.lua"); export BENCH_PATHS="$what"; what="/"
  fi
  measure "$name" "$target" 1 -t2 -c"$CONNS" -H "$header" "${args[@]}" \
    "http://127.0.0.1:$PORT$what"
}

# --- HTTP: a library of $PHOTOS photos ---------------------------------------
HTTP="$WORK/http"
mkdir -p "$HTTP/photos"
cp tests/fixtures/exif-rotated.jpg "$HTTP/photos/real.jpg"
start_server "$HTTP"
REAL_ID="$(curl -s -X POST -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/api/rescan" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["imported"][0])')"
stop_server
say "seeding $PHOTOS photos"
python3 bench/seed.py "$HTTP/tagline.db" "$PHOTOS" \
  --ids-out "$WORK/ids" --words-out "$WORK/words" --tags-out "$WORK/tags"
sed 's|^|/api/photos/|' "$WORK/ids" >"$WORK/photo-paths"
sed 's|^|/?q=|' "$WORK/words" >"$WORK/search-paths"
python3 -c 'import sys, urllib.parse
for line in open(sys.argv[1]): print("/?tag=" + urllib.parse.quote(line.strip()))' "$WORK/tags" >"$WORK/tag-paths"
start_server "$HTTP"
HTTP_PID="$PID"
say "HTTP scenarios: $CONNS connections, $DURATION each"
scenario 'gallery `/` (SSR, 60 thumbnails)' '≥ 3,000 req/s, p99 ≤ 30 ms' /
scenario 'search `/?q=` (a random word)' '≥ 1,000 req/s' "$WORK/search-paths"
scenario 'tag-filtered `/?tag=` (a random tag)' '≥ 1,000 req/s' "$WORK/tag-paths"
scenario '`GET /api/photos?limit=50`' '≥ 2,400 req/s, 0 errors' '/api/photos?limit=50'
scenario '`GET /api/photos/{id}` (random ids)' '≥ 5,300 req/s, 0 errors' "$WORK/photo-paths"
scenario 'a thumbnail' '≥ 5,000 req/s' "/api/photos/$REAL_ID/thumbnail"
HTTP_RSS="$(peak_rss_mb "$HTTP_PID")"

# --- tokens, sign-ins, the admin's sessions page ---------------------------
BASE="http://127.0.0.1:$PORT"
api_login() {
  curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench-admin-password"}' "$BASE/api/login"
}
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
AUTH_ROWS=()

say "token rotations: $CONNS clients, each rotating its own family"
: >"$WORK/tokens"
for _ in $(seq 1 "$CONNS"); do api_login | json_field refresh_token >>"$WORK/tokens"; done
export BENCH_TOKENS="$WORK/tokens"
measure '`POST /api/refresh` rotations (own token per client)' '≥ 5,000/s, each exactly once' 0 \
  -t"$CONNS" -c"$CONNS" -s "$ROOT/bench/refresh.lua" "$BASE/api/refresh"
read -r rounds once ok other < <(python3 bench/contend.py "$BASE" admin bench-admin-password 50 "$CONNS")
AUTH_ROWS+=("| $CONNS clients refreshing one token at once, $rounds rounds | exactly one 200 in $once of $rounds rounds ($ok accepted, $other refused) | exactly once |")
say "contention: exactly one winner in $once of $rounds rounds"

ACCESS="$(api_login | json_field access_token)"
sed 's|^/api/photos/|/bench/photos/|' "$WORK/photo-paths" >"$WORK/twin-paths"
# Three alternating rounds, each a ratio of two runs back to back, and the
# median of the three: the two are compared under the same conditions.
RATIOS=()
for round in 1 2 3; do
  scenario "\`GET /api/photos/{id}\`, bearer token (round $round)" 'ratio ≥ 0.8' "$WORK/photo-paths" "Authorization: Bearer $ACCESS"
  bearer_rps="$LAST_RPS"
  scenario "\`GET /bench/photos/{id}\`, the same without the check (round $round)" '' "$WORK/twin-paths" "X-Bench: twin"
  twin_rps="$LAST_RPS"
  RATIOS+=("$(awk -v a="$bearer_rps" -v b="$twin_rps" 'BEGIN { printf "%.2f", a / b }')")
done
ratio="$(printf '%s\n' "${RATIOS[@]}" | sort -n | sed -n 2p)"
AUTH_ROWS+=("| bearer-checked vs unchecked \`GET /api/photos/{id}\`, 3 alternating rounds | ratio $ratio, the median of ${RATIOS[*]} | ≥ 0.8 |")

export BENCH_USERNAME=admin BENCH_PASSWORD=bench-admin-password
measure 'sign-ins `POST /api/login` (argon2id)' 'bounded by argon2' 0 \
  -t2 -c"$CONNS" -s "$ROOT/bench/login.lua" "$BASE/api/login"
IDLE_P99="$(awk -F'|' '/gallery `\/`/ { gsub(/ /, "", $5); print $5; exit }' <(printf '%s\n' "${ROWS[@]}"))"
secs="${DURATION%s}"
say "gallery while 200 sign-ins run at once"
wrk -t2 -c200 -d"$(( secs + 4 ))s" -s "$ROOT/bench/login.lua" "$BASE/api/login" >"$WORK/signin-storm" &
STORM=$!
sleep 1
scenario 'gallery `/` while 200 sign-ins run at once' '≤ 2× idle p99' /
wait "$STORM" || true
storm_rps="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$WORK/signin-storm")"
STORM_RSS="$(peak_rss_mb "$HTTP_PID")"
AUTH_ROWS+=("| gallery p99 under 200 concurrent sign-ins | $LAST_P99 ms vs $IDLE_P99 ms idle ($(awk -v a="$LAST_P99" -v b="$IDLE_P99" 'BEGIN { printf "%.1f", a / b }')×; sign-ins meanwhile $storm_rps/s) | ≤ 2× |")
AUTH_ROWS+=("| server peak RSS after the sign-in storm | ${STORM_RSS} MB | ≤ 300 MB |")

say "admin sessions page: 100 users x 100 sessions"
ADMIN_ID="$(curl -s -H "Cookie: $COOKIE" "$BASE/api/me" | json_field id)"
PREFIX="${PREFIXES[-1]}"
HANDLE="$(redis-cli -u "$REDIS_URL" --no-auth-warning zrange "${PREFIX}user:${ADMIN_ID}:sessions" 0 0)"
redis-cli -u "$REDIS_URL" --no-auth-warning get "${PREFIX}session:${HANDLE}" >"$WORK/session.json"
: >"$WORK/user-ids"
for i in $(seq -w 1 100); do
  curl -s -X POST -H "Cookie: $COOKIE" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench$i\",\"display_name\":\"Bench $i\",\"role\":\"member\",\"password\":\"bench-password-$i\"}" \
    "$BASE/api/admin/users" | json_field id >>"$WORK/user-ids"
done
python3 bench/seed_sessions.py "$PREFIX" "$WORK/session.json" "$WORK/user-ids" 100 \
  | redis-cli -u "$REDIS_URL" --no-auth-warning --pipe >/dev/null
# time_to_first_byte PATH: median and worst of 20 requests, in ms (the
# page is rendered whole before its first byte, so this is server time).
ttfb() {
  for _ in $(seq 1 20); do
    curl -s -o /dev/null -H "Cookie: $COOKIE" -w '%{time_starttransfer}\n' "$BASE$1"
  done | sort -n | awk '{ v[NR] = $1 * 1000 } END { printf "%.1f %.1f\n", v[int((NR + 1) / 2)], v[NR] }'
}
read -r med worst < <(ttfb /admin/sessions)
AUTH_ROWS+=("| \`/admin/sessions\` with 10,000 live sessions of 100 users (first page) | median $med ms, worst $worst ms of 20 | ≤ 50 ms |")
read -r med worst < <(ttfb /api/admin/sessions)
AUTH_ROWS+=("| \`GET /api/admin/sessions\`, all 10,000 | median $med ms, worst $worst ms of 20 | |")
stop_server

# --- rescans ------------------------------------------------------------------
RESCAN_ROWS=()
if [[ ${BENCH_SKIP_RESCAN:-0} != 1 ]]; then
  SCAN="$WORK/scan"
  mkdir -p "$SCAN/photos"
  say "writing 9,000 small photos"
  "$VENV/bin/python" bench/make_photos.py small "$SCAN/photos" 9000 >&2
  start_server "$SCAN"
  SCAN_PID="$PID"
  rescan() { # prints "seconds imported skipped errors"
    curl -s --max-time 3600 -X POST -H "Cookie: $COOKIE" -w '\n%{time_total}\n' \
      "http://127.0.0.1:$PORT/api/rescan" | python3 -c 'import json, sys
lines = sys.stdin.read().strip().split("\n")
r = json.loads(lines[0])
print(lines[-1], len(r["imported"]), r["skipped"], len(r["errors"]))'
  }
  read -r secs imported _ errors < <(rescan)
  say "first rescan of 9,000 small photos: $imported imported in ${secs}s ($errors errors)"
  say "writing 1,000 camera-sized JPEGs (4000x3000)"
  "$VENV/bin/python" bench/make_photos.py camera "$SCAN/photos" 1000 >&2
  read -r secs imported _ errors < <(rescan)
  rate="$(awk -v n="$imported" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')"
  RESCAN_ROWS+=("| rescan of 1,000 new camera-sized JPEGs (4000x3000) | $rate files/s ($imported in ${secs} s, $errors errors) | ≥ 15 files/s |")
  say "1,000 new camera photos: $rate files/s"
  read -r secs imported skipped errors < <(rescan)
  RESCAN_ROWS+=("| rescan of an unchanged library of 10,000 | ${secs} s ($skipped skipped, $imported imported) | ≤ 2 s |")
  say "unchanged 10,000: ${secs}s"
  SCAN_RSS="$(peak_rss_mb "$SCAN_PID")"
  RESCAN_ROWS+=("| server peak RSS during the rescans | ${SCAN_RSS} MB | |")
  stop_server
fi

# --- report -------------------------------------------------------------------
{
  echo "Tagline benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, release build, SQLite,"
  echo "$PHOTOS photos, wrk -t2 -c$CONNS -d$DURATION on the same machine, signed-in session cookie."
  echo
  echo '| scenario | req/s | p50 ms | p99 ms | errors | target |'
  echo '|---|---:|---:|---:|---:|---|'
  printf '%s\n' "${ROWS[@]}"
  echo "| server peak RSS during the photo scenarios | ${HTTP_RSS} MB | | | | ≤ 150 MB |"
  echo
  echo '| tokens and sign-ins | result | target |'
  echo '|---|---|---|'
  printf '%s\n' "${AUTH_ROWS[@]}"
  if (( ${#RESCAN_ROWS[@]} )); then
    echo
    echo '| rescan | result | target |'
    echo '|---|---|---|'
    printf '%s\n' "${RESCAN_ROWS[@]}"
  fi
} | tee "$RESULTS"
