# Sourced by scripts/test.sh: start and stop the real servers the tests use,
# all on loopback, all under a temporary directory. Each exports where it is:
#   VIGIL_PG_URL  postgresql://... of a scratch database (unset if no PostgreSQL)

services_dir=""

services_start() {
	services_dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-services.XXXXXX")
	chmod 755 "$services_dir"
	pg_start || echo "warning: PostgreSQL could not be started; PostgreSQL tests will skip" >&2
}

services_stop() {
	pg_stop
	[ -n "$services_dir" ] && rm -rf "$services_dir"
	services_dir=""
}

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_start() {
	bin=$(pg_bindir)
	[ -n "$bin" ] || return 1
	pgdata="$services_dir/pg"
	mkdir -p "$pgdata"
	run_as=""
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$services_dir" "$pgdata"
		run_as="runuser -u postgres --"
	fi
	$run_as "$bin/initdb" -D "$pgdata" -A trust -U vigil >/dev/null || return 1
	# the first free port of a few (another server may hold one)
	started=""
	for pg_port in ${VIGIL_PG_PORT:-55432 55442 55452 55462 55472}; do
		if $run_as "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/log" -w \
			-o "-h 127.0.0.1 -p $pg_port -k $pgdata" start >/dev/null 2>&1; then
			started=yes
			break
		fi
	done
	[ -n "$started" ] || { tail -5 "$pgdata/log" >&2; return 1; }
	$run_as "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U vigil vigil_test || return 1
	export VIGIL_PG_URL="postgresql://vigil@127.0.0.1:$pg_port/vigil_test"
	PG_RUN_AS=$run_as
	PG_BIN=$bin
	PG_DATA=$pgdata
}

pg_stop() {
	if [ -n "${PG_DATA:-}" ]; then
		$PG_RUN_AS "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
		PG_DATA=""
	fi
}
