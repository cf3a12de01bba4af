/*
 * csv.h - internal to src/report: an RFC 4180 CSV reader over a buffer
 * (quoted fields, "" escapes, CRLF or LF, newlines inside quotes, a UTF-8
 * BOM), row by row with the line each row starts on. Fields point into a
 * scratch buffer owned by the reader, valid until the next row.
 */
#ifndef VIGIL_REPORT_CSV_H
#define VIGIL_REPORT_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 256
#define CSV_MAX_ROW (1u << 20) /* bytes of one row */

struct csv {
	const char *p, *end;
	unsigned line;       /* line the next row starts on */
	char *scratch;       /* CSV_MAX_ROW + 1 bytes */
	const char *f[CSV_MAX_FIELDS];
	size_t nf;
	unsigned row_line;   /* line of the row just read */
};

/* 0, or VIGIL_ENOMEM. */
int csv_init(struct csv *c, const char *data, size_t len);
void csv_free(struct csv *c);
/* The next row into c->f[0..nf): 1 a row, 0 end of input, VIGIL_EFORMAT
 * (an unterminated quote, a row over the caps: the row is skipped). */
int csv_next(struct csv *c);
/* Index of the column named name in the header row hdr (case-insensitive), or -1. */
int csv_col(const char *const *hdr, size_t n, const char *name);

#endif
