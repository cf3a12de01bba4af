/*
 * flows_nodes.c - `vigil flows --node URL ...`: the query sent to every
 * node's GET /api/v1/query in parallel (libcurl multi), the partial answers
 * merged by the query engine (query_run_merge_partial) in the order the
 * nodes were given, and written by the same output code as -R. A node that
 * fails is named on stderr with its error; the answer of the others is
 * still printed and the exit code says it is partial.
 */
#include "cli/flows_nodes.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* A node's answer is held in memory until merged: at most this much. */
#define NODE_MAX_ANSWER (1ULL << 32)

struct node {
	const char *url;
	CURL *h;
	char *buf;
	size_t len, cap;
	bool too_big;
	char cerr[CURL_ERROR_SIZE];
};

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
	struct node *nd = ctx;
	size_t k = sz * n;

	if (nd->len + k + 1 > NODE_MAX_ANSWER) {
		nd->too_big = true;
		return 0;
	}
	if (nd->len + k + 1 > nd->cap) {
		size_t nc = nd->cap ? nd->cap : 1 << 16;
		while (nc < nd->len + k + 1)
			nc *= 2;
		char *b = realloc(nd->buf, nc);
		if (!b)
			return 0;
		nd->buf = b;
		nd->cap = nc;
	}
	memcpy(nd->buf + nd->len, p, k);
	nd->len += k;
	nd->buf[nd->len] = '\0';
	return k;
}

/* Append "&name=escaped(value)" to q (size qsize); false if it does not fit. */
static bool add_arg(CURL *h, char *q, size_t qsize, const char *name, const char *value)
{
	char *e = curl_easy_escape(h, value, 0);
	size_t l = strlen(q);
	int n;

	if (!e)
		return false;
	n = snprintf(q + l, qsize - l, "%s%s=%s", l ? "&" : "", name, e);
	curl_free(e);
	return n > 0 && (size_t)n < qsize - l;
}

/* The query string of a node's part of the query. */
static char *node_query(CURL *h, const struct flows_nodes_req *rq)
{
	const struct query_opts *o = rq->opts;
	size_t qsize = strlen(rq->filter) * 3 + 1024;
	char *q = malloc(qsize), num[32], st[QUERY_MAX_STATS * 24];
	bool ok = true;

	if (!q)
		return NULL;
	q[0] = '\0';
	if (rq->filter[0])
		ok = add_arg(h, q, qsize, "filter", rq->filter);
	if (ok && o->from_ms != INT64_MIN) {
		snprintf(num, sizeof(num), "%" PRId64, o->from_ms);
		ok = add_arg(h, q, qsize, "from", num);
	}
	if (ok && o->to_ms != INT64_MAX) {
		snprintf(num, sizeof(num), "%" PRId64, o->to_ms);
		ok = add_arg(h, q, qsize, "to", num);
	}
	if (ok && o->max_records) {
		snprintf(num, sizeof(num), "%" PRIu64, o->max_records);
		ok = add_arg(h, q, qsize, "c", num);
	}
	if (ok && o->nstats) {
		size_t l = 0;
		st[0] = '\0';
		for (size_t i = 0; i < o->nstats; i++)
			l += (size_t)snprintf(st + l, sizeof(st) - l, "%s%.10s/%.10s", i ? "," : "",
					      query_key_name(o->stat_key[i]),
					      query_order_name(o->stat_order[i]));
		ok = add_arg(h, q, qsize, "s", st);
	} else if (ok && !o->aggregate) {
		/* a listing: each node's first (or, with -O, top) n rows are enough */
		if (o->limit) {
			snprintf(num, sizeof(num), "%zu", o->limit);
			ok = add_arg(h, q, qsize, "n", num);
		}
		if (ok && rq->sort_name)
			ok = add_arg(h, q, qsize, "O", rq->sort_name);
	}
	if (!ok) {
		free(q);
		return NULL;
	}
	return q;
}

/* The error of a failed answer: the JSON message if there is one. */
static void answer_error(const struct node *nd, long status, char *err, size_t errlen)
{
	const char *m = nd->buf ? strstr(nd->buf, "\"message\":\"") : NULL;

	if (m) {
		m += 11;
		const char *e = strchr(m, '"');
		int n = e ? (int)(e - m) : 200;
		snprintf(err, errlen, "HTTP %ld: %.*s", status, n > 300 ? 300 : n, m);
	} else {
		snprintf(err, errlen, "HTTP %ld", status);
	}
}

