# Sourced by the bus tests and bench: a 3-node RabbitMQ cluster on loopback,
# every node's data, logs, cookie and epmd under one temporary directory, so
# nothing of a system-wide broker is used or touched.
#
#   rabbit_cluster_start      start vigil1..3@localhost, join 2 and 3 to 1, wait
#                             until cluster_status shows 3 running nodes; exports
#                             RABBIT_URLS (comma list of amqp URLs, one a node),
#                             RABBIT_URL1..3, RABBIT_NODE1..3, RABBIT_PORT1..3
#   rabbit_kill_node N        kill -9 the Erlang VM of node N
#   rabbit_restart_node N     start node N again on its old data; it rejoins
#   rabbit_cluster_stop       stop every node and epmd, remove the directory
#   rabbitctl N ARGS...       rabbitmqctl against node N
#
# Ports: AMQP on RABBIT_PORT_BASE+N, distribution on +10+N, epmd on +20
# (RABBIT_PORT_BASE defaults to the first free one of a few bases). Works as
# root (CI=true runs as root): the server and CLI are run directly, not through
# the Debian wrapper that switches to the rabbitmq user.
# rabbit_cluster_start cleans up after itself when it fails; callers still set
#   trap rabbit_cluster_stop EXIT INT TERM
# so a failing test leaves no broker behind. Calling stop twice is harmless,
# and the functions work under set -e (a kill of a process already gone is
# not an error).

rabbit_libexec=/usr/lib/rabbitmq/bin
rabbit_dir=""

# rabbit_have: 0 when rabbitmq-server and its CLI are installed.
rabbit_have() {
	[ -x "$rabbit_libexec/rabbitmq-server" ] && [ -x "$rabbit_libexec/rabbitmqctl" ] &&
		command -v erl >/dev/null 2>&1
}

# rabbit_port_free PORT: 0 when nothing listens on 127.0.0.1:PORT.
rabbit_port_free() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# rabbit_env N: the environment node N's server and CLI run with (as a prefix
# for env(1)).
rabbit_env() {
	echo "HOME=$rabbit_dir/home" \
		"ERL_EPMD_PORT=$rabbit_epmd_port" \
		"RABBITMQ_CONF_ENV_FILE=$rabbit_dir/rabbitmq-env.conf" \
		"RABBITMQ_CONFIG_FILE=$rabbit_dir/rabbitmq.conf" \
		"RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit_dir/enabled_plugins" \
		"RABBITMQ_NODENAME=vigil$1@localhost" \
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" \
		"RABBITMQ_NODE_PORT=$((rabbit_port_base + $1))" \
		"RABBITMQ_DIST_PORT=$((rabbit_port_base + 10 + $1))" \
		"RABBITMQ_MNESIA_BASE=$rabbit_dir/node$1/mnesia" \
		"RABBITMQ_LOG_BASE=$rabbit_dir/node$1/log" \
		"RABBITMQ_PID_FILE=$rabbit_dir/node$1/pid"
}

rabbitctl() {
	n=$1
	shift
	# shellcheck disable=SC2046
	env $(rabbit_env "$n") "$rabbit_libexec/rabbitmqctl" -n "vigil$n@localhost" "$@"
}

# rabbit_boot N: start node N in the background and wait until it is up;
# records the VM's pid in node N/beam.pid.
rabbit_boot() {
	mkdir -p "$rabbit_dir/node$1/log" "$rabbit_dir/node$1/mnesia"
	# shellcheck disable=SC2046
	env $(rabbit_env "$1") "$rabbit_libexec/rabbitmq-server" \
		>>"$rabbit_dir/node$1/console.log" 2>&1 </dev/null &
	echo $! >"$rabbit_dir/node$1/wrapper.pid"
}

