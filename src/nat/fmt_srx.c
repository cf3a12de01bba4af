/*
 * fmt_srx.c - Juniper SRX session logs: RT_FLOW_SESSION_CREATE and
 * RT_FLOW_SESSION_CLOSE in the structured-data form (source-address="..."
 * nat-source-address="..." ... elapsed-time="N") and the classic one
 * ("session created A/P->B/Q 0x0 junos-http NA/NP->NB/NQ 0x0 ..."). Source
 * NAT (nat-source differs) maps the outside source to the inside host; with
 * none, destination NAT (a port forward) maps the outside destination to
 * the inside server. A CLOSE with its elapsed time gives the start too.
 * DENY, APPTRACK and the rest are "other". Typographic quotes (U+201C/D)
 * that some relays write are read as '"'.
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static int srx_probe(const char *line, size_t len)
{
	struct nat_scan s = { line, line + len };

	return nat_skip_past(&s, "RT_FLOW") ? 85 : 0;
}

/* The value of key="..." (or key=“...”) in the structured data. */
static bool sd_value(const char *line, size_t len, const char *key, const char **v, size_t *vn)
{
	struct nat_scan s = { line, line + len };
	char k[48];

	snprintf(k, sizeof(k), " %s=", key);
	if (!nat_skip_past(&s, k))
		return false;
	if (s.p < s.end && *s.p == '"')
		s.p++;
	else if (s.end - s.p >= 3 && (unsigned char)s.p[0] == 0xE2 && (unsigned char)s.p[1] == 0x80 &&
		 ((unsigned char)s.p[2] == 0x9C || (unsigned char)s.p[2] == 0x9D))
		s.p += 3;
	else
		return false;
	*v = s.p;
	while (s.p < s.end && *s.p != '"' && (unsigned char)*s.p != 0xE2)
		s.p++;
	*vn = (size_t)(s.p - *v);
	return true;
}

static bool sd_addr(const char *line, size_t len, const char *key, struct vaddr *a)
{
	const char *v;
	size_t n;

	return sd_value(line, len, key, &v, &n) && addr_parse_n(v, n, a) == 0;
}

static bool sd_uint(const char *line, size_t len, const char *key, uint32_t max, uint32_t *out)
{
	const char *v;
	size_t n;
	struct nat_scan s;

	if (!sd_value(line, len, key, &v, &n))
		return false;
	s.p = v;
	s.end = v + n;
	return nat_scan_uint(&s, max, out) && s.p == s.end;
}

/* "A/P->B/Q" */
static bool arrow(struct nat_scan *s, struct vaddr *a, uint32_t *ap, struct vaddr *b, uint32_t *bp)
{
	const char *slash;

	while (s->p < s->end && *s->p == ' ')
		s->p++;
	if (!(slash = memchr(s->p, '/', (size_t)(s->end - s->p))) || addr_parse_n(s->p, (size_t)(slash - s->p), a))
		return false;
	s->p = slash + 1;
	if (!nat_scan_uint(s, 65535, ap) || s->end - s->p < 2 || s->p[0] != '-' || s->p[1] != '>')
		return false;
	s->p += 2;
	if (!(slash = memchr(s->p, '/', (size_t)(s->end - s->p))) || addr_parse_n(s->p, (size_t)(slash - s->p), b))
		return false;
	s->p = slash + 1;
	return nat_scan_uint(s, 65535, bp);
}

static int srx_time(const char *line, size_t len, const struct nat_fmt_opts *o, int64_t *ts)
{
	size_t used;
	const char *p = line, *end = line + len;

	if (p < end && *p == '<') { /* <PRI>1 2019-...: RFC 5424 */
		const char *gt = memchr(p, '>', (size_t)(end - p) < 6 ? (size_t)(end - p) : 6);
		if (gt && gt + 2 < end && gt[1] == '1' && gt[2] == ' ')
			p = gt + 3;
	}
	for (; p + 15 < end; p++) {
		if ((p == line || p[-1] == ' ' || p[-1] == '>') &&
		    nat_syslog_time(p, (size_t)(end - p), o, ts, &used) == 0)
			return 0;
		if (p - line > 64)
			break;
	}
	return -1;
}

static int srx_parse(void *state, const char *line, size_t len, const struct nat_fmt_opts *o,
		     struct nat_rec *out, char *err, size_t errlen)
{
	struct nat_scan s = { line, line + len };
	struct vaddr sa, da, nsa, nda;
	uint32_t sp = 0, dp = 0, nsp = 0, ndp = 0, proto = 0, elapsed = 0;
	bool create, have_elapsed = false;
	int64_t ts;

