/*
 * fmt_asa.c - Cisco ASA / FTD syslog: the translation messages 305011
 * ("Built dynamic TCP translation from inside:REAL/P to outside:MAPPED/P")
 * and 305012 (its teardown, with the duration), and the connection messages
 * 302013/302015 ("Built outbound TCP connection ID for IF:A/P (MA/MP) to
 * IF:B/Q (MB/MQ)": the side whose mapped address or port differs from the
 * real one is the translated host) with their teardowns 302014/302016, which
 * name only the real addresses: they are paired with their build by the
 * connection id (a bounded table). Everything else of the ASA is "other".
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_BITS 16
#define CONN_SLOTS (1u << CONN_BITS) /* connections remembered between build and teardown */

struct conn {
	uint64_t id; /* 0: empty */
	struct vaddr outside, inside;
	uint16_t port, inside_port;
	uint8_t proto;
};

struct asa_state {
	struct conn slot[CONN_SLOTS];
};

static void *asa_state_new(void)
{
	return calloc(1, sizeof(struct asa_state));
}

static void asa_state_free(void *st)
{
	free(st);
}

static struct conn *conn_slot(struct asa_state *st, uint64_t id)
{
	return &st->slot[(id * 0x9E3779B97F4A7C15ull) >> (64 - CONN_BITS)];
}

static int asa_probe(const char *line, size_t len)
{
	struct nat_scan s = { line, line + len };

	return nat_skip_past(&s, "%ASA-") || nat_skip_past(&s, "%FTD-") ? 90 : 0;
}

