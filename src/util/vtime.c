/* vtime.c - clocks, RFC 3339 formatting and the time formats a CSIRT types (see vtime.h). */
#include "util/vtime.h"
#include "util/err.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t clock_offset_ms; /* VIGIL_CLOCK minus the real time at start-up */
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static int64_t real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* VIGIL_CLOCK=TIME starts the wall clock of this process at TIME and lets
 * it run from there: deadlines, reminders and expiry can be tested without
 * waiting days. Unset or unreadable: the real clock. */
static void clock_init(void)
{
	const char *s = getenv("VIGIL_CLOCK");
	int64_t ms;

	if (s && *s && !vtime_parse(s, &ms))
		clock_offset_ms = ms - real_now_ms();
}

int64_t vtime_now_ms(void)
{
	pthread_once(&clock_once, clock_init);
	return real_now_ms() + clock_offset_ms;
}

uint64_t vtime_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

char *vtime_format(int64_t ms, char *buf)
{
	time_t s = (time_t)floor_div(ms, 1000);
	int frac = (int)(ms - (int64_t)s * 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, VTIME_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000u);
	return buf;
}

char *vtime_format_s(int64_t ms, char *buf)
{
	time_t s = (time_t)floor_div(ms, 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, VTIME_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u);
	return buf;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int vtime_parse(const char *s, int64_t *ms)
{
	int Y, M, D, h = 0, m = 0, sec = 0, frac = 0, fracdig = 0;
	int64_t off = 0;
	struct tm tm;
	const char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '@') {
		char *end;
		double v = strtod(p + 1, &end);
		if (end == p + 1 || *end)
			return VIGIL_EINVAL;
		if (!(v > -9.2e15 && v < 9.2e15)) /* the ms must fit an int64 (and NaN fails) */
			return VIGIL_EINVAL;
		*ms = (int64_t)(v * 1000.0);
		return 0;
	}
	if (digits(&p, 4, &Y) || (*p != '-' && *p != '/'))
		return VIGIL_EINVAL;
	p++;
	if (digits(&p, 2, &M) || (*p != '-' && *p != '/'))
		return VIGIL_EINVAL;
	p++;
	if (digits(&p, 2, &D))
		return VIGIL_EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ' || *p == '.') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
			return VIGIL_EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return VIGIL_EINVAL;
			if (*p == '.' || *p == ',') {
				p++;
				while (isdigit((unsigned char)*p)) {
					if (fracdig < 3) {
						frac = frac * 10 + (*p - '0');
						fracdig++;
					}
					p++;
				}
				while (fracdig > 0 && fracdig < 3) {
					frac *= 10;
					fracdig++;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om, sign = *p == '-' ? -1 : 1;
			p++;
			if (digits(&p, 2, &oh))
				return VIGIL_EINVAL;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om))
				return VIGIL_EINVAL;
			off = sign * ((int64_t)oh * 3600 + om * 60);
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return VIGIL_EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return VIGIL_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
	return 0;
}

int vtime_parse_duration(const char *s, int64_t *ms)
{
	char *end;
	double v = strtod(s, &end);
	int64_t unit = 1000;

	if (end == s || !(v >= 0))
		return VIGIL_EINVAL;
	if (end[0] == 'm' && end[1] == 's') {
		unit = 1;
		end++;
	} else switch (*end) {
	case '\0': case 's': unit = 1000; break;
	case 'm': unit = 60000; break;
	case 'h': unit = 3600000; break;
	case 'd': unit = 86400000; break;
	case 'w': unit = 7 * 86400000LL; break;
	default: return VIGIL_EINVAL;
	}
	if (*end && end[1])
		return VIGIL_EINVAL;
	if (v * (double)unit >= 9.2e18) /* must fit an int64 */
		return VIGIL_EINVAL;
	*ms = (int64_t)(v * (double)unit);
	return 0;
}

int vtime_parse_range(const char *s, int64_t *from, int64_t *to)
{
	char a[64];
	const char *dash = NULL;

	*from = INT64_MIN;
	*to = INT64_MAX;
	if (*s == '-' && isdigit((unsigned char)s[1])) {
		int64_t d;
		if (vtime_parse_duration(s + 1, &d))
			return VIGIL_EINVAL;
		*to = vtime_now_ms();
		*from = *to - d;
		return 0;
	}
	/* The separator is a '-' followed by a 4-digit year or '@', after the
	 * first date's own dashes. */
	for (const char *p = s + 1; *p; p++) {
		if (*p == '-' && (p[1] == '@' || (isdigit((unsigned char)p[1]) &&
			isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
			isdigit((unsigned char)p[4]) && (p[5] == '-' || p[5] == '/')))) {
			dash = p;
			break;
		}
	}
	if (!dash)
		return vtime_parse(s, from);
	if ((size_t)(dash - s) >= sizeof(a))
		return VIGIL_EINVAL;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (vtime_parse(a, from) || vtime_parse(dash + 1, to))
		return VIGIL_EINVAL;
	return *from <= *to ? 0 : VIGIL_EINVAL;
}
