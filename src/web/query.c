/*
 * query.c - GET /api/v1/query: a node's part of a query across nodes
 * (`vigil flows --node`). The query engine runs the filter on this node's
 * store and writes a partial answer that merges correctly with the other
 * nodes' (docs/internals/web.md), streamed from a thread of its own
 * through a pipe: listings their rows (cut to n, sorted by
 * O when given), -s statistics their whole tables per key (a node's top N
 * would merge wrong), and the totals. Loopback clients need no credentials
 * (as /metrics), anyone else a token or session of the team (a site
 * contact sees no flows of other sites, so not these).
 */
#include "web/web_int.h"
#include "query/query.h"
#include "store/store.h"
#include "util/err.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The query's own thread: reads the store and writes the answer into the
 * pipe libmicrohttpd sends from, so neither the answer nor the server wait
 * for the whole of it. An error after the first bytes is an F line (the
 * status is sent already). */
struct qjob {
	struct query_run *qr;
	struct store_reader *rd;
	FILE *fp;
};

static void *query_job(void *arg)
{
	struct qjob *j = arg;
	struct store_reader_stats st;
	struct store_block *b;
	sigset_t ss;
	int rc;

	/* a client that goes away makes the writes fail (EPIPE), not the process die */
	sigemptyset(&ss);
	sigaddset(&ss, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	while ((rc = store_reader_next_block(j->rd, &b)) > 0)
		if ((rc = query_run_block(j->qr, b)) != 0)
			break;
	store_reader_get_stats(j->rd, &st);
	store_reader_close(j->rd);
	if (rc < 0)
		fprintf(j->fp, "\nF %s%s\n", vigil_strerror(rc),
			rc == VIGIL_ELIMIT ? " (narrow the filter or the time range)" : "");
	else if (query_run_finish(j->qr) == 0)
		fprintf(j->fp, "X %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\nE\n",
			st.segments, st.segments_skipped, st.blocks, st.bad_blocks, st.bytes_read);
	query_run_free(j->qr);
	fclose(j->fp);
	free(j);
	return NULL;
}

int api_query(struct web_req *r)
{
	struct query_opts o;
	struct query_run *qr = NULL;
	struct store_select sel;
	struct store_reader *rd = NULL;
	struct qjob *job = NULL;
	const char *filter = web_arg(r, "filter"), *sort = web_arg(r, "O");
	char err[1024];
	int64_t v;
	FILE *fp = NULL;
	int rc, pfd[2] = { -1, -1 };
	pthread_attr_t at;
	pthread_t th;

	web_auth(r);
	if (!r->loopback && !r->authed)
		return web_error(r, 401, "query: loopback only, or give a Bearer token");
	if (r->authed && strcmp(r->user.role, "admin") && strcmp(r->user.role, "analyst"))
		return web_error(r, 403, "query: only the team (admin, analyst) may query the store");
	if (!r->w->store_dir)
		return web_error(r, 503, "no flow store configured ([store] dir)");
	memset(&o, 0, sizeof(o));
	o.format = QUERY_OUT_PARTIAL;
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
	if (pipe(pfd) != 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0 || !(fp = fdopen(pfd[1], "w"))) {
		web_error(r, 500, "query: no pipe");
		goto out;
	}
	if (pfd[0] == 0) {
		/* 0 means "no stream" to the server: move the read end up */
		int d = fcntl(0, F_DUPFD_CLOEXEC, 1);
		close(0);
		pfd[0] = d;
		if (d < 0) {
			web_error(r, 500, "query: no pipe");
			goto out;
		}
	}
	pfd[1] = -1;   /* fp's */
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
	if (!(job = malloc(sizeof(*job)))) {
		web_error(r, 500, "out of memory");
		goto out;
	}
	job->qr = qr;
	job->rd = rd;
	job->fp = fp;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &at, query_job, job);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		free(job);
		web_error(r, 503, "query: no thread");
		goto out;
	}
	qr = NULL;
	rd = NULL;
	fp = NULL;
	r->stream_fd = pfd[0];
	pfd[0] = -1;
	r->ctype = "text/plain; charset=utf-8";
	r->status = 200;
out:
	query_run_free(qr);
	if (rd)
		store_reader_close(rd);
	if (fp)
		fclose(fp);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return r->status;
}