/* "IF:ADDR/PORT" at s->p (after blanks) */
static bool endpoint(struct nat_scan *s, struct vaddr *a, uint16_t *port)
{
	const char *colon;
	uint32_t v;

	while (s->p < s->end && *s->p == ' ')
		s->p++;
	/* the interface name ends at the last ':' before the '/' (IPv6 has more colons) */
	{
		const char *slash = memchr(s->p, '/', (size_t)(s->end - s->p));
		const char *q;

		if (!slash)
			return false;
		colon = NULL;
		for (q = s->p; q < slash; q++) {
			if (*q == ':') {
				colon = q;
				break; /* interface names have no ':'; the address may */
			}
			if (*q == ' ')
				return false;
		}
		if (!colon)
			return false;
		s->p = colon + 1;
		if (addr_parse_n(s->p, (size_t)(slash - s->p), a))
			return false;
		s->p = slash + 1;
	}
	if (!nat_scan_uint(s, 65535, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "(ADDR/PORT)" */
static bool mapped(struct nat_scan *s, struct vaddr *a, uint16_t *port)
{
	const char *slash;
	uint32_t v;

	while (s->p < s->end && *s->p == ' ')
		s->p++;
	if (s->p >= s->end || *s->p != '(')
		return false;
	s->p++;
	if (!(slash = memchr(s->p, '/', (size_t)(s->end - s->p))) || addr_parse_n(s->p, (size_t)(slash - s->p), a))
		return false;
	s->p = slash + 1;
	if (!nat_scan_uint(s, 65535, &v) || s->p >= s->end || *s->p != ')')
		return false;
	s->p++;
	*port = (uint16_t)v;
	return true;
}

static uint8_t proto_word(struct nat_scan *s)
{
	const char *q;
	uint8_t p;

	while (s->p < s->end && *s->p == ' ')
		s->p++;
	q = s->p;
	while (q < s->end && *q != ' ')
		q++;
	p = nat_proto(s->p, (size_t)(q - s->p));
	s->p = q;
	return p;
}

static int asa_parse(void *state, const char *line, size_t len, const struct nat_fmt_opts *o,
		     struct nat_rec *out, char *err, size_t errlen)
{
	struct asa_state *st = state;
	struct nat_scan s = { line, line + len };
	uint32_t msgid, secs;
	int64_t ts;
	size_t used;
	bool have_ts;
	const char *tag;

	if (!nat_skip_past(&s, "%ASA-") && !(s.p = line, nat_skip_past(&s, "%FTD-")))
		return 0;
	tag = s.p;
	if (s.end - s.p < 8 || s.p[1] != '-')
		return 0;
	s.p += 2;
	if (!nat_scan_uint(&s, 999999, &msgid) || s.p >= s.end || *s.p != ':')
		return 0;
	s.p++;
	if (msgid != 305011 && msgid != 305012 && (msgid < 302013 || msgid > 302016))
		return 0;
	(void)tag;
	have_ts = nat_syslog_time(line, len, o, &ts, &used) == 0;
	if (!have_ts) { /* "host: Mar 01 2024 ..." or a relay's prefix: find the stamp before %ASA */
		for (const char *q = line; q + 15 < tag && !have_ts; q++)
			if ((q == line || q[-1] == ' ') && nat_syslog_time(q, (size_t)(tag - q), o, &ts, &used) == 0)
				have_ts = true;
	}
	if (!have_ts) {
		snprintf(err, errlen, "ASA %u message without a time stamp", msgid);
		return VIGIL_EFORMAT;
	}
	memset(out, 0, sizeof(*out));
	if (msgid == 305011 || msgid == 305012) {
		bool built = msgid == 305011;

		if (!nat_skip_past(&s, built ? "Built " : "Teardown "))
			goto bad;
		/* dynamic|static|identity */
		while (s.p < s.end && *s.p != ' ')
			s.p++;
		out->proto = proto_word(&s);
		if (!nat_skip_past(&s, " translation from ") || !endpoint(&s, &out->inside, &out->inside_port) ||
		    !nat_skip_past(&s, " to ") || !endpoint(&s, &out->outside, &out->outside_port))
			goto bad;
		if (built) {
			out->ev = NAT_OPEN;
			out->start_ms = ts;
		} else {
			out->ev = NAT_CLOSE;
			out->end_ms = ts;
			if (nat_skip_past(&s, " duration ") && nat_scan_duration(&s, &secs))
				out->start_ms = ts - (int64_t)secs * 1000;
		}
		return 1;
	}
	if (msgid == 302013 || msgid == 302015) {
		struct vaddr a, ma, b, mb;
		uint16_t ap, map, bp, mbp;
		uint32_t id;
		struct conn *c;

		if (!nat_skip_past(&s, "Built "))
			goto bad;
		while (s.p < s.end && *s.p != ' ') /* inbound|outbound */
			s.p++;
		out->proto = proto_word(&s);
		if (!nat_skip_past(&s, "connection ") || !nat_scan_uint(&s, UINT32_MAX, &id) ||
		    !nat_skip_past(&s, " for ") || !endpoint(&s, &a, &ap) || !mapped(&s, &ma, &map) ||
		    !nat_skip_past(&s, " to ") || !endpoint(&s, &b, &bp) || !mapped(&s, &mb, &mbp))
			goto bad;
		if (!addr_eq(&b, &mb) || bp != mbp) {
			out->inside = b;
			out->inside_port = bp;
			out->outside = mb;
			out->outside_port = mbp;
			out->peer = a;
			out->peer_port = ap;
		} else if (!addr_eq(&a, &ma) || ap != map) {
			out->inside = a;
			out->inside_port = ap;
			out->outside = ma;
			out->outside_port = map;
			out->peer = b;
			out->peer_port = bp;
		} else {
			return 0; /* not translated */
		}
		out->has_peer = true;
		out->ev = NAT_OPEN;
		out->start_ms = ts;
		if (st) {
			c = conn_slot(st, (uint64_t)id + 1);
			c->id = (uint64_t)id + 1;
			c->outside = out->outside;
			c->inside = out->inside;
			c->port = out->outside_port;
			c->inside_port = out->inside_port;
			c->proto = out->proto;
		}
		return 1;
	}
	/* 302014 / 302016: the teardown of a connection built earlier */
	{
		uint32_t id;
		struct conn *c;

		if (!nat_skip_past(&s, "connection ") || !nat_scan_uint(&s, UINT32_MAX, &id))
			goto bad;
		if (!st || (c = conn_slot(st, (uint64_t)id + 1))->id != (uint64_t)id + 1)
			return 0; /* its build was not seen: nothing says how it was translated */
		out->ev = NAT_CLOSE;
		out->proto = c->proto;
		out->outside = c->outside;
		out->outside_port = c->port;
		out->inside = c->inside;
		out->inside_port = c->inside_port;
		out->end_ms = ts;
		if (nat_skip_past(&s, " duration ") && nat_scan_duration(&s, &secs))
			out->start_ms = ts - (int64_t)secs * 1000;
		c->id = 0;
		return 1;
	}
bad:
	snprintf(err, errlen, "ASA %u message that cannot be read", msgid);
	return VIGIL_EFORMAT;
}

const struct nat_format nat_fmt_asa = {
	"asa", "Cisco ASA/FTD syslog: 305011/305012 translations, 302013-302016 connections",
	asa_probe, asa_parse, asa_state_new, asa_state_free,
};
