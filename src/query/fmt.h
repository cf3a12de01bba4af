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

/* One fwrite per 64 KiB: the FILE passes a chunk that big straight to write(2). */
#define QOUT_SIZE (64u << 10)
#define QOUT_ROOM 4096u   /* the most one record may add before qout_room() */

struct qout {
	FILE *fp;
	char *buf;
	size_t len;
	int failed;
	/* Two cached days (a row's first and last): "YYYY-MM-DD" of day tsec[i]. */
	int64_t tsec[2];
	char tdate[2][10];
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
static inline void qout_c(struct qout *o, char c)
{
	if (o->len == QOUT_SIZE)
		qout_flush(o);
	o->buf[o->len++] = c;
}
void qout_u64(struct qout *o, uint64_t v);
/* Digits of v written backwards ending at end (room for 20); returns the start. */
char *qfmt_u64_rev(uint64_t v, char *end);
void qout_addr(struct qout *o, const struct vaddr *a);
/* RFC 3339 with ms, "2024-01-02T03:04:05.678Z"; sep ' ' and no Z for tables. */
void qout_time(struct qout *o, int64_t ms, char sep, int zulu);

/*
 * The fast row writers: each writes at p (inside o->buf, with QOUT_ROOM free
 * after qout_room) and returns the end; the caller sets o->len = end - buf.
 * No bounds checks, no stdio: the CSV and JSON listings run on these.
 */
static inline char *qp_lit(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define QP_LIT(p, lit) qp_lit((p), (lit), sizeof(lit) - 1)
char *qp_u64(char *p, uint64_t v);
char *qp_addr(char *p, const struct vaddr *a);
char *qp_addr6(char *p, const struct vaddr *a);  /* always the IPv6 form */
/* slot 0 or 1: which of the two cached seconds to use (first, last) */
char *qp_time(struct qout *o, char *p, int64_t ms, char sep, int zulu, int slot);
char *qp_flags(char *p, uint8_t flags);
/* The protocol's name ("tcp") or its number. */
char *qp_proto(char *p, uint8_t proto);
/* TCP flags as nfdump prints them: 8 chars CEUAPRSF, '.' where unset. */
void qout_flags(struct qout *o, uint8_t flags);
void qout_printf(struct qout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Human scale as nfdump: "1234", "1.2 M", "3.4 G" into buf (>= 32). */
char *qfmt_scaled(double v, char *buf);

#endif
