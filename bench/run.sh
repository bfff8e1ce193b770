#!/usr/bin/env bash
# The load benchmark of Tagline (`make bench`; never part of `make test`).
#
# Runs the release build against a SQLite database seeded with
# $BENCH_PHOTOS synthetic photos (default 100,000) and the local Redis, and
# drives it with wrk at $BENCH_CONNECTIONS connections (default 32) as a
# signed-in browser (session cookie). Then times rescans on a second, fresh
# instance: 1,000 new camera-sized JPEGs, and an unchanged library of 10,000.
# Prints a table and writes it to bench/results/latest.md.
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
  make -s build-release >&2
fi
[[ -x $BIN && -d $ROOT/target/site/pkg ]] || die "no release build (make build-release)"
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
# scenario NAME TARGET PATHS_FILE|PATH: wrk at $CONNS connections; adds a row.
scenario() {
  local name="$1" target="$2" what="$3" out args=()
  if [[ -f $what ]]; then
    args=(-s "$ROOT/bench/paths.lua"); export BENCH_PATHS="$what"; what="/"
  fi
  wrk -t2 -c"$CONNS" -d2s -H "Cookie: $COOKIE" "${args[@]}" "http://127.0.0.1:$PORT$what" >/dev/null
  out="$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $COOKIE" "${args[@]}" \
    "http://127.0.0.1:$PORT$what")"
  local rps p50 p99 total non2xx sockerr
  rps="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
  total="$(awk '/requests in/ { print $1 }' <<<"$out")"
  non2xx="$(awk -F': ' '/Non-2xx/ { print $2 }' <<<"$out")"
  sockerr="$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")"
  local errors=$(( ${non2xx:-0} + ${sockerr:-0} ))
  ROWS+=("| $name | $rps | $p50 | $p99 | $errors of $total | $target |")
  say "$name: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors of $total"
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
  echo "| server peak RSS during the HTTP run | ${HTTP_RSS} MB | | | | ≤ 150 MB |"
  if (( ${#RESCAN_ROWS[@]} )); then
    echo
    echo '| rescan | result | target |'
    echo '|---|---|---|'
    printf '%s\n' "${RESCAN_ROWS[@]}"
  fi
} | tee "$RESULTS"
