/*
 * rtime.c - times as abuse-report senders write them, normalised to UTC ms:
 * RFC 3339 ("2015-06-02T10:11:12Z", "...+02:00"), RFC 2822 ("Tue, 2 Jun 2015
 * 10:11:12 +0200 (CEST)"), "2015-06-02 10:11:12" with or without a zone
 * ("UTC", "GMT", "Z", "+0200", "GMT -0500", a zone name, "EST (GMT -0500)"),
 * "02 Jun 2015 10:11:12 EST", epoch seconds. No zone means UTC.
 */
#include "report/report.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "UTC", 0 },     { "UT", 0 },       { "GMT", 0 },     { "Z", 0 },      { "WET", 0 },
	{ "WEST", 60 },   { "BST", 60 },     { "CET", 60 },    { "MET", 60 },   { "CEST", 120 },
	{ "MEST", 120 },  { "EET", 120 },    { "EEST", 180 },  { "MSK", 180 },  { "IST", 330 },
	{ "SGT", 480 },   { "HKT", 480 },    { "CST", -360 },  { "CDT", -300 }, { "EST", -300 },
	{ "EDT", -240 },  { "MST", -420 },   { "MDT", -360 },  { "PST", -480 }, { "PDT", -420 },
	{ "AKST", -540 }, { "AKDT", -480 },  { "HST", -600 },  { "JST", 540 },  { "KST", 540 },
	{ "AEST", 600 },  { "AEDT", 660 },   { "ACST", 570 },  { "AWST", 480 }, { "NZST", 720 },
	{ "NZDT", 780 },
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
				      "jul", "aug", "sep", "oct", "nov", "dec" };

/* days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct cur {
	const char *p, *end;
};

static void skip_space(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == ','))
		c->p++;
}

static int num(struct cur *c, int min_digits, int max_digits, int *out)
{
	int v = 0, n = 0;

	while (c->p < c->end && isdigit((unsigned char)*c->p) && n < max_digits) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	if (n < min_digits)
		return -1;
	*out = v;
	return 0;
}

static int month_name(struct cur *c, int *m)
{
	if (c->end - c->p < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (tolower((unsigned char)c->p[0]) == months[i][0] &&
		    tolower((unsigned char)c->p[1]) == months[i][1] &&
		    tolower((unsigned char)c->p[2]) == months[i][2]) {
			c->p += 3;
			while (c->p < c->end && isalpha((unsigned char)*c->p)) /* "March" */
				c->p++;
			if (c->p < c->end && *c->p == '.')
				c->p++;
			*m = i + 1;
			return 0;
		}
	}
	return -1;
}

/* "+0200", "-05:00", "+2" (hours) after a sign; minutes east of UTC */
static int offset(struct cur *c, int *minutes)
{
	int sign, h = 0, mi = 0;
	const char *start;

	skip_space(c);
	if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
		return -1;
	sign = *c->p == '-' ? -1 : 1;
	c->p++;
	skip_space(c);
	start = c->p;
	if (num(c, 1, 4, &h))
		return -1;
	if (c->p - start > 2) { /* "0200", "530" */
		mi = h % 100;
		h /= 100;
	} else if (c->p < c->end && *c->p == ':') {
		c->p++;
		if (num(c, 2, 2, &mi))
			return -1;
	}
	if (h > 14 || mi > 59)
		return -1;
	*minutes = sign * (h * 60 + mi);
	return 0;
}

/* A zone after the time: "Z", "UTC", "+0200", "GMT -0500", "EST (GMT -0500)",
 * "(CET)". Returns 0 with the offset, 1 when there is none. */
static int zone(struct cur *c, int *minutes)
{
	char name[8];
	size_t n = 0;
	int off;

	skip_space(c);
	if (c->p >= c->end)
		return 1;
	if (*c->p == '+' || *c->p == '-')
		return offset(c, minutes);
	if (*c->p == '(')
		c->p++;
	while (c->p < c->end && isalpha((unsigned char)*c->p) && n < sizeof(name) - 1)
		name[n++] = (char)toupper((unsigned char)*c->p++);
	name[n] = '\0';
	if (!n)
		return 1;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (strcmp(zones[i].name, name))
			continue;
		*minutes = zones[i].minutes;
		/* an explicit offset that follows wins: "GMT -0500", "EST (GMT -0500)" */
		{
			struct cur save = *c;
			skip_space(c);
			if (c->p < c->end && *c->p == '(')
				c->p++;
			skip_space(c);
			if (c->end - c->p >= 3 && (!strncmp(c->p, "GMT", 3) || !strncmp(c->p, "UTC", 3)))
				c->p += 3;
			if (offset(c, &off) == 0)
				*minutes = off;
			else
				*c = save;
		}
		return 0;
	}
	return -1;
}