int flows_nodes_run(const struct flows_nodes_req *rq, struct query_run *qr,
		    struct query_node_stats *ns, size_t *failed)
{
	struct node *nd = calloc(rq->nnodes, sizeof(*nd));
	struct curl_slist *hdr = NULL;
	CURLM *m = NULL;
	char auth[600];
	int running = 0, rc = 0;

	*failed = 0;
	if (!nd)
		return VIGIL_ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		free(nd);
		return VIGIL_ESYS;
	}
	if (rq->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %.512s", rq->token);
		hdr = curl_slist_append(NULL, auth);
	}
	m = curl_multi_init();
	if (!m) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < rq->nnodes; i++) {
		char *q, *url;
		size_t ul;
		nd[i].url = rq->nodes[i];
		nd[i].h = curl_easy_init();
		if (!nd[i].h || !(q = node_query(nd[i].h, rq))) {
			rc = VIGIL_ENOMEM;
			goto out;
		}
		ul = strlen(nd[i].url) + strlen(q) + 32;
		url = malloc(ul);
		if (!url) {
			free(q);
			rc = VIGIL_ENOMEM;
			goto out;
		}
		int base = (int)strlen(nd[i].url);
		while (base > 0 && nd[i].url[base - 1] == '/')
			base--;
		snprintf(url, ul, "%.*s/api/v1/query?%s", base, nd[i].url, q);
		free(q);
		curl_easy_setopt(nd[i].h, CURLOPT_URL, url);
		free(url);  /* libcurl keeps its own copy */
		curl_easy_setopt(nd[i].h, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(nd[i].h, CURLOPT_WRITEDATA, &nd[i]);
		curl_easy_setopt(nd[i].h, CURLOPT_ERRORBUFFER, nd[i].cerr);
		curl_easy_setopt(nd[i].h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(nd[i].h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(nd[i].h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(nd[i].h, CURLOPT_ACCEPT_ENCODING, "");
		if (rq->timeout_s)
			curl_easy_setopt(nd[i].h, CURLOPT_TIMEOUT, rq->timeout_s);
		if (hdr)
			curl_easy_setopt(nd[i].h, CURLOPT_HTTPHEADER, hdr);
		curl_multi_add_handle(m, nd[i].h);
	}
	do {
		CURLMcode mc = curl_multi_perform(m, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			fprintf(stderr, "vigil flows: %s\n", curl_multi_strerror(mc));
			rc = VIGIL_ESYS;
			goto out;
		}
	} while (running);
	/* merge in the order the nodes were given: the answer does not depend
	 * on which node was faster */
	for (size_t i = 0; i < rq->nnodes; i++) {
		long status = 0;
		char err[512];
		curl_easy_getinfo(nd[i].h, CURLINFO_RESPONSE_CODE, &status);
		err[0] = '\0';
		if (nd[i].too_big)
			snprintf(err, sizeof(err), "answer larger than %llu bytes: narrow the query",
				 (unsigned long long)NODE_MAX_ANSWER);
		else if (status == 0)
			snprintf(err, sizeof(err), "%s", nd[i].cerr[0] ? nd[i].cerr : "no answer");
		else if (status != 200)
			answer_error(&nd[i], status, err, sizeof(err));
		if (!err[0]) {
			/* also once -n is reached: the rows are dropped, the totals count */
			int r = query_run_merge_partial(qr, nd[i].buf ? nd[i].buf : "", nd[i].len, ns, err,
							sizeof(err));
			if (r < 0 && !err[0])
				snprintf(err, sizeof(err), "%s", vigil_strerror(r));
		}
		if (err[0]) {
			fprintf(stderr, "vigil flows: node %s: %s\n", nd[i].url, err);
			(*failed)++;
		}
		free(nd[i].buf);
		nd[i].buf = NULL;
	}
out:
	for (size_t i = 0; i < rq->nnodes; i++) {
		if (nd[i].h) {
			if (m)
				curl_multi_remove_handle(m, nd[i].h);
			curl_easy_cleanup(nd[i].h);
		}
		free(nd[i].buf);
	}
	if (m)
		curl_multi_cleanup(m);
	curl_slist_free_all(hdr);
	curl_global_cleanup();
	free(nd);
	return rc;
}
