/*
 * query.c - GET /api/v1/query: a node's part of a query across nodes
 * (`vigil flows --node`). The query engine runs the filter on this node's
 * store and writes a partial answer that merges correctly with the other
 * nodes' (docs/internals/web.md): listings their rows (cut to n, sorted by
 * O when given), -s statistics their whole tables per key (a node's top N
 * would merge wrong), and the totals. Loopback clients need no credentials
 * (as /metrics), anyone else a token or session of the team (a site
 * contact sees no flows of other sites, so not these).
 */
#include "web/web_int.h"
#include "query/query.h"
#include "store/store.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse the s parameter: KEY/ORDER[,KEY/ORDER...]. */
static int parse_stats(struct web_req *r, const char *s, struct query_opts *o)
{
	char one[64];

	while (s && *s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (n == 0 || n >= sizeof(one) || o->nstats == QUERY_MAX_STATS) {
			web_error(r, 400, "s: at most %d KEY/ORDER separated by commas", QUERY_MAX_STATS);
			return -1;
		}
		memcpy(one, s, n);
		one[n] = '\0';
		if (query_stat_parse(one, &o->stat_key[o->nstats], &o->stat_order[o->nstats])) {
			web_error(r, 400, "s: bad statistic '%.63s'", one);
			return -1;
		}
		o->stat_explicit[o->nstats++] = true;
		s = c ? c + 1 : NULL;
	}
	return 0;
}

int api_query(struct web_req *r)
{
	struct query_opts o;
	struct query_run *qr = NULL;
	struct store_select sel;
	struct store_reader *rd = NULL;
	struct store_reader_stats st;
	struct store_block *b;
	const char *filter = web_arg(r, "filter"), *sort = web_arg(r, "O");
	char err[1024], *text = NULL;
	size_t tlen = 0;
	int64_t v;
	FILE *fp = NULL;
	int rc;

	web_auth(r);
	if (!r->loopback && !r->authed)
		return web_error(r, 401, "query: loopback only, or give a Bearer token");
	if (r->authed && strcmp(r->user.role, "admin") && strcmp(r->user.role, "analyst"))
		return web_error(r, 403, "query: only the team (admin, analyst) may query the store");
	if (!r->w->store_dir)
		return web_error(r, 503, "no flow store configured ([store] dir)");
	memset(&o, 0, sizeof(o));
	o.format = QUERY_OUT_NULL;
	o.partial = true;
	if (web_arg_time(r, "from", INT64_MIN, &o.from_ms) || web_arg_time(r, "to", INT64_MAX, &o.to_ms))
		return r->status;
	if (web_arg_int(r, "n", 0, 0, INT64_MAX, &v))
		return r->status;
	o.limit = (size_t)v;
	if (web_arg_int(r, "c", 0, 0, INT64_MAX, &v))
		return r->status;
	o.max_records = (uint64_t)v;
	if (parse_stats(r, web_arg(r, "s"), &o))
		return r->status;
	if (o.nstats && !o.limit)
		o.limit = 10;
	if (sort && query_sort_parse(sort, &o.sort))
		return web_error(r, 400, "O: bad order '%.63s'", sort);
	if (o.nstats)
		o.sort = QUERY_SORT_NONE;
	fp = open_memstream(&text, &tlen);
	if (!fp)
		return web_error(r, 500, "out of memory");
	rc = query_run_new(filter ? filter : "", &o, fp, &qr, err, sizeof(err));
	if (rc < 0) {
		web_error(r, 400, "%s", err[0] ? err : vigil_strerror(rc));
		goto out;
	}
	memset(&sel, 0, sizeof(sel));
	sel.from_ms = o.from_ms;
	sel.to_ms = o.to_ms;
	sel.nhosts = query_run_hosts(qr, &sel.hosts);
	if ((rc = store_reader_open(r->w->store_dir, &sel, &rd)) < 0) {
		web_error(r, 503, "flow store: %s", vigil_strerror(rc));
		goto out;
	}
	while ((rc = store_reader_next_block(rd, &b)) > 0)
		if ((rc = query_run_block(qr, b)) != 0)
			break;
	store_reader_get_stats(rd, &st);
	store_reader_close(rd);
	if (rc < 0) {
		web_error(r, rc == VIGIL_ELIMIT ? 413 : 500, "query: %s%s", vigil_strerror(rc),
			  rc == VIGIL_ELIMIT ? " (narrow the filter or the time range)" : "");
		goto out;
	}
	if (query_run_finish(qr) != 0) {
		web_error(r, 500, "query: writing the answer failed");
		goto out;
	}
	fprintf(fp, "X %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\nE\n", st.segments,
		st.segments_skipped, st.blocks, st.bad_blocks, st.bytes_read);
	if (fclose(fp) != 0) {
		fp = NULL;
		web_error(r, 500, "out of memory");
		goto out;
	}
	fp = NULL;
	r->text = text;
	text = NULL;
	r->ctype = "text/plain; charset=utf-8";
	r->status = 200;
out:
	query_run_free(qr);
	if (fp)
		fclose(fp);
	free(text);
	return r->status;
}