	(void)state;
	if (!nat_skip_past(&s, "RT_FLOW_SESSION_"))
		return 0;
	if (s.end - s.p >= 6 && !memcmp(s.p, "CREATE", 6))
		create = true;
	else if (s.end - s.p >= 5 && !memcmp(s.p, "CLOSE", 5))
		create = false;
	else
		return 0;
	if (srx_time(line, len, o, &ts)) {
		snprintf(err, errlen, "RT_FLOW_SESSION_%s without a time stamp", create ? "CREATE" : "CLOSE");
		return VIGIL_EFORMAT;
	}
	if (sd_addr(line, len, "source-address", &sa)) { /* structured */
		if (!sd_uint(line, len, "source-port", 65535, &sp) ||
		    !sd_addr(line, len, "destination-address", &da) ||
		    !sd_uint(line, len, "destination-port", 65535, &dp) ||
		    !sd_addr(line, len, "nat-source-address", &nsa) ||
		    !sd_uint(line, len, "nat-source-port", 65535, &nsp) ||
		    !sd_addr(line, len, "nat-destination-address", &nda) ||
		    !sd_uint(line, len, "nat-destination-port", 65535, &ndp))
			goto bad;
		sd_uint(line, len, "protocol-id", 255, &proto);
		have_elapsed = sd_uint(line, len, "elapsed-time", UINT32_MAX, &elapsed);
	} else { /* classic */
		s.p = line;
		if (!nat_skip_past(&s, create ? "session created " : "session closed "))
			goto bad;
		if (!create && !nat_skip_past(&s, ": "))
			goto bad;
		if (!arrow(&s, &sa, &sp, &da, &dp))
			goto bad;
		/* [0x0] service: the tokens before the translated tuple */
		for (int tok = 0; tok < 3; tok++) {
			while (s.p < s.end && *s.p == ' ')
				s.p++;
			const char *t = s.p;
			while (s.p < s.end && *s.p != ' ')
				s.p++;
			bool hex = s.p - t > 2 && t[0] == '0' && t[1] == 'x';
			if (!hex && tok > 0)
				break; /* the service name: the tuple follows */
			if (!hex && tok == 0)
				break; /* no 0x0 before the service */
		}
		if (!arrow(&s, &nsa, &nsp, &nda, &ndp))
			goto bad;
		if (!create) { /* ... N(B) N(B) ELAPSED */
			struct nat_scan t = s;
			int seen = 0;
			while (t.p < t.end && seen < 2) {
				if (*t.p == ')' && t.p + 1 < t.end && t.p[1] == ' ')
					seen++;
				t.p++;
			}
			if (seen == 2) {
				t.p++;
				have_elapsed = nat_scan_uint(&t, UINT32_MAX, &elapsed);
			}
		}
	}
	memset(out, 0, sizeof(*out));
	out->proto = (uint8_t)proto;
	if (!addr_eq(&sa, &nsa) || sp != nsp) { /* source NAT */
		out->inside = sa;
		out->inside_port = (uint16_t)sp;
		out->outside = nsa;
		out->outside_port = (uint16_t)nsp;
		out->peer = da;
		out->peer_port = (uint16_t)dp;
	} else if (!addr_eq(&da, &nda) || dp != ndp) { /* destination NAT */
		out->inside = nda;
		out->inside_port = (uint16_t)ndp;
		out->outside = da;
		out->outside_port = (uint16_t)dp;
		out->peer = sa;
		out->peer_port = (uint16_t)sp;
	} else {
		return 0; /* not translated */
	}
	out->has_peer = true;
	if (create) {
		out->ev = NAT_OPEN;
		out->start_ms = ts;
	} else {
		out->ev = NAT_CLOSE;
		out->end_ms = ts;
		if (have_elapsed)
			out->start_ms = ts - (int64_t)elapsed * 1000;
	}
	return 1;
bad:
	snprintf(err, errlen, "RT_FLOW_SESSION_%s that cannot be read", create ? "CREATE" : "CLOSE");
	return VIGIL_EFORMAT;
}

const struct nat_format nat_fmt_srx = {
	"srx", "Juniper SRX RT_FLOW_SESSION_CREATE/CLOSE (structured or classic)",
	srx_probe, srx_parse, NULL, NULL,
};
