/*
 * run_int.h - the state of one query run, shared by run.c (filtering,
 * listing, aggregation, output) and merge.c (nodes' partial answers merged
 * into it). Not for other stages.
 */
#ifndef VIGIL_QUERY_RUN_INT_H
#define VIGIL_QUERY_RUN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "query/fmt.h"
#include "query/query.h"
#include "query/recfmt.h"

struct query_run {
	struct query_filter *filter;
	struct query_opts opts;
	struct query_agg *agg[QUERY_MAX_STATS];
	struct qout out;
	uint64_t columns;
	uint64_t list_columns;        /* what a listed row shows in this format */
	uint32_t *sel;
	void *tbuf;
	struct query_run_stats st;
	uint64_t tflows, tpackets, tbytes, spackets, sbytes;
	int64_t tfirst, tlast;
	bool header_done;
	bool want_summary;            /* table with summary: totals are kept */
	struct recfmt *rf;            /* -o fmt:, line, long, extended */
	struct query_flowagg *fa;     /* -a, -A, -b, -B */
	struct qrec *held;            /* -O without aggregation: the rows, sorted at the end */
	size_t nheld, capheld;
	bool generic_rows;            /* rows need columns beyond LIST_COLS */
	bool full;                    /* -c reached, or a cap: no more input wanted */
	uint64_t fed;                 /* merged: rows taken from the nodes (for -c) */
};

#endif
