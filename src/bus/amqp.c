/*
 * amqp.c - connecting to a RabbitMQ broker of a list, with failover, and
 * declaring the bus's topology (docs/internals/bus.md, "Topology").
 */
#include "bus/amqp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "util/err.h"

#define CONNECT_TIMEOUT_S 5
#define RPC_TIMEOUT_S 30
#define HEARTBEAT_S 30

int bus_parse_urls(const char *s, struct bus_url *out, size_t cap, char *err, size_t errlen)
{
	size_t n = 0;

	if (!s || !*s) {
		snprintf(err, errlen, "no broker URL given");
		return VIGIL_EINVAL;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		char tmp[1024];
		struct amqp_connection_info ci;

		if (len == 0 || len >= sizeof(tmp)) {
			snprintf(err, errlen, "broker URL %zu is empty or too long", n + 1);
			return VIGIL_EINVAL;
		}
		if (n == cap) {
			snprintf(err, errlen, "more than %zu broker URLs", cap);
			return VIGIL_EINVAL;
		}
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		if (amqp_parse_url(tmp, &ci) != AMQP_STATUS_OK || ci.ssl) {
			snprintf(err, errlen, "broker URL %zu is not amqp://user:pass@host:port/vhost",
				 n + 1);
			return VIGIL_EINVAL;
		}
		if (strlen(ci.host) >= sizeof(out[n].host) || strlen(ci.user) >= sizeof(out[n].user) ||
		    strlen(ci.password) >= sizeof(out[n].pass) ||
		    strlen(ci.vhost) >= sizeof(out[n].vhost)) {
			snprintf(err, errlen, "broker URL %zu has an over-long part", n + 1);
			return VIGIL_EINVAL;
		}
		snprintf(out[n].host, sizeof(out[n].host), "%s", ci.host);
		snprintf(out[n].user, sizeof(out[n].user), "%s", ci.user);
		snprintf(out[n].pass, sizeof(out[n].pass), "%s", ci.password);
		snprintf(out[n].vhost, sizeof(out[n].vhost), "%s", ci.vhost);
		out[n].port = ci.port;
		n++;
		s += len;
		if (*s == ',')
			s++;
	}
	return (int)n;
}

int bus_brokers_parse(struct bus_brokers *b, const char *urls, char *err, size_t errlen)
{
	int n = bus_parse_urls(urls, b->url, BUS_MAX_URLS, err, errlen);

	if (n < 0)
		return n;
	b->n = (size_t)n;
	b->next = 0;
	return 0;
}

int bus_amqp_reply(amqp_rpc_reply_t r, const char *what, char *err, size_t errlen)
{
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return 0;
	case AMQP_RESPONSE_NONE:
		snprintf(err, errlen, "%s: no reply from the broker", what);
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		snprintf(err, errlen, "%s: %s", what, amqp_error_string2(r.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *m = r.reply.decoded;

			snprintf(err, errlen, "%s: broker closed the connection: %u %.*s", what,
				 m->reply_code, (int)m->reply_text.len, (char *)m->reply_text.bytes);
		} else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_channel_close_t *m = r.reply.decoded;

			snprintf(err, errlen, "%s: broker closed the channel: %u %.*s", what,
				 m->reply_code, (int)m->reply_text.len, (char *)m->reply_text.bytes);
		} else {
			snprintf(err, errlen, "%s: broker error (method 0x%08x)", what, r.reply.id);
		}
		break;
	}
	return VIGIL_EIO;
}

static int connect_one(const struct bus_url *u, amqp_connection_state_t *out, char *err,
		       size_t errlen)
{
	amqp_connection_state_t c = amqp_new_connection();
	amqp_socket_t *s;
	struct timeval tv = { CONNECT_TIMEOUT_S, 0 }, rpc = { RPC_TIMEOUT_S, 0 };
	int rc;

	if (!c)
		return VIGIL_ENOMEM;
	s = amqp_tcp_socket_new(c);
	if (!s) {
		amqp_destroy_connection(c);
		return VIGIL_ENOMEM;
	}
	rc = amqp_socket_open_noblock(s, u->host, u->port, &tv);
	if (rc != AMQP_STATUS_OK) {
		snprintf(err, errlen, "%s:%d: %s", u->host, u->port, amqp_error_string2(rc));
		amqp_destroy_connection(c);
		return VIGIL_EIO;
	}
	amqp_set_rpc_timeout(c, &rpc);
	if (bus_amqp_reply(amqp_login(c, u->vhost, 0, 131072, HEARTBEAT_S, AMQP_SASL_METHOD_PLAIN,
				      u->user, u->pass),
			   "login", err, errlen) < 0) {
		amqp_destroy_connection(c);
		return VIGIL_EIO;
	}
	amqp_channel_open(c, 1);
	if (bus_amqp_reply(amqp_get_rpc_reply(c), "channel open", err, errlen) < 0) {
		bus_amqp_close(c);
		return VIGIL_EIO;
	}
	*out = c;
	return 0;
}

int bus_amqp_connect(struct bus_brokers *b, amqp_connection_state_t *out, size_t *which,
		     char *err, size_t errlen)
{
	char last[256] = "no broker";

	for (size_t k = 0; k < b->n; k++) {
		size_t i = (b->next + k) % b->n;

		if (connect_one(&b->url[i], out, last, sizeof(last)) == 0) {
			b->next = (i + 1) % b->n; /* after a loss, start with the next one */
			*which = i;
			return 0;
		}
	}
	snprintf(err, errlen, "no broker answered (last: %s)", last);
	return VIGIL_EIO;
}

void bus_queue_name(unsigned partition, char *buf, size_t n)
{
	snprintf(buf, n, "%s%u", BUS_QUEUE_PREFIX, partition);
}

int bus_amqp_declare(amqp_connection_state_t c, amqp_channel_t ch, unsigned partitions,
		     char *err, size_t errlen)
{
	amqp_table_entry_t qtype = { amqp_cstring_bytes("x-queue-type"),
				     { .kind = AMQP_FIELD_KIND_UTF8,
				       .value.bytes = amqp_cstring_bytes("quorum") } };
	amqp_table_t args = { 1, &qtype };

	amqp_exchange_declare(c, ch, amqp_cstring_bytes(BUS_EXCHANGE), amqp_cstring_bytes("direct"),
			      0, 1, 0, 0, amqp_empty_table);
	if (bus_amqp_reply(amqp_get_rpc_reply(c), "declare exchange " BUS_EXCHANGE, err, errlen) < 0)
		return VIGIL_EIO;
	for (unsigned p = 0; p < partitions; p++) {
		char q[64], key[16];

		bus_queue_name(p, q, sizeof(q));
		snprintf(key, sizeof(key), "%u", p);
		amqp_queue_declare(c, ch, amqp_cstring_bytes(q), 0, 1, 0, 0, args);
		if (bus_amqp_reply(amqp_get_rpc_reply(c), "declare queue", err, errlen) < 0)
			return VIGIL_EIO;
		amqp_queue_bind(c, ch, amqp_cstring_bytes(q), amqp_cstring_bytes(BUS_EXCHANGE),
				amqp_cstring_bytes(key), amqp_empty_table);
		if (bus_amqp_reply(amqp_get_rpc_reply(c), "bind queue", err, errlen) < 0)
			return VIGIL_EIO;
	}
	return 0;
}

void bus_amqp_close(amqp_connection_state_t c)
{
	if (!c)
		return;
	amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
}
