/*
 * write.c - the format table and what the writers share (exchange.h).
 */
#include "exchange/exchange_int.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct exchange_writer *const writers[] = {
	&exchange_iodef2, &exchange_iodef1, &exchange_xarf, &exchange_json,
};

const char *const exchange_formats[] = { "iodef", "iodef1", "xarf", "json", NULL };

int exchange_write(const char *format, json_t *const *incidents, size_t n,
		   const struct exchange_opts *o, struct buf *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i]->name, format))
			return writers[i]->write(incidents, n, o, out, err, errlen);
	snprintf(err, errlen, "no export format '%.40s' (iodef, iodef1, xarf, json)", format);
	return VIGIL_EINVAL;
}

const char *ex_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int64_t ex_int(json_t *o, const char *key, int64_t def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

const char *ex_proto_name(int64_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : proto == 58 ? "ipv6-icmp"
	       : proto == 132 ? "sctp" : NULL;
}

const char *ex_now(const struct exchange_opts *o, char t[32])
{
	return vtime_format(o->now_ms ? o->now_ms : vtime_now_ms(), t);
}

/* vigil's own JSON: the desk_show() objects as an array. */
static int write_json(json_t *const *incidents, size_t n, const struct exchange_opts *o,
		      struct buf *out, char *err, size_t errlen)
{
	json_t *a = json_array();
	char *s;
	int rc = 0;

	(void)o;
	for (size_t i = 0; a && i < n; i++)
		json_array_append(a, incidents[i]);
	if (!a || !(s = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		json_decref(a);
		snprintf(err, errlen, "out of memory");
		return VIGIL_ENOMEM;
	}
	if (buf_addstr(out, s) < 0 || buf_addc(out, '\n') < 0)
		rc = VIGIL_ENOMEM;
	free(s);
	json_decref(a);
	return rc;
}

const struct exchange_writer exchange_json = { "json", write_json };

json_t *ex_members(json_t *inc)
{
	static const char *const parts[] = { "children", "linked" };
	json_t *out = json_array(), *seen = json_object(), *m;
	size_t i;

	if (!out || !seen || *ex_str(inc, "host"))
		goto done;
	for (size_t p = 0; p < 2; p++)
		json_array_foreach(json_object_get(inc, parts[p]), i, m) {
			const char *h = ex_str(m, "host");

			if (!*h || json_object_get(seen, h) || json_array_size(out) >= EX_MAX_EVENTS)
				continue;
			json_object_set_new(seen, h, json_true());
			json_array_append(out, m);
		}
done:
	json_decref(seen);
	return out;
}
