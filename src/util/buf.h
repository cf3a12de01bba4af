/*
 * buf.h - a growable byte buffer with a maximum set at init (like curl's
 * dynbuf): input can never grow it past that cap, an append that would is
 * refused with VIGIL_ELIMIT and leaves the buffer as it was.
 */
#ifndef VIGIL_UTIL_BUF_H
#define VIGIL_UTIL_BUF_H

#include <stddef.h>

struct buf {
	char *data;  /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps the memory */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included. */
int buf_add_json_str(struct buf *b, const char *s);
/* Detach the data (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b);

#endif
