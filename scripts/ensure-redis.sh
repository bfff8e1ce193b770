#!/usr/bin/env bash
# Makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379;
# when unset, REDIS_URL is also looked up in .env, as the server does).
#
#   1. something already answers PING there: nothing to do;
#   2. else, for a local address, start a throwaway redis-server that keeps
#      nothing on disk (installing Debian's redis-server first when we are
#      root and it is missing);
#   3. else print how to get one and exit 1.
#
# A Redis started here is left running (daemonized) for later runs; its log
# and pid file are /tmp/tagline-redis-<port>.{log,pid}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'ensure-redis: %s\n' "$*"; }

url="${REDIS_URL:-}"
if [[ -z $url && -f $ROOT/.env ]]; then
  # Last REDIS_URL= line of .env, without quotes or trailing comment.
  url="$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\{0,1\}REDIS_URL=//p' "$ROOT/.env" | tail -n1 \
         | sed 's/[[:space:]]#.*$//; s/^["'\'']//; s/["'\'']$//')"
fi
url="${url:-redis://127.0.0.1:6379}"

if [[ $url != redis://* ]]; then
  # rediss://, sentinel or cluster URLs are someone else's deployment.
  say "REDIS_URL is not a plain redis:// URL; not checking it"
  exit 0
fi

# redis://[user[:password]@]host[:port][/db]
hostport="${url#redis://}"
hostport="${hostport%%/*}"
hostport="${hostport##*@}"
if [[ $hostport == \[*\]* ]]; then           # [::1]:6379
  host="${hostport%%]*}"; host="${host#[}"
  port="${hostport#*]}"; port="${port#:}"
else
  host="${hostport%%:*}"
  port=""; [[ $hostport == *:* ]] && port="${hostport##*:}"
fi
host="${host:-127.0.0.1}"
port="${port:-6379}"
[[ $port =~ ^[0-9]+$ ]] || { say "cannot read a port from REDIS_URL"; exit 1; }

# True when something at host:port answers PING like a Redis. An
# authentication error also proves a Redis is there (REDIS_URL carries the
# password; the server will use it).
answers() {
  local reply
  if command -v redis-cli >/dev/null; then
    reply="$(timeout 3 redis-cli -h "$host" -p "$port" ping 2>&1 || true)"
  else
    # No redis-cli: speak the protocol by hand over bash's /dev/tcp.
    reply="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "PING\r\n" >&3
      IFS= read -r line <&3 && printf "%s\n" "$line"
    ' _ "$host" "$port" 2>/dev/null || true)"
  fi
  [[ $reply == *PONG* || $reply == *NOAUTH* || $reply == *WRONGPASS* ]]
}

if answers; then
  say "ok: Redis answers at $host:$port"
  exit 0
fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *)
    say "nothing answers at $host:$port, and it is not a local address: start that Redis, or unset REDIS_URL"
    exit 1 ;;
esac

if ! command -v redis-server >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  say "installing Debian's redis-server"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
  # The package may have started its own server on 6379.
  if answers; then say "ok: Redis answers at $host:$port"; exit 0; fi
fi

if ! command -v redis-server >/dev/null; then
  cat >&2 <<MSG
ensure-redis: no Redis answers at $host:$port and redis-server is not installed.
Start one, for example:
    docker compose up -d redis      (publishes 127.0.0.1:\${REDIS_HOST_PORT:-6379})
    sudo apt-get install -y redis-server    (then run this script again)
or point REDIS_URL at a running Redis.
MSG
  exit 1
fi

bind="127.0.0.1"; [[ $host == ::1 ]] && bind="::1"
log="/tmp/tagline-redis-$port.log"
pidfile="/tmp/tagline-redis-$port.pid"
say "starting a throwaway redis-server on $bind:$port (no persistence; log $log)"
# --save "" and --appendonly no: nothing is ever written to disk; the data
# (sessions, rate-limit counters) is disposable in development and tests.
redis-server --daemonize yes --bind "$bind" --port "$port" \
  --save "" --appendonly no --dir /tmp \
  --logfile "$log" --pidfile "$pidfile"

for _ in $(seq 1 50); do           # up to ~10 s
  if answers; then
    say "ok: Redis answers at $host:$port (pid $(cat "$pidfile" 2>/dev/null || echo '?'))"
    exit 0
  fi
  sleep 0.2
done
say "redis-server did not answer within 10 s; last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