rabbit_await() {
	# await_startup gives up at once while the node is not reachable yet
	i=0
	while [ "$i" -lt 120 ] && ! rabbitctl "$1" --timeout 5 ping >/dev/null 2>&1; do
		wpid=$(cat "$rabbit_dir/node$1/wrapper.pid" 2>/dev/null)
		kill -0 "$wpid" 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	if ! rabbitctl "$1" --timeout 60 await_startup >/dev/null 2>&1; then
		echo "rabbit: node vigil$1 did not start; last lines of its log:" >&2
		tail -n 15 "$rabbit_dir/node$1/console.log" "$rabbit_dir"/node"$1"/log/*.log 2>/dev/null >&2
		return 1
	fi
	rabbitctl "$1" eval 'list_to_integer(os:getpid()).' 2>/dev/null |
		tr -dc 0-9 >"$rabbit_dir/node$1/beam.pid"
}

rabbit_cluster_start() {
	rabbit_have || { echo "rabbit: rabbitmq-server is not installed" >&2; return 1; }
	[ -z "$rabbit_dir" ] || rabbit_cluster_stop
	rabbit_t0=$(date +%s.%N)
	rabbit_port_base=""
	for base in ${RABBIT_PORT_BASE:-56700 57700 58700 59700}; do
		ok=yes
		for off in 1 2 3 11 12 13 20; do
			rabbit_port_free $((base + off)) || { ok=""; break; }
		done
		[ -n "$ok" ] && { rabbit_port_base=$base; break; }
	done
	[ -n "$rabbit_port_base" ] || { echo "rabbit: no free port base" >&2; return 1; }
	rabbit_epmd_port=$((rabbit_port_base + 20))
	rabbit_dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-rabbit.XXXXXX")
	mkdir -p "$rabbit_dir/home"
	# one cookie for the three nodes and the CLI (Erlang reads $HOME/.erlang.cookie)
	/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(20).upper(), end="")' \
		>"$rabbit_dir/home/.erlang.cookie"
	chmod 400 "$rabbit_dir/home/.erlang.cookie"
	: >"$rabbit_dir/rabbitmq-env.conf"
	echo '[].' >"$rabbit_dir/enabled_plugins"
	cat >"$rabbit_dir/rabbitmq.conf" <<'EOF'
# loopback test cluster: guest may log in (loopback only anyway), small disk limit
loopback_users = none
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = warning
cluster_partition_handling = pause_minority
EOF
	# our own epmd, so a system one or another test's is never involved
	epmd -port "$rabbit_epmd_port" -address 127.0.0.1 >"$rabbit_dir/epmd.log" 2>&1 </dev/null &
	echo $! >"$rabbit_dir/epmd.pid"
	for n in 1 2 3; do rabbit_boot $n; done
	for n in 1 2 3; do rabbit_await $n || { rabbit_cluster_stop; return 1; }; done
	for n in 2 3; do
		{ rabbitctl $n stop_app && rabbitctl $n join_cluster vigil1@localhost &&
			rabbitctl $n start_app; } >"$rabbit_dir/node$n/join.log" 2>&1 || {
			echo "rabbit: vigil$n could not join vigil1:" >&2
			cat "$rabbit_dir/node$n/join.log" >&2
			rabbit_cluster_stop
			return 1
		}
	done
	rabbit_wait_running 3 || { rabbit_cluster_stop; return 1; }
	export RABBIT_NODE1=vigil1@localhost RABBIT_NODE2=vigil2@localhost RABBIT_NODE3=vigil3@localhost
	export RABBIT_PORT1=$((rabbit_port_base + 1)) RABBIT_PORT2=$((rabbit_port_base + 2)) \
		RABBIT_PORT3=$((rabbit_port_base + 3))
	export RABBIT_URL1="amqp://guest:guest@127.0.0.1:$RABBIT_PORT1"
	export RABBIT_URL2="amqp://guest:guest@127.0.0.1:$RABBIT_PORT2"
	export RABBIT_URL3="amqp://guest:guest@127.0.0.1:$RABBIT_PORT3"
	export RABBIT_URLS="$RABBIT_URL1,$RABBIT_URL2,$RABBIT_URL3"
	export RABBIT_DIR=$rabbit_dir
	RABBIT_START_SECONDS=$(/usr/bin/python3 -c "import time; print('%.1f' % (time.time() - $rabbit_t0))")
	export RABBIT_START_SECONDS
	echo "rabbit: 3-node cluster up in ${RABBIT_START_SECONDS}s on ports $RABBIT_PORT1-$RABBIT_PORT3" >&2
}

# rabbit_running_count [N]: how many nodes cluster_status (asked of node N,
# default the first one up) shows running.
rabbit_running_count() {
	for n in ${1:-1 2 3}; do
		out=$(rabbitctl "$n" --timeout 10 cluster_status --formatter json 2>/dev/null) || continue
		echo "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))' &&
			return 0
	done
	echo 0
}

# rabbit_wait_running COUNT: wait (up to 60 s) until COUNT nodes run.
rabbit_wait_running() {
	i=0
	while [ "$i" -lt 120 ]; do
		[ "$(rabbit_running_count)" = "$1" ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	echo "rabbit: cluster never showed $1 running nodes" >&2
	return 1
}

rabbit_kill_node() {
	pid=$(cat "$rabbit_dir/node$1/beam.pid" 2>/dev/null)
	[ -n "$pid" ] || { echo "rabbit: no pid for vigil$1" >&2; return 1; }
	kill -9 "$pid" 2>/dev/null || true
	# the wrapper shell exits once its VM is gone
	wpid=$(cat "$rabbit_dir/node$1/wrapper.pid" 2>/dev/null)
	[ -n "$wpid" ] && { wait "$wpid" 2>/dev/null || true; }
	: >"$rabbit_dir/node$1/beam.pid"
	return 0
}

rabbit_restart_node() {
	rabbit_boot "$1"
	rabbit_await "$1"
}

# rabbit_beam_pids: the pids of the running nodes' VMs, one a line.
rabbit_beam_pids() {
	for n in 1 2 3; do
		pid=$(cat "$rabbit_dir/node$n/beam.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	done
	return 0
}

rabbit_cluster_stop() {
	[ -n "$rabbit_dir" ] || return 0
	for n in 1 2 3; do
		pid=$(cat "$rabbit_dir/node$n/beam.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
		wpid=$(cat "$rabbit_dir/node$n/wrapper.pid" 2>/dev/null)
		# a node that never came up: its wrapper (and the VM under it) go
		if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then
			pkids=$(ps -o pid= --ppid "$wpid" 2>/dev/null) || true
			for k in $pkids; do kill -9 "$k" 2>/dev/null || true; done
			kill -9 "$wpid" 2>/dev/null || true
		fi
	done
	pid=$(cat "$rabbit_dir/epmd.pid" 2>/dev/null)
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; }
	rm -rf "$rabbit_dir"
	rabbit_dir=""
	unset RABBIT_URLS RABBIT_DIR
	return 0
}
