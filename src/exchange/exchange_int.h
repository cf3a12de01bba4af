/*
 * exchange_int.h - what the writers of src/exchange share: reading fields
 * of a desk_show() object, and the writer table entry.
 */
#ifndef VIGIL_EXCHANGE_INT_H
#define VIGIL_EXCHANGE_INT_H

#include "exchange/exchange.h"

#include <jansson.h>
#include <stdint.h>

struct exchange_writer {
	const char *name;
	int (*write)(json_t *const *incidents, size_t n, const struct exchange_opts *o,
		     struct buf *out, char *err, size_t errlen);
};

extern const struct exchange_writer exchange_iodef2, exchange_iodef1, exchange_xarf,
	exchange_json;

/* A string member of o ("" when absent or not a string). */
const char *ex_str(json_t *o, const char *key);
/* An integer member of o (def when absent). */
int64_t ex_int(json_t *o, const char *key, int64_t def);
/* "tcp"/"udp"/"icmp" for an IP protocol number, NULL for others. */
const char *ex_proto_name(int64_t proto);
/* The time now as RFC 3339 into t[32] (o->now_ms or the clock). */
const char *ex_now(const struct exchange_opts *o, char t[32]);

/* The member incidents of a campaign (a parent without a host of its own):
 * its children and the incidents linked to it, each {id, host, ...} with a
 * host, once per host, at most EX_MAX_EVENTS. A new reference (an empty
 * array for an incident with a host, or when out of memory: never NULL
 * unless jansson fails outright). */
json_t *ex_members(json_t *inc);

#define EX_MAX_EVENTS 1000 /* evidence records written per incident */

#endif
