/*
 * amqp_int.h - the broker connection shared by the publisher and the worker
 * (amqp.c): connect to one of the brokers of the list, log in, declare the
 * topology (exchange vigil.flows, quorum queues vigil.flows.N bound with key
 * "N"), and turn librabbitmq's replies into a sentence.
 */
#ifndef VIGIL_BUS_AMQP_INT_H
#define VIGIL_BUS_AMQP_INT_H

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include "bus/bus.h"

struct bus_brokers {
	struct bus_url url[BUS_MAX_URLS];
	size_t n;
	size_t next;      /* the broker to try first on the next connect */
};

/* Parse the URL list into b. 0 or VIGIL_EINVAL with err. */
int bus_brokers_parse(struct bus_brokers *b, const char *urls, char *err, size_t errlen);
/* Connect to the next broker that answers, starting at b->next (round
 * robin), log in, open channel 1. On failure of all, VIGIL_EIO with the
 * last error. *which gets the index of the broker used. */
int bus_amqp_connect(struct bus_brokers *b, amqp_connection_state_t *out, size_t *which,
		     char *err, size_t errlen);
/* Declare exchange, the P queues and their bindings on channel ch. */
int bus_amqp_declare(amqp_connection_state_t c, amqp_channel_t ch, unsigned partitions,
		     char *err, size_t errlen);
/* 0 for a normal reply, else VIGIL_EIO with "what: reason" in err. */
int bus_amqp_reply(amqp_rpc_reply_t r, const char *what, char *err, size_t errlen);
/* Close politely (ignoring errors) and destroy. */
void bus_amqp_close(amqp_connection_state_t c);
/* "vigil.flows.N" into buf. */
void bus_queue_name(unsigned partition, char *buf, size_t n);

#endif
