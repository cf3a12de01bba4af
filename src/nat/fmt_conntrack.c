/*
 * fmt_conntrack.c - Linux connection tracking events as `conntrack -E -o
 * timestamp` (and `-o timestamp,extended`) prints them:
 *   [1700000000.123456]	    [NEW] tcp      6 120 SYN_SENT src=10.0.0.2
 *   dst=198.51.100.1 sport=40000 dport=80 [UNREPLIED] src=198.51.100.1
 *   dst=203.0.113.5 sport=80 dport=61000
 * The reply tuple says how the connection was translated: a reply going to
 * another address or port than the original source is source NAT (the
 * reply's dst/dport are the outside address and port); a reply from another
 * address than the original destination is destination NAT (a port forward).
 * NEW opens a mapping, DESTROY closes it; UPDATE lines are "other".
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static int ct_probe(const char *line, size_t len)
{
	struct nat_scan s = { line, line + len };

	if (!nat_skip_past(&s, "src=") || !nat_skip_past(&s, "dst="))
		return 0;
	s.p = line;
	return nat_skip_past(&s, "[NEW]") || nat_skip_past(&s, "[DESTROY]") ||
			       (s.p = line, nat_skip_past(&s, "[UPDATE]"))
		       ? 80
		       : 20;
}

struct tuple {
	struct vaddr src, dst;
	uint32_t sport, dport;
	bool have_src, have_dst;
};

/* key=value pairs of one tuple, from s->p to the next "src=" after a dst= */
static bool tuple(struct nat_scan *s, struct tuple *t)
{
	memset(t, 0, sizeof(*t));
	while (s->p < s->end) {
		while (s->p < s->end && *s->p == ' ')
			s->p++;
		if (s->end - s->p > 4 && !memcmp(s->p, "src=", 4)) {
			if (t->have_src)
				return t->have_dst; /* the next tuple */
			s->p += 4;
			if (!nat_scan_addr(s, &t->src))
				return false;
			t->have_src = true;
		} else if (s->end - s->p > 4 && !memcmp(s->p, "dst=", 4)) {
			s->p += 4;
			if (!nat_scan_addr(s, &t->dst))
				return false;
			t->have_dst = true;
		} else if (s->end - s->p > 6 && !memcmp(s->p, "sport=", 6)) {
			s->p += 6;
			if (!nat_scan_uint(s, 65535, &t->sport))
				return false;
		} else if (s->end - s->p > 6 && !memcmp(s->p, "dport=", 6)) {
			s->p += 6;
			if (!nat_scan_uint(s, 65535, &t->dport))
				return false;
		} else if (s->end - s->p > 3 && !memcmp(s->p, "id=", 3)) { /* icmp */
			s->p += 3;
			if (!nat_scan_uint(s, 65535, &t->sport))
				return false;
			t->dport = t->sport;
		} else {
			while (s->p < s->end && *s->p != ' ')
				s->p++;
		}
	}
	return t->have_src && t->have_dst;
}

static int ct_parse(void *state, const char *line, size_t len, const struct nat_fmt_opts *o,
		    struct nat_rec *out, char *err, size_t errlen)
{
	struct nat_scan s = { line, line + len };
	struct tuple orig, reply;
	uint32_t sec, usec = 0;
	const char *q;
	bool open;

	(void)state;
	(void)o;
	while (s.p < s.end && (*s.p == ' ' || *s.p == '\t'))
		s.p++;
	if (s.p >= s.end || *s.p != '[')
		return 0;
	s.p++;
	if (!nat_scan_uint(&s, UINT32_MAX, &sec) || sec == 0) { /* no -o timestamp */
		snprintf(err, errlen, "conntrack event without a time stamp (run conntrack -E -o timestamp)");
		return VIGIL_EFORMAT;
	}
	if (s.p < s.end && *s.p == '.') {
		const char *u = ++s.p;
		if (!nat_scan_uint(&s, 999999999, &usec))
			goto bad;
		for (ptrdiff_t n = s.p - u; n < 6; n++)
			usec *= 10;
		while (usec > 999999)
			usec /= 10;
	}
	if (!nat_skip_past(&s, "]"))
		goto bad;
	while (s.p < s.end && (*s.p == ' ' || *s.p == '\t'))
		s.p++;
	if (s.end - s.p >= 5 && !memcmp(s.p, "[NEW]", 5))
		open = true;
	else if (s.end - s.p >= 9 && !memcmp(s.p, "[DESTROY]", 9))
		open = false;
	else
		return 0;
	s.p = memchr(s.p, ']', (size_t)(s.end - s.p)) + 1;
	/* [ipv4 2] proto num [timeout] [state] */
	while (s.p < s.end && *s.p == ' ')
		s.p++;
	q = s.p;
	while (q < s.end && *q != ' ')
		q++;
	if ((q - s.p == 4 && (!memcmp(s.p, "ipv4", 4) || !memcmp(s.p, "ipv6", 4)))) {
		s.p = q;
		while (s.p < s.end && (*s.p == ' ' || (*s.p >= '0' && *s.p <= '9')))
			s.p++;
		q = s.p;
		while (q < s.end && *q != ' ')
			q++;
	}
	memset(out, 0, sizeof(*out));
	out->proto = nat_proto(s.p, (size_t)(q - s.p));
	s.p = q;
	if (!nat_skip_past(&s, "src=")) /* back up onto the first src= */
		goto bad;
	s.p -= 4;
	if (!tuple(&s, &orig) || !tuple(&s, &reply))
		goto bad;
	if (!addr_eq(&reply.dst, &orig.src) || reply.dport != orig.sport) { /* source NAT */
		out->inside = orig.src;
		out->inside_port = (uint16_t)orig.sport;
		out->outside = reply.dst;
		out->outside_port = (uint16_t)reply.dport;
		out->peer = orig.dst;
		out->peer_port = (uint16_t)orig.dport;
	} else if (!addr_eq(&reply.src, &orig.dst) || reply.sport != orig.dport) { /* port forward */
		out->inside = reply.src;
		out->inside_port = (uint16_t)reply.sport;
		out->outside = orig.dst;
		out->outside_port = (uint16_t)orig.dport;
		out->peer = orig.src;
		out->peer_port = (uint16_t)orig.sport;
	} else {
		return 0; /* not translated */
	}
	out->has_peer = true;
	if (open) {
		out->ev = NAT_OPEN;
		out->start_ms = (int64_t)sec * 1000 + usec / 1000;
	} else {
		out->ev = NAT_CLOSE;
		out->end_ms = (int64_t)sec * 1000 + usec / 1000;
	}
	return 1;
bad:
	snprintf(err, errlen, "conntrack event that cannot be read");
	return VIGIL_EFORMAT;
}

const struct nat_format nat_fmt_conntrack = {
	"conntrack", "Linux conntrack -E -o timestamp events (NEW, DESTROY) with SNAT or DNAT",
	ct_probe, ct_parse, NULL, NULL,
};
