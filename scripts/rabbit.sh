#!/bin/sh
# scripts/rabbit.sh - one RabbitMQ node on loopback for a test, with all its
# state in a temporary directory and its own epmd and cookie. Source it:
#
#   . scripts/rabbit-cluster.sh      # first: its rabbit_have and rabbit_port_free
#   . scripts/rabbit.sh
#   rabbit_start_node || exit 77     # exports RABBIT_URL, RABBIT_NODE, RABBIT_PORT
#   rabbit_ctl list_queues name messages
#   rabbit_stop_node
#
# The three-node cluster is scripts/rabbit-cluster.sh.
rabbit1_libexec=$rabbit_libexec
rabbit1_dir=""
rabbit1_have() { rabbit_have; }
rabbit1_free() { rabbit_port_free "$1"; }

rabbit1_env() {
	echo "HOME=$rabbit1_dir/home" \
		"ERL_EPMD_PORT=$rabbit1_epmd" \
		"RABBITMQ_CONF_ENV_FILE=$rabbit1_dir/rabbitmq-env.conf" \
		"RABBITMQ_CONFIG_FILE=$rabbit1_dir/rabbitmq.conf" \
		"RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit1_dir/enabled_plugins" \
		"RABBITMQ_NODENAME=$RABBIT_NODE" \
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" \
		"RABBITMQ_NODE_PORT=$RABBIT_PORT" \
		"RABBITMQ_DIST_PORT=$((RABBIT_PORT + 10))" \
		"RABBITMQ_MNESIA_BASE=$rabbit1_dir/mnesia" \
		"RABBITMQ_LOG_BASE=$rabbit1_dir/log" \
		"RABBITMQ_PID_FILE=$rabbit1_dir/pid"
}

rabbit_ctl() {
	env $(rabbit1_env) "$rabbit1_libexec/rabbitmqctl" -n "$RABBIT_NODE" "$@"
}

# rabbit_start_node [NAME]: start, wait until it serves AMQP.
rabbit_start_node() {
	rabbit1_have || { echo "rabbit: rabbitmq-server is not installed" >&2; return 1; }
	RABBIT_PORT=""
	for p in ${RABBIT_PORT_TRY:-55672 55772 55872 55972}; do
		rabbit1_free "$p" && rabbit1_free $((p + 10)) && rabbit1_free $((p + 20)) &&
			{ RABBIT_PORT=$p; break; }
	done
	[ -n "$RABBIT_PORT" ] || { echo "rabbit: no free port" >&2; return 1; }
	rabbit1_epmd=$((RABBIT_PORT + 20))
	RABBIT_NODE="${1:-vigiltest}@localhost"
	rabbit1_dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-rabbit1.XXXXXX")
	mkdir -p "$rabbit1_dir/home" "$rabbit1_dir/log" "$rabbit1_dir/mnesia"
	/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(20).upper(), end="")' \
		>"$rabbit1_dir/home/.erlang.cookie"
	chmod 400 "$rabbit1_dir/home/.erlang.cookie"
	: >"$rabbit1_dir/rabbitmq-env.conf"
	echo '[].' >"$rabbit1_dir/enabled_plugins"
	cat >"$rabbit1_dir/rabbitmq.conf" <<'CONF'
loopback_users = none
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = warning
CONF
	epmd -port "$rabbit1_epmd" -address 127.0.0.1 >"$rabbit1_dir/epmd.log" 2>&1 </dev/null &
	echo $! >"$rabbit1_dir/epmd.pid"
	env $(rabbit1_env) "$rabbit1_libexec/rabbitmq-server" >"$rabbit1_dir/console.log" 2>&1 </dev/null &
	echo $! >"$rabbit1_dir/wrapper.pid"
	i=0
	while [ "$i" -lt 120 ] && ! rabbit_ctl --timeout 5 ping >/dev/null 2>&1; do
		kill -0 "$(cat "$rabbit1_dir/wrapper.pid")" 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	if ! rabbit_ctl --timeout 60 await_startup >/dev/null 2>&1; then
		echo "rabbit: node $RABBIT_NODE did not start:" >&2
		tail -n 15 "$rabbit1_dir/console.log" "$rabbit1_dir"/log/*.log 2>/dev/null >&2
		rabbit_stop_node
		return 1
	fi
	rabbit_ctl eval 'list_to_integer(os:getpid()).' 2>/dev/null | tr -dc 0-9 >"$rabbit1_dir/beam.pid"
	RABBIT_URL="amqp://guest:guest@127.0.0.1:$RABBIT_PORT"
	export RABBIT_URL RABBIT_NODE RABBIT_PORT
}

rabbit_stop_node() {
	[ -n "$rabbit1_dir" ] || return 0
	rabbit_ctl --timeout 30 stop >/dev/null 2>&1 || true
	pid=$(cat "$rabbit1_dir/beam.pid" 2>/dev/null || true)
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	kill "$(cat "$rabbit1_dir/wrapper.pid" 2>/dev/null)" 2>/dev/null || true
	kill "$(cat "$rabbit1_dir/epmd.pid" 2>/dev/null)" 2>/dev/null || true
	rm -rf "$rabbit1_dir"
	rabbit1_dir=""
	return 0
}
