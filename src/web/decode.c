/*
 * decode.c - request input as the routes see it: the path split into
 * percent-decoded segments (no "..", no NUL, bounded), integers and times
 * from the query string, and the JSON body (bounded, an object). Kept apart
 * from the server so a fuzz target can drive it without sockets.
 */
#include "web/web_int.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int web_split_path(const char *path, char segs[][256], size_t max, size_t *n)
{
	const char *p = path;

	*n = 0;
	while (*p == '/')
		p++;
	while (*p) {
		size_t j = 0;
		char *s;

		if (*n == max)
			return -1;
		s = segs[*n];
		while (*p && *p != '/') {
			char c = *p++;

			if (c == '%') {
				int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

				if (hi < 0 || lo < 0)
					return -1;
				c = (char)(hi << 4 | lo);
				p += 2;
			}
			if (c == '\0' || c == '/' || c == '\\' || j + 1 >= 256)
				return -1;
			s[j++] = c;
		}
		s[j] = '\0';
		if (!strcmp(s, "..") || !strcmp(s, "."))
			return -1;
		if (j > 0)
			(*n)++;
		while (*p == '/')
			p++;
	}
	return 0;
}

int web_parse_int(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int web_parse_time(const char *s, int64_t *ms)
{
	if (!web_parse_int(s, ms))
		return 0;
	return vtime_parse(s, ms) ? -1 : 0;
}

json_t *web_body_object(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o;

	if (!body || len == 0) {
		snprintf(err, errlen, "a JSON object body is needed");
		return NULL;
	}
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(err, errlen, "body: %.120s at offset %d", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(err, errlen, "body: a JSON object is needed");
		return NULL;
	}
	return o;
}

bool web_pattern_match(const char *pattern, char segs[][256], size_t n)
{
	const char *p = pattern;
	size_t i = 0;
	int64_t v;

	while (*p == '/')
		p++;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (i == n)
			return false;
		if (l == 1 && *p == '#') {
			if (web_parse_int(segs[i], &v) || v <= 0)
				return false;
		} else if (!(l == 1 && *p == '*')) {
			if (strlen(segs[i]) != l || memcmp(segs[i], p, l))
				return false;
		}
		i++;
		p += l;
		while (*p == '/')
			p++;
	}
	return i == n;
}
