/* util.c - byte-string helpers of the report parsers (report_int.h). */
#include "report/report_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *rpt_find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *p = hay, *end = hay + n;

	if (k == 0)
		return hay;
	while ((size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p) - k + 1))) {
		if (!memcmp(p, needle, k))
			return p;
		p++;
	}
	return NULL;
}

bool rpt_ci_contains(const char *s, const char *w)
{
	size_t k = strlen(w);

	for (; *s; s++)
		if (!strncasecmp(s, w, k))
			return true;
	return false;
}

void rpt_copy_trim(char *dst, size_t cap, const char *s, size_t n)
{
	size_t a = 0, b = n, o = 0;

	while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '"' || s[a] == '\''))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n' ||
			 s[b - 1] == '"' || s[b - 1] == '\''))
		b--;
	for (size_t i = a; i < b && o + 1 < cap; i++)
		dst[o++] = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
	if (cap)
		dst[o] = '\0';
}

void rpt_cpy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (!cap)
		return;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) /* not inside a UTF-8 character */
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}
