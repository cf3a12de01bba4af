/*
 * fmt.h - the output buffer and fast formatters the query writers use
 * (internal to src/query). One big buffer, written with fwrite when nearly
 * full: no printf per field on the listing path.
 */
#ifndef VIGIL_QUERY_FMT_H
#define VIGIL_QUERY_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"

#define QOUT_SIZE (1u << 20)
#define QOUT_ROOM 4096u   /* the most one record may add before qout_room() */

struct qout {
	FILE *fp;
	char *buf;
	size_t len;
	int failed;
	int64_t tsec;        /* second whose "YYYY-MM-DD?hh:mm:ss" is cached in tdate */
	char tsep;
	char tdate[19];
};

int qout_init(struct qout *o, FILE *fp);
void qout_free(struct qout *o);
/* Flush to the FILE; 0 or VIGIL_EIO (remembered in failed). */
int qout_flush(struct qout *o);
/* Make sure QOUT_ROOM bytes are free (flushing if needed). */
static inline void qout_room(struct qout *o)
{
	if (o->len > QOUT_SIZE - QOUT_ROOM)
		qout_flush(o);
}
void qout_put_slow(struct qout *o, const char *s, size_t n);
/* Append n bytes (inline when they fit, the common case). */
static inline void qout_put(struct qout *o, const char *s, size_t n)
{
	if (n <= QOUT_SIZE - o->len) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
	} else {
		qout_put_slow(o, s, n);
	}
}
/* Append a string literal (length known at compile time). */
#define QOUT_LIT(o, lit) qout_put((o), (lit), sizeof(lit) - 1)
void qout_str(struct qout *o, const char *s);
void qout_c(struct qout *o, char c);
void qout_u64(struct qout *o, uint64_t v);
/* Digits of v written backwards ending at end (room for 20); returns the start. */
char *qfmt_u64_rev(uint64_t v, char *end);
void qout_addr(struct qout *o, const struct vaddr *a);
/* RFC 3339 with ms, "2024-01-02T03:04:05.678Z"; sep ' ' and no Z for tables. */
void qout_time(struct qout *o, int64_t ms, char sep, int zulu);
/* TCP flags as nfdump prints them: 8 chars CEUAPRSF, '.' where unset. */
void qout_flags(struct qout *o, uint8_t flags);
void qout_printf(struct qout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Human scale as nfdump: "1234", "1.2 M", "3.4 G" into buf (>= 32). */
char *qfmt_scaled(double v, char *buf);

#endif
