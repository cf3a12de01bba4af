/*
 * fmt.c - output buffer and hand-written formatters for integers, addresses,
 * times and TCP flags (see fmt.h). These run once per printed field, so they
 * avoid stdio: digits by table, IPv4 by octets, dates by civil arithmetic.
 */
#include "query/fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/vtime.h"

int qout_init(struct qout *o, FILE *fp)
{
	o->fp = fp;
	o->len = 0;
	o->failed = 0;
	o->tsec = INT64_MIN;
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

void qout_c(struct qout *o, char c)
{
	if (o->len == QOUT_SIZE)
		qout_flush(o);
	o->buf[o->len++] = c;
}

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
	if (addr_is_v4(a)) {
		char tmp[16], *p = tmp + sizeof(tmp);
		for (int i = 15; i >= 12; i--) {
			p = qfmt_u64_rev(a->b[i], p);
			if (i > 12)
				*--p = '.';
		}
		qout_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
		return;
	}
	char buf[ADDR_STRLEN];
	qout_str(o, addr_format(a, buf));
}

static void two(char *p, unsigned v)
{
	p[0] = digits2[v * 2];
	p[1] = digits2[v * 2 + 1];
}

void qout_time(struct qout *o, int64_t ms, char sep, int zulu)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;
	char b[32];

	/* Flows come roughly in time order: reuse the date and time of day of
	 * the previous call when the second is the same. */
	int64_t sec = ms >= 0 ? ms / 1000 : -1;
	if (sec >= 0 && sec == o->tsec && sep == o->tsep) {
		unsigned fr = (unsigned)(ms % 1000);
		memcpy(b, o->tdate, 19);
		b[19] = '.';
		b[20] = (char)('0' + fr / 100);
		two(b + 21, fr % 100);
		b[23] = 'Z';
		qout_put(o, b, zulu ? 24 : 23);
		return;
	}

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
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
		qout_str(o, vtime_format(ms, tmp));
		return;
	}
	unsigned hh = (unsigned)(rem / 3600000), mm = (unsigned)(rem / 60000 % 60),
		 ss = (unsigned)(rem / 1000 % 60), fr = (unsigned)(rem % 1000);
	two(b, (unsigned)(y / 100));
	two(b + 2, (unsigned)(y % 100));
	b[4] = '-';
	two(b + 5, m);
	b[7] = '-';
	two(b + 8, d);
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
	qout_put(o, b, zulu ? 24 : 23);
	if (sec >= 0) {
		o->tsec = sec;
		o->tsep = sep;
		memcpy(o->tdate, b, 19);
	}
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
