/* event.c - event JSON lines, written by hand for speed and read with jansson (see event.h). */
#include "util/event.h"
#include "util/err.h"
#include "util/proto.h"
#include "util/vtime.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

void event_init(struct event *e)
{
	memset(e, 0, sizeof(*e));
	e->port = -1;
	e->proto = -1;
	e->distinct = -1;
}

int event_to_json(const struct event *e, struct buf *b)
{
	char a[ADDR_STRLEN], t1[VTIME_STRLEN], t2[VTIME_STRLEN];
	int rc = 0;

	rc |= buf_addstr(b, "{\"kind\":");
	rc |= buf_add_json_str(b, e->kind);
	rc |= buf_printf(b, ",\"host\":\"%s\"", addr_format(&e->host, a));
	rc |= buf_addstr(b, ",\"role\":");
	rc |= buf_add_json_str(b, e->role[0] ? e->role : "source");
	if (e->has_peer)
		rc |= buf_printf(b, ",\"peer\":\"%s\"", addr_format(&e->peer, a));
	if (e->port >= 0)
		rc |= buf_printf(b, ",\"port\":%d", e->port);
	if (e->proto >= 0) {
		const char *pn = proto_name((uint8_t)e->proto);
		if (pn)
			rc |= buf_printf(b, ",\"proto\":\"%s\"", pn);
		else
			rc |= buf_printf(b, ",\"proto\":%d", e->proto);
	}
	rc |= buf_printf(b, ",\"first\":\"%s\",\"last\":\"%s\"", vtime_format(e->first_ms, t1),
			 vtime_format(e->last_ms, t2));
	rc |= buf_printf(b, ",\"flows\":%llu,\"packets\":%llu,\"bytes\":%llu",
			 (unsigned long long)e->flows, (unsigned long long)e->packets,
			 (unsigned long long)e->bytes);
	if (e->distinct >= 0)
		rc |= buf_printf(b, ",\"distinct\":%lld", (long long)e->distinct);
	rc |= buf_printf(b, ",\"score\":%.6g", e->score);
	rc |= buf_printf(b, ",\"estimate\":%s", e->estimate ? "true" : "false");
	if (e->sampling)
		rc |= buf_printf(b, ",\"sampling\":%u", e->sampling);
	rc |= buf_addstr(b, ",\"why\":");
	rc |= buf_add_json_str(b, e->why);
	if (e->feed[0]) {
		rc |= buf_addstr(b, ",\"feed\":");
		rc |= buf_add_json_str(b, e->feed);
	}
	if (e->ref[0]) {
		rc |= buf_addstr(b, ",\"ref\":");
		rc |= buf_add_json_str(b, e->ref);
	}
	if (e->query[0]) {
		rc |= buf_addstr(b, ",\"query\":");
		rc |= buf_add_json_str(b, e->query);
	}
	if (e->source[0]) {
		rc |= buf_addstr(b, ",\"source\":");
		rc |= buf_add_json_str(b, e->source);
	}
	if (e->doc[0]) {
		rc |= buf_addstr(b, ",\"doc\":");
		rc |= buf_add_json_str(b, e->doc);
	}
	rc |= buf_addc(b, '}');
	return rc ? VIGIL_ELIMIT : 0;
}

/* Copy a JSON string into dst[n]; an over-long value is cut at a UTF-8
 * character boundary, so what we write back out is still valid JSON. */
static void copy_str(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = s ? strlen(s) : 0;

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	if (len)
		memcpy(dst, s, len);
	dst[len] = '\0';
}

static int get_u64(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*out = (uint64_t)json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) >= 0 &&
		 json_real_value(v) < 18446744073709551616.0) /* 2^64 */
		*out = (uint64_t)json_real_value(v);
	else
		return -1;
	return 0;
}