static int hms(struct cur *c, int *h, int *mi, int *s, int *ms)
{
	*s = *ms = 0;
	if (num(c, 1, 2, h) || c->p >= c->end || *c->p != ':')
		return -1;
	c->p++;
	if (num(c, 2, 2, mi))
		return -1;
	if (c->p < c->end && *c->p == ':') {
		c->p++;
		if (num(c, 2, 2, s))
			return -1;
		if (c->p < c->end && (*c->p == '.' || *c->p == ',')) {
			int frac = 0, nd = 0;
			c->p++;
			while (c->p < c->end && isdigit((unsigned char)*c->p)) {
				if (nd < 3) {
					frac = frac * 10 + (*c->p - '0');
					nd++;
				}
				c->p++;
			}
			while (nd++ < 3)
				frac *= 10;
			*ms = frac;
		}
	}
	/* "10:11:12 PM" */
	skip_space(c);
	if (c->end - c->p >= 2 && (c->p[1] == 'M' || c->p[1] == 'm') &&
	    (c->p[0] == 'P' || c->p[0] == 'p' || c->p[0] == 'A' || c->p[0] == 'a') &&
	    (c->end - c->p == 2 || !isalpha((unsigned char)c->p[2]))) {
		bool pm = c->p[0] == 'P' || c->p[0] == 'p';
		if (*h < 1 || *h > 12)
			return -1;
		*h = *h % 12 + (pm ? 12 : 0);
		c->p += 2;
	}
	if (*h > 23 || *mi > 59 || *s > 60)
		return -1;
	return 0;
}

int report_time_parse(const char *s, int64_t *out)
{
	struct cur c = { s, s + strlen(s) };
	int y = 0, m = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, off = 0, zr;

	while (c.end > c.p && isspace((unsigned char)c.end[-1]))
		c.end--;
	skip_space(&c);
	if (c.p >= c.end)
		return VIGIL_EINVAL;
	/* epoch seconds: all digits, 9 or 10 of them */
	if (c.end - c.p >= 9 && c.end - c.p <= 10) {
		const char *q = c.p;
		while (q < c.end && isdigit((unsigned char)*q))
			q++;
		if (q == c.end) {
			*out = strtoll(c.p, NULL, 10) * 1000;
			return 0;
		}
	}
	/* a weekday name: "Tue,", "Tuesday " */
	if (isalpha((unsigned char)*c.p)) {
		static const char days[] = "monsuntuewedthufrisat";
		const char *q = c.p;

		while (q < c.end && isalpha((unsigned char)*q))
			q++;
		for (int i = 0; i < 7 && q - c.p >= 3; i++) {
			if (tolower((unsigned char)c.p[0]) == days[3 * i] &&
			    tolower((unsigned char)c.p[1]) == days[3 * i + 1] &&
			    tolower((unsigned char)c.p[2]) == days[3 * i + 2]) {
				c.p = q;
				skip_space(&c);
				break;
			}
		}
		if (c.p >= c.end)
			return VIGIL_EINVAL;
	}
	if (isdigit((unsigned char)*c.p)) {
		const char *start = c.p;
		int a;

		if (num(&c, 1, 4, &a))
			return VIGIL_EINVAL;
		if (c.p - start == 4) { /* 2015-06-02 or 2015/06/02 */
			y = a;
			if (c.p >= c.end || (*c.p != '-' && *c.p != '/'))
				return VIGIL_EINVAL;
			c.p++;
			if (num(&c, 1, 2, &m) || c.p >= c.end || (*c.p != '-' && *c.p != '/'))
				return VIGIL_EINVAL;
			c.p++;
			if (num(&c, 1, 2, &d))
				return VIGIL_EINVAL;
		} else { /* 2 Jun 2015, 02-Jun-2015 */
			d = a;
			if (c.p < c.end && (*c.p == '-' || *c.p == ' '))
				c.p++;
			skip_space(&c);
			if (month_name(&c, &m))
				return VIGIL_EINVAL;
			if (c.p < c.end && (*c.p == '-' || *c.p == ' '))
				c.p++;
			skip_space(&c);
			if (num(&c, 4, 4, &y))
				return VIGIL_EINVAL;
		}
	} else if (month_name(&c, &m) == 0) { /* "Jun 2 2015 10:11:12", "Jun 2, 2015" */
		skip_space(&c);
		if (num(&c, 1, 2, &d))
			return VIGIL_EINVAL;
		skip_space(&c);
		if (num(&c, 4, 4, &y))
			return VIGIL_EINVAL;
	} else {
		return VIGIL_EINVAL;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
		return VIGIL_EINVAL;
	if (c.p < c.end && (*c.p == 'T' || *c.p == 't' || *c.p == ' ' || *c.p == ','))
		c.p++;
	skip_space(&c);
	if (c.p < c.end && isdigit((unsigned char)*c.p)) {
		if (hms(&c, &h, &mi, &sec, &ms))
			return VIGIL_EINVAL;
		zr = zone(&c, &off);
		if (zr < 0)
			return VIGIL_EINVAL;
	}
	*out = ((days_from_civil(y, m, d) * 24 + h) * 60 + mi - off) * 60000LL + sec * 1000LL + ms;
	return 0;
}
