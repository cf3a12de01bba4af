/* csv.c - the RFC 4180 reader of the report parsers (see csv.h). */
#include "report/csv.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int csv_init(struct csv *c, const char *data, size_t len)
{
	memset(c, 0, sizeof(*c));
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	c->p = data;
	c->end = data + len;
	c->line = 1;
	if (!(c->scratch = malloc(CSV_MAX_ROW + 1)))
		return VIGIL_ENOMEM;
	return 0;
}

void csv_free(struct csv *c)
{
	free(c->scratch);
	c->scratch = NULL;
}

int csv_next(struct csv *c)
{
	size_t o = 0;
	bool quoted = false, field_start = true, over = false;
	int rc = 1;

	/* skip blank lines */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->line++;
		c->p++;
	}
	if (c->p >= c->end)
		return 0;
	c->row_line = c->line;
	c->nf = 0;
	c->f[c->nf++] = c->scratch;
	while (c->p < c->end) {
		char ch = *c->p++;

		if (quoted) {
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->p++;
				} else {
					quoted = false;
					continue;
				}
			} else if (ch == '\n') {
				c->line++;
			}
		} else if (ch == '"' && field_start) {
			quoted = true;
			field_start = false;
			continue;
		} else if (ch == ',') {
			if (o >= CSV_MAX_ROW || c->nf >= CSV_MAX_FIELDS) {
				over = true;
			} else {
				c->scratch[o++] = '\0';
				c->f[c->nf++] = c->scratch + o;
			}
			field_start = true;
			continue;
		} else if (ch == '\n' || ch == '\r') {
			if (ch == '\r' && c->p < c->end && *c->p == '\n')
				c->p++;
			c->line++;
			break;
		}
		field_start = false;
		if (o < CSV_MAX_ROW)
			c->scratch[o++] = ch;
		else
			over = true;
	}
	if (quoted)
		rc = VIGIL_EFORMAT; /* ran to the end inside quotes */
	c->scratch[o < CSV_MAX_ROW ? o : CSV_MAX_ROW] = '\0';
	if (over)
		rc = VIGIL_EFORMAT;
	return rc;
}

int csv_col(const char *const *hdr, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(hdr[i], name))
			return (int)i;
	return -1;
}