int event_from_json(const char *s, size_t len, struct event *e, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o = json_loadb(s, len, 0, &jerr), *v;
	const char *why = NULL;
	int rc = VIGIL_EFORMAT;

	event_init(e);
	if (!o) {
		snprintf(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return VIGIL_EFORMAT;
	}
	if (!json_is_object(o)) {
		why = "not a JSON object";
		goto out;
	}
	if (!json_is_string(v = json_object_get(o, "kind")) || !json_string_length(v)) {
		why = "missing \"kind\"";
		goto out;
	}
	copy_str(e->kind, sizeof(e->kind), v);
	if (!json_is_string(v = json_object_get(o, "host")) ||
	    addr_parse(json_string_value(v), &e->host) != 0) {
		why = "missing or bad \"host\" (an IP address)";
		goto out;
	}
	copy_str(e->role, sizeof(e->role), json_object_get(o, "role"));
	if (!e->role[0])
		snprintf(e->role, sizeof(e->role), "source");
	if ((v = json_object_get(o, "peer")) && !json_is_null(v)) {
		if (!json_is_string(v) || addr_parse(json_string_value(v), &e->peer) != 0) {
			why = "bad \"peer\" (an IP address)";
			goto out;
		}
		e->has_peer = true;
	}
	if ((v = json_object_get(o, "port")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
			why = "bad \"port\" (0..65535)";
			goto out;
		}
		e->port = (int32_t)json_integer_value(v);
	}
	if ((v = json_object_get(o, "proto")) && !json_is_null(v)) {
		int p = json_is_integer(v) ? (int)json_integer_value(v)
		      : json_is_string(v) ? proto_parse(json_string_value(v)) : -1;
		if (p < 0 || p > 255) {
			why = "bad \"proto\"";
			goto out;
		}
		e->proto = (int16_t)p;
	}
	if (!json_is_string(v = json_object_get(o, "first")) ||
	    vtime_parse(json_string_value(v), &e->first_ms) != 0) {
		why = "missing or bad \"first\" (RFC 3339 time)";
		goto out;
	}
	e->last_ms = e->first_ms;
	if ((v = json_object_get(o, "last")) && !json_is_null(v) &&
	    (!json_is_string(v) || vtime_parse(json_string_value(v), &e->last_ms) != 0)) {
		why = "bad \"last\" (RFC 3339 time)";
		goto out;
	}
	if (get_u64(o, "flows", &e->flows) || get_u64(o, "packets", &e->packets) ||
	    get_u64(o, "bytes", &e->bytes)) {
		why = "bad count (flows, packets or bytes)";
		goto out;
	}
	if ((v = json_object_get(o, "distinct")) && json_is_integer(v))
		e->distinct = json_integer_value(v);
	if ((v = json_object_get(o, "score")) && json_is_number(v))
		e->score = json_number_value(v);
	if ((v = json_object_get(o, "estimate")))
		e->estimate = json_is_true(v);
	if ((v = json_object_get(o, "sampling")) && json_is_integer(v) && json_integer_value(v) > 0)
		e->sampling = (uint32_t)json_integer_value(v);
	copy_str(e->why, sizeof(e->why), json_object_get(o, "why"));
	copy_str(e->feed, sizeof(e->feed), json_object_get(o, "feed"));
	copy_str(e->ref, sizeof(e->ref), json_object_get(o, "ref"));
	copy_str(e->query, sizeof(e->query), json_object_get(o, "query"));
	copy_str(e->source, sizeof(e->source), json_object_get(o, "source"));
	if ((v = json_object_get(o, "doc")) && !json_is_null(v)) {
		const char *h = json_string_value(v);
		size_t i = 0;

		while (h && i < 64 && ((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			i++;
		if (!h || i != 64 || h[64]) {
			why = "bad \"doc\" (64 lower-case hex digits of a SHA-256)";
			goto out;
		}
		memcpy(e->doc, h, 65);
	}
	rc = 0;
out:
	if (why)
		snprintf(err, errlen, "%s", why);
	json_decref(o);
	return rc;
}
