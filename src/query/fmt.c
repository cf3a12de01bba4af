/*
 * fmt.c - output buffer and hand-written formatters for integers, addresses,
 * times and TCP flags (see fmt.h). These run once per printed field, so they
 * avoid stdio: digits by table, IPv4 by octets, dates by civil arithmetic.
 */
#include "query/fmt.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/proto.h"
#include "util/vtime.h"

/* "0." .. "255." with their lengths (without the dot): IPv4 by table; the
 * protocol names or numbers. Filled once (pthread_once: queries may run in
 * several threads). */
static char oct_s[256][4];
static uint8_t oct_n[256];
static char proto_s[256][16];
static uint8_t proto_n[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static void tables(void);

int qout_init(struct qout *o, FILE *fp)
{
	o->fp = fp;
	o->len = 0;
	o->failed = 0;
	o->tsec[0] = o->tsec[1] = INT64_MIN;
	pthread_once(&tables_once, tables);
	o->buf = malloc(QOUT_SIZE);
	return o->buf ? 0 : VIGIL_ENOMEM;
}

void qout_free(struct qout *o)
{
	free(o->buf);
	o->buf = NULL;
}

int qout_flush(struct qout *o)
{
	if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->failed = 1;
	o->len = 0;
	if (!o->failed && fflush(o->fp) != 0)
		o->failed = 1;
	return o->failed ? VIGIL_EIO : 0;
}

void qout_put_slow(struct qout *o, const char *s, size_t n)
{
	while (n) {
		size_t room = QOUT_SIZE - o->len;
		if (room == 0) {
			qout_flush(o);
			continue;
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void qout_str(struct qout *o, const char *s) { qout_put(o, s, strlen(s)); }


static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

char *qfmt_u64_rev(uint64_t v, char *end)
{
	char *p = end;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (v >= 10) {
		unsigned d = (unsigned)v * 2;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

void qout_u64(struct qout *o, uint64_t v)
{
	char tmp[24], *p = qfmt_u64_rev(v, tmp + sizeof(tmp));
	qout_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

void qout_addr(struct qout *o, const struct vaddr *a)
{
	char buf[ADDR_STRLEN + 4];
	qout_put(o, buf, (size_t)(qp_addr(buf, a) - buf));
}

static void two(char *p, unsigned v)
{
	p[0] = digits2[v * 2];
	p[1] = digits2[v * 2 + 1];
}

char *qp_time(struct qout *o, char *b, int64_t ms, char sep, int zulu, int slot)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	/* The date of the previous call of this slot is reused when the day is
	 * the same (flows of one query mostly are): the civil-date arithmetic
	 * then runs once a day, the time of day is a few multiplications. */
	if (days != o->tsec[slot]) {
		/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
		int64_t z = days + 719468;
		int64_t era = (z >= 0 ? z : z - 146096) / 146097;
		int64_t doe = z - era * 146097;
		int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t y = yoe + era * 400;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		int64_t mp = (5 * doy + 2) / 153;
		unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
		unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
		y += m <= 2;
		if (y < 0 || y > 9999) {
			char tmp[VTIME_STRLEN];
			size_t n = strlen(vtime_format(ms, tmp));
			memcpy(b, tmp, n);
			return b + n;
		}
		char *t = o->tdate[slot];
		two(t, (unsigned)(y / 100));
		two(t + 2, (unsigned)(y % 100));
		t[4] = '-';
		two(t + 5, m);
		t[7] = '-';
		two(t + 8, d);
		o->tsec[slot] = days;
	}
	unsigned r = (unsigned)rem, hh = r / 3600000, mm = r / 60000 % 60, ss = r / 1000 % 60,
		 fr = r % 1000;
	memcpy(b, o->tdate[slot], 10);
	b[10] = sep;
	two(b + 11, hh);
	b[13] = ':';
	two(b + 14, mm);
	b[16] = ':';
	two(b + 17, ss);
	b[19] = '.';
	b[20] = (char)('0' + fr / 100);
	two(b + 21, fr % 100);
	b[23] = 'Z';
	return b + (zulu ? 24 : 23);
}

void qout_time(struct qout *o, int64_t ms, char sep, int zulu)
{
	char b[VTIME_STRLEN + 8];
	char *e = qp_time(o, b, ms, sep, zulu, 0);
	qout_put(o, b, (size_t)(e - b));
}

char *qp_u64(char *p, uint64_t v)
{
	static const uint64_t pow10[] = { 1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
		1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
		1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL };
	unsigned n = 1;
	while (n < 20 && v >= pow10[n])
		n++;
	char *e = p + n;
	qfmt_u64_rev(v, e);
	return e;
}


static void tables(void)
{
	for (unsigned i = 0; i < 256; i++) {
		char *e = qfmt_u64_rev(i, oct_s[i] + 3);
		size_t n = (size_t)(oct_s[i] + 3 - e);
		memmove(oct_s[i], e, n);
		oct_s[i][n] = '.';
		oct_n[i] = (uint8_t)n;
		const char *pn = proto_name((uint8_t)i);
		int k = pn ? snprintf(proto_s[i], sizeof(proto_s[i]), "%.15s", pn)
			   : snprintf(proto_s[i], sizeof(proto_s[i]), "%u", i);
		proto_n[i] = (uint8_t)(k > 0 ? k : 0);
	}
}

char *qp_addr(char *p, const struct vaddr *a)
{
	if (addr_is_v4(a)) {
		for (int i = 12; i < 16; i++) {
			memcpy(p, oct_s[a->b[i]], 4);
			p += oct_n[a->b[i]] + (i < 15);
		}
		return p;
	}
	return qp_addr6(p, a);
}

/* IPv6 as glibc's inet_ntop writes it (RFC 5952: lowercase hex without
 * leading zeros, the longest run of two or more zero groups as "::", the
 * first of equal runs; "::a.b.c.d" for the IPv4-compatible form). */
char *qp_addr6(char *p, const struct vaddr *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, blen = 0, cur = -1, clen = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a->b[2 * i] << 8 | a->b[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0) {
				cur = i;
				clen = 1;
			} else {
				clen++;
			}
			if (clen > blen) {
				best = cur;
				blen = clen;
			}
		} else {
			cur = -1;
		}
	}
	if (blen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + blen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (blen == 6 || (blen == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				memcpy(p, oct_s[a->b[k]], 4);
				p += oct_n[a->b[k]] + (k < 15);
			}
			return p;
		}
		unsigned v = w[i];
		if (v >= 0x1000)
			*p++ = hex[v >> 12];
		if (v >= 0x100)
			*p++ = hex[v >> 8 & 15];
		if (v >= 0x10)
			*p++ = hex[v >> 4 & 15];
		*p++ = hex[v & 15];
	}
	if (best >= 0 && best + blen == 8)
		*p++ = ':';
	return p;
}

char *qp_proto(char *p, uint8_t proto)
{
	memcpy(p, proto_s[proto], 16);
	return p + proto_n[proto];
}

char *qp_flags(char *p, uint8_t flags)
{
	static const char letters[] = "CEUAPRSF";
	for (int i = 0; i < 8; i++)
		p[i] = flags & (0x80 >> i) ? letters[i] : '.';
	return p + 8;
}

void qout_flags(struct qout *o, uint8_t flags)
{
	static const char letters[] = "CEUAPRSF";
	char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = flags & (0x80 >> i) ? letters[i] : '.';
	qout_put(o, b, 8);
}

void qout_printf(struct qout *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	qout_put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

char *qfmt_scaled(double v, char *buf)
{
	if (v >= 1e12)
		snprintf(buf, 32, "%.1f T", v / 1e12);
	else if (v >= 1e9)
		snprintf(buf, 32, "%.1f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, 32, "%.1f M", v / 1e6);
	else
		snprintf(buf, 32, "%llu", (unsigned long long)(v > 0 ? v : 0)); /* truncated, as nfdump */
	return buf;
}
