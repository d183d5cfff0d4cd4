#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL server for the test suite (127.0.0.1:54329, trust auth, no fsync).
# Usage: scripts/pg-test.sh start|stop   — prints nothing on success except pg_ctl's own lines.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "未找到 PostgreSQL（请先运行 make system-deps）" >&2; exit 1; }
DIR=${YINCAI_PG_DIR:-/tmp/yincai-pg}
PORT=${YINCAI_PG_PORT:-54329}
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = "0" ] && chown postgres: "$DIR"
    as_pg "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    echo "PostgreSQL 已启动：postgres://postgres@127.0.0.1:$PORT/yincai"
    ;;
  stop)
    [ -d "$DIR/data" ] && as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
