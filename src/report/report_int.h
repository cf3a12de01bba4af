/*
 * report_int.h - what the files of src/report share and nobody else sees:
 * byte-string search and small text helpers the parsers all need.
 */
#ifndef VIGIL_REPORT_INT_H
#define VIGIL_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* The first needle in hay[0..n), or NULL (memmem without GNU extensions). */
const char *rpt_find(const char *hay, size_t n, const char *needle);
/* Whether s contains w, ignoring ASCII case. */
bool rpt_ci_contains(const char *s, const char *w);
/* Copy s[0..n) into dst[cap] trimmed of blanks and quotes, on one line. */
void rpt_copy_trim(char *dst, size_t cap, const char *s, size_t n);

/* Copy src into dst[cap], cut at a character boundary; always NUL-terminated. */
void rpt_cpy(char *dst, size_t cap, const char *src);

#endif
