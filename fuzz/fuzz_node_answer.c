// fuzz-libs: vigil_query
/*
 * fuzz_node_answer.c - a node's partial answer to GET /api/v1/query as
 * `vigil flows --node` reads it (query_run_merge_partial): the bytes are
 * merged into a listing sorted by bytes, an -a aggregation and a run of two
 * -s tables, each written to a memory stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, int kind)
{
	struct query_opts o;
	struct query_run *qr = NULL;
	struct query_node_stats ns = { 0 };
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return;
	memset(&o, 0, sizeof(o));
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	o.merged = true;
	o.summary = true;
	o.format = kind == 2 ? QUERY_OUT_TABLE : kind == 1 ? QUERY_OUT_FMT : QUERY_OUT_CSV;
	if (kind == 0) {
		o.sort = QUERY_SORT_BYTES;
		o.limit = 5;
	} else if (kind == 1) {
		o.aggregate = true;
		o.fmt = query_named_format("line");
	} else {
		o.nstats = 2;
		o.stat_key[0] = QUERY_KEY_SRCIP;
		o.stat_order[0] = QUERY_ORDER_BYTES;
		o.stat_key[1] = QUERY_KEY_DSTPORT;
		o.stat_order[1] = QUERY_ORDER_FLOWS;
		o.limit = 10;
	}
	if (query_run_new("", &o, fp, &qr, err, sizeof(err)) == 0) {
		if (query_run_merge_partial(qr, (const char *)data, size, &ns, err, sizeof(err)) >= 0)
			query_run_finish(qr);
		query_run_free(qr);
	}
	fclose(fp);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int k = 0; k < 3; k++)
		one(data, size, k);
	return 0;
}
