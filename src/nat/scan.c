/*
 * scan.c - what the NAT log readers share: scanning a line without regular
 * expressions or allocation (addresses, numbers, durations, protocol names)
 * and the syslog and ISO time stamps firewalls put in front of their lines.
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <string.h>
#include <strings.h>
#include <time.h>

bool nat_skip_past(struct nat_scan *s, const char *needle)
{
	size_t k = strlen(needle);
	const char *p = s->p;

	while ((size_t)(s->end - p) >= k && (p = memchr(p, needle[0], (size_t)(s->end - p) - k + 1))) {
		if (!memcmp(p, needle, k)) {
			s->p = p + k;
			return true;
		}
		p++;
	}
	return false;
}

bool nat_scan_addr(struct nat_scan *s, struct vaddr *a)
{
	const char *q = s->p;

	while (q < s->end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
			      (*q >= 'A' && *q <= 'F') || *q == '.' || *q == ':'))
		q++;
	/* an IPv4 address followed by ":port" (conntrack does not, ASA uses '/') */
	if (q == s->p || q - s->p > 45 || addr_parse_n(s->p, (size_t)(q - s->p), a))
		return false;
	s->p = q;
	return true;
}

bool nat_scan_uint(struct nat_scan *s, uint32_t max, uint32_t *v)
{
	uint64_t x = 0;
	const char *q = s->p;

	while (q < s->end && *q >= '0' && *q <= '9' && q - s->p < 11) {
		x = x * 10 + (uint64_t)(*q - '0');
		q++;
	}
	if (q == s->p || x > max)
		return false;
	*v = (uint32_t)x;
	s->p = q;
	return true;
}

bool nat_scan_duration(struct nat_scan *s, uint32_t *secs)
{
	uint32_t a, b, c, days = 0;
	struct nat_scan t = *s;

	/* "1d2h" style is not used by the ASA; "2 days 1:02:03" is (long translations) */
	if (!nat_scan_uint(&t, 1000000, &a))
		return false;
	if (t.p < t.end && *t.p == ' ' && t.end - t.p > 5 && !memcmp(t.p, " days", 5)) {
		days = a;
		t.p += 5;
		while (t.p < t.end && *t.p == ' ')
			t.p++;
		if (!nat_scan_uint(&t, 1000000, &a))
			return false;
	}
	if (t.p >= t.end || *t.p != ':')
		return false;
	t.p++;
	if (!nat_scan_uint(&t, 59, &b) || t.p >= t.end || *t.p != ':')
		return false;
	t.p++;
	if (!nat_scan_uint(&t, 59, &c))
		return false;
	*secs = days * 86400 + a * 3600 + b * 60 + c;
	*s = t;
	return true;
}

uint8_t nat_proto(const char *s, size_t n)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { "ipv6-icmp", 58 },
		      { "gre", 47 }, { "esp", 50 }, { "sctp", 132 } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !strncasecmp(s, names[i].name, n))
			return names[i].num;
	if (n && n <= 3) {
		unsigned v = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		return v <= 255 ? (uint8_t)v : 0;
	}
	return 0;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *p, const char *end, int n, unsigned *v)
{
	unsigned x = 0;

	if (end - p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*v = x;
	return 0;
}

/* "HH:MM:SS[.fff]" at p; returns its end or NULL */
static const char *clock_at(const char *p, const char *end, unsigned *h, unsigned *mi, unsigned *s,
			    unsigned *ms)
{
	if (digits(p, end, 2, h) || end - p < 8 || p[2] != ':' || digits(p + 3, end, 2, mi) ||
	    p[5] != ':' || digits(p + 6, end, 2, s) || *h > 23 || *mi > 59 || *s > 60)
		return NULL;
	p += 8;
	*ms = 0;
	if (p < end && (*p == '.' || *p == ',')) {
		unsigned n = 0, f = 0;
		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (n < 3) {
				f = f * 10 + (unsigned)(*p - '0');
				n++;
			}
			p++;
		}
		while (n++ < 3)
			f *= 10;
		*ms = f;
	}
	return p;
}

int nat_syslog_time(const char *line, size_t len, const struct nat_fmt_opts *o, int64_t *out,
		    size_t *used)
{
	const char *p = line, *end = line + len, *q;
	unsigned y, mo = 0, d, h, mi, s, ms;
	int32_t off = o ? o->utc_offset_s : 0;

	if (p < end && *p == '<') { /* <PRI> */
		const char *gt = memchr(p, '>', (size_t)(end - p) < 6 ? (size_t)(end - p) : 6);
		if (gt)
			p = gt + 1;
	}
	if (digits(p, end, 4, &y) == 0 && end - p >= 19 && p[4] == '-' && p[7] == '-') {
		/* ISO 8601 */
		if (digits(p + 5, end, 2, &mo) || digits(p + 8, end, 2, &d) || (p[10] != 'T' && p[10] != ' '))
			return -1;
		if (!(q = clock_at(p + 11, end, &h, &mi, &s, &ms)))
			return -1;
		if (q < end && (*q == 'Z' || *q == 'z')) {
			off = 0;
			q++;
		} else if (q < end && (*q == '+' || *q == '-')) {
			unsigned oh, om;
			int sign = *q == '-' ? -1 : 1;
			if (digits(q + 1, end, 2, &oh))
				return -1;
			q += 3;
			if (q < end && *q == ':')
				q++;
			if (digits(q, end, 2, &om))
				return -1;
			q += 2;
			off = sign * (int32_t)(oh * 3600 + om * 60);
		}
	} else {
		/* "Mar  1 10:00:00" or "Mar 01 2024 10:00:00" */
		const char *m;

		if (end - p < 15)
			return -1;
		for (m = months; *m; m += 3)
			if (!memcmp(p, m, 3))
				break;
		if (!*m || p[3] != ' ')
			return -1;
		mo = (unsigned)((m - months) / 3 + 1);
		p += 4;
		if (*p == ' ')
			p++;
		if (digits(p, end, 2, &d) == 0)
			p += 2;
		else if (digits(p, end, 1, &d) == 0)
			p += 1;
		else
			return -1;
		if (p >= end || *p != ' ')
			return -1;
		p++;
		if (digits(p, end, 4, &y) == 0 && p + 4 < end && p[4] == ' ') {
			p += 5;
		} else {
			if (o && o->year)
				y = (unsigned)o->year;
			else {
				time_t now = time(NULL);
				struct tm tm;
				gmtime_r(&now, &tm);
				y = (unsigned)tm.tm_year + 1900;
			}
		}
		if (!(q = clock_at(p, end, &h, &mi, &s, &ms)))
			return -1;
		if (q < end && *q == ':') /* the ASA's "10:00:00:" */
			q++;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
		return -1;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) - off) * 1000LL + ms;
	*used = (size_t)(q - line);
	return 0;
}
