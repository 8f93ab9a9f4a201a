#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   db/testcluster.sh start DIR   initdb in DIR, start on a free loopback
#                                 port, print the server's URL
#   db/testcluster.sh stop DIR    stop it and remove DIR
#
# The server runs as an unprivileged user (postgres refuses root, and CI
# runs as root): as "postgres" when started by root, else as the caller.
# Durability is off (fsync, synchronous_commit, full_page_writes): the
# data dies with the test run anyway. TESTCLUSTER_DURABLE=1 keeps
# PostgreSQL's production defaults instead (the benchmark's cluster).
set -euo pipefail

cmd=${1:?usage: testcluster.sh start|stop DIR}
dir=${2:?usage: testcluster.sh start|stop DIR}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bindir" ]]; then
	echo "testcluster: no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql)" >&2
	exit 1
fi

as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd) # postgres runs in its data directory: paths must be absolute
	if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
	port=
	for p in $(shuf -i 20000-60000 -n 100); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
	done
	[[ -n "$port" ]] || { echo "testcluster: no free port" >&2; exit 1; }
	as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=256MB"
	if [[ "${TESTCLUSTER_DURABLE:-}" != 1 ]]; then
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	;;
stop)
	if [[ -d "$dir/data" ]]; then
		dir=$(cd "$dir" && pwd)
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: testcluster.sh start|stop DIR" >&2
	exit 2
	;;
esac
