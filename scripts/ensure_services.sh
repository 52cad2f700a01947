#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL before the tests run:
# start them if they are installed but stopped, and say how to install them if they are not.
set -euo pipefail

db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jointplan}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
pg_hostport=$(sed -E 's#^[a-z]+://([^@]*@)?([^/?]+).*#\2#' <<<"$db_url")
pg_host=${pg_hostport%:*}; pg_port=${pg_hostport##*:}; [ "$pg_port" = "$pg_hostport" ] && pg_port=5432
redis_hostport=$(sed -E 's#^redis://([^@]*@)?([^/?]+).*#\2#' <<<"$redis_url")
redis_host=${redis_hostport%:*}; redis_port=${redis_hostport##*:}; [ "$redis_port" = "$redis_hostport" ] && redis_port=6379

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() {  # host port name
  for _ in $(seq 1 30); do port_open "$1" "$2" && return 0; sleep 1; done
  echo "$3 did not come up on $1:$2" >&2; return 1
}

if ! port_open "$pg_host" "$pg_port"; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    wait_for "$pg_host" "$pg_port" PostgreSQL
  else
    echo "PostgreSQL is not installed. Install it (Debian: apt-get install postgresql) or set" >&2
    echo "DATABASE_URL to a running server, e.g. postgres://postgres@127.0.0.1:5432/jointplan" >&2
    exit 1
  fi
fi

if ! port_open "$redis_host" "$redis_port"; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
    wait_for "$redis_host" "$redis_port" Redis
  else
    echo "Redis is not installed. Install it (Debian: apt-get install redis-server) or set" >&2
    echo "REDIS_URL to a running server, e.g. redis://127.0.0.1:6379/0" >&2
    exit 1
  fi
fi
