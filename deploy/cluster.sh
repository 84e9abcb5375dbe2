#!/usr/bin/env bash
# Runs a Parley cluster on loopback: N nodes sharing PostgreSQL and Redis,
# behind nginx.
#
#   deploy/cluster.sh start    build, start the nodes and nginx, wait until ready
#   deploy/cluster.sh stop     stop nginx and drain the nodes (SIGTERM)
#   deploy/cluster.sh status   what is running
#
# Environment (defaults in brackets):
#   PARLEY_CLUSTER_NODES [3]          number of nodes
#   PARLEY_CLUSTER_PORT  [8080]       nginx listens on 127.0.0.1:PORT
#   PARLEY_CLUSTER_BASE  [8181]       node i listens on 127.0.0.1:BASE+i
#   PARLEY_CLUSTER_RUN   [./run/cluster] pid files, logs, nginx config
#   PARLEY_DB    [postgres://postgres@127.0.0.1:5432/parley?sslmode=disable]  (created if missing)
#   PARLEY_REDIS [redis://127.0.0.1:6379/0]
#   PARLEY_BLOB_URL [RUN/blobs]       attachments, shared by the nodes
# Any other PARLEY_* variable reaches the nodes unchanged (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${PARLEY_CLUSTER_NODES:-3}
PORT=${PARLEY_CLUSTER_PORT:-8080}
BASE=${PARLEY_CLUSTER_BASE:-8181}
RUN=$(mkdir -p "${PARLEY_CLUSTER_RUN:-run/cluster}" && cd "${PARLEY_CLUSTER_RUN:-run/cluster}" && pwd)
export PARLEY_DB=${PARLEY_DB:-postgres://postgres@127.0.0.1:5432/parley?sslmode=disable}
export PARLEY_REDIS=${PARLEY_REDIS:-redis://127.0.0.1:6379/0}
# nginx connects to the nodes from 127.0.0.1: only its X-Forwarded-For is
# believed, so each client's own address reaches the per-address limits.
export PARLEY_TRUSTED_PROXIES=${PARLEY_TRUSTED_PROXIES:-127.0.0.1}
# Every node must see every attachment: on one machine a shared folder does.
export PARLEY_BLOB_URL=${PARLEY_BLOB_URL:-$RUN/blobs}
BIN=$RUN/parley

nginx_bin() { command -v nginx || echo /usr/sbin/nginx; }

wait_ready() { # url
	# A minute: a node under a loaded machine (CI runs the packages side by
	# side) can take well over ten seconds to migrate and listen.
	for _ in $(seq 1 600); do
		if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	echo "cluster: $1 not ready" >&2
	return 1
}

ensure_database() {
	# Create the database named in PARLEY_DB if the server does not have it.
	local name base
	name=$(sed -E 's#^postgres(ql)?://[^/]*/([^?]+).*#\2#' <<<"$PARLEY_DB")
	base=${PARLEY_DB/\/$name/\/postgres}
	if ! psql "$base" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
		psql "$base" -qc "CREATE DATABASE \"$name\""
	fi
}

start() {
	go build -o "$BIN" ./cmd/parley
	ensure_database
	"$BIN" migrate --db "$PARLEY_DB" >/dev/null
	local upstreams=""
	for i in $(seq 0 $((NODES - 1))); do
		local port=$((BASE + i))
		upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
		if [ -f "$RUN/node$i.pid" ] && kill -0 "$(cat "$RUN/node$i.pid")" 2>/dev/null; then
			echo "cluster: node$i already running"
			continue
		fi
		"$BIN" serve --addr "127.0.0.1:$port" --log-format json >"$RUN/node$i.log" 2>&1 &
		echo $! >"$RUN/node$i.pid"
	done
	for i in $(seq 0 $((NODES - 1))); do
		wait_ready "http://127.0.0.1:$((BASE + i))/readyz" || { tail -n 20 "$RUN/node$i.log" >&2; return 1; }
	done
	mkdir -p "$RUN"/{client_body,proxy,fastcgi,uwsgi,scgi}
	sed -e "s#@RUN@#$RUN#g" -e "s#@PORT@#$PORT#g" deploy/nginx.conf.tmpl |
		awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$RUN/nginx.conf"
	"$(nginx_bin)" -t -q -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
	"$(nginx_bin)" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
	wait_ready "http://127.0.0.1:$PORT/readyz"
	echo "cluster: $NODES nodes behind http://127.0.0.1:$PORT (logs in $RUN)"
}

stop() {
	if [ -f "$RUN/nginx.pid" ]; then
		"$(nginx_bin)" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" -s quit 2>/dev/null || true
		rm -f "$RUN/nginx.pid"
	fi
	for pidfile in "$RUN"/node*.pid; do
		[ -f "$pidfile" ] || continue
		local pid
		pid=$(cat "$pidfile")
		if kill -TERM "$pid" 2>/dev/null; then
			for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
		rm -f "$pidfile"
	done
	echo "cluster: stopped"
}

status() {
	for pidfile in "$RUN"/node*.pid "$RUN"/nginx.pid; do
		[ -f "$pidfile" ] || continue
		if kill -0 "$(cat "$pidfile")" 2>/dev/null; then state=running; else state=dead; fi
		echo "$(basename "$pidfile" .pid): $state"
	done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
