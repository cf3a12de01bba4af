/* buf.c - bounded growable buffer (see buf.h). */
#include "util/buf.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int grow(struct buf *b, size_t need)
{
	size_t ncap;
	char *p;

	if (need > b->max)
		return VIGIL_ELIMIT;
	if (need + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return VIGIL_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	int rc = grow(b, b->len + n);

	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s) { return buf_add(b, s, strlen(s)); }
int buf_addc(struct buf *b, char c) { return buf_add(b, &c, 1); }

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return VIGIL_EINVAL;
	if ((rc = grow(b, b->len + (size_t)n)) != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_add_json_str(struct buf *b, const char *s)
{
	int rc = buf_addc(b, '"');

	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': rc = buf_add(b, "\\\"", 2); break;
		case '\\': rc = buf_add(b, "\\\\", 2); break;
		case '\n': rc = buf_add(b, "\\n", 2); break;
		case '\r': rc = buf_add(b, "\\r", 2); break;
		case '\t': rc = buf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20)
				rc = buf_printf(b, "\\u%04x", c);
			else
				rc = buf_addc(b, (char)c);
		}
	}
	return rc ? rc : buf_addc(b, '"');
}

char *buf_steal(struct buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
