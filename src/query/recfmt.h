/*
 * recfmt.h - nfdump's `-o fmt:...` record formats (internal to src/query):
 * a format string such as "%ts %td %pr %sap -> %dap %pkt %byt %fl" compiled
 * once into a list of literal runs and tokens, then written per record into
 * the output buffer with the widths nfdump 1.7 uses, so a column-aligned
 * listing lines up with an nfdump one. The named formats line, long,
 * extended and biline are format strings too (recfmt_named).
 */
#ifndef VIGIL_QUERY_RECFMT_H
#define VIGIL_QUERY_RECFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "query/fmt.h"

/* What a listed or aggregated record carries: the flow (for an aggregate,
 * its key fields, the others zero, with summed packets and bytes and the
 * first/last times), how many flows it stands for, and the reverse
 * direction's counters of a bidirectional aggregate (0 otherwise). */
struct qrec {
	struct flow f;
	uint64_t flows;
	uint64_t opackets, obytes;
};

struct recfmt;

/* The format string of a named nfdump format ("line", "long", "extended",
 * "biline"), or NULL. */
const char *recfmt_named(const char *name);

/*
 * Compile a format string (without the "fmt:" prefix). plain: -N, numbers
 * are not scaled, protocols and durations print as numbers (as nfdump).
 * Returns 0, VIGIL_EINVAL with err naming the unknown token and its offset,
 * or VIGIL_ENOMEM.
 */
int recfmt_compile(const char *spec, bool plain, struct recfmt **out, char *err, size_t errlen);
void recfmt_free(struct recfmt *r);
/* Columns of struct flow the format shows (bit per enum flow_col). */
uint64_t recfmt_columns(const struct recfmt *r);
/* The header line: each token's title, literal text as blanks (as nfdump). */
void recfmt_header(const struct recfmt *r, struct qout *o);
/* One record and its newline: the flow, the flows it stands for and the
 * reverse counters (see struct qrec). */
void recfmt_row(const struct recfmt *r, struct qout *o, const struct flow *f, uint64_t flows,
		uint64_t opackets, uint64_t obytes);

#endif
