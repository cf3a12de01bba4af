/*
 * bench_query.c - how fast the query engine filters and aggregates columns
 * already in memory (no store, no decompression, no output): the three
 * queries the flow benchmark races nfdump on, over synthetic flows.
 *
 *   bench_query [ROWS (10000000)] [RUNS (5)]
 *
 * Prints, for each case, the median over RUNS of rows per CPU second (process
 * CPU time, not wall time: the machine this runs on is shared, and CPU time
 * is what other processes disturb least), with the number of rows selected
 * (to show the filter did its work).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "query/query.h"

struct cols {
	size_t n;
	uint8_t *proto;
	uint16_t *sport, *dport;
	struct vaddr *src, *dst;
	uint64_t *packets, *bytes;
	int64_t *first, *last;
	uint32_t *sampling;
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A campus-like mix: 80% tcp, 15% udp, 5% icmp; inside hosts 10.0/16 talk to
 * 500k outside addresses; ~2% of tcp goes to 445; 10.1.2.3 is one host among
 * 65536. */
static int gen(struct cols *c, size_t n)
{
	static const uint16_t common[] = { 80, 443, 443, 443, 53, 22, 25, 3389, 8080, 123 };
	c->n = n;
	c->proto = malloc(n);
	c->sport = malloc(n * 2);
	c->dport = malloc(n * 2);
	c->src = malloc(n * 16);
	c->dst = malloc(n * 16);
	c->packets = malloc(n * 8);
	c->bytes = malloc(n * 8);
	c->first = malloc(n * 8);
	c->last = malloc(n * 8);
	c->sampling = malloc(n * 4);
	if (!c->proto || !c->sport || !c->dport || !c->src || !c->dst || !c->packets || !c->bytes ||
	    !c->first || !c->last || !c->sampling)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned p = (unsigned)(r % 100);
		c->proto[i] = p < 80 ? 6 : p < 95 ? 17 : 1;
		bool out = (r >> 8) & 1;
		uint32_t inside = 0x0a010000u | (uint32_t)((r >> 9) & 0xffff);
		uint32_t outside = 0x50000000u + (uint32_t)((r >> 25) % 500000);
		addr_from_v4(&c->src[i], out ? inside : outside);
		addr_from_v4(&c->dst[i], out ? outside : inside);
		uint16_t svc = (r >> 45) % 50 == 0 ? 445 : common[(r >> 51) % 10];
		c->sport[i] = out ? (uint16_t)(1024 + (r >> 32) % 60000) : svc;
		c->dport[i] = out ? svc : (uint16_t)(1024 + (r >> 32) % 60000);
		c->packets[i] = 1 + (r >> 40) % 100;
		c->bytes[i] = c->packets[i] * (40 + (r >> 20) % 1400);
		c->first[i] = 1700000000000LL + (int64_t)(i / 10);
		c->last[i] = c->first[i] + (int64_t)((r >> 12) % 30000);
		c->sampling[i] = 1;
	}
	return 0;
}

static void batch(const struct cols *c, size_t off, size_t m, struct query_cols *q)
{
	memset(q, 0, sizeof(*q));
	q->n = m;
	q->col[FLOW_COL_PROTO] = c->proto + off;
	q->col[FLOW_COL_SPORT] = c->sport + off;
	q->col[FLOW_COL_DPORT] = c->dport + off;
	q->col[FLOW_COL_SRC] = c->src + off;
	q->col[FLOW_COL_DST] = c->dst + off;
	q->col[FLOW_COL_PACKETS] = c->packets + off;
	q->col[FLOW_COL_BYTES] = c->bytes + off;
	q->col[FLOW_COL_FIRST] = c->first + off;
	q->col[FLOW_COL_LAST] = c->last + off;
	q->col[FLOW_COL_SAMPLING] = c->sampling + off;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One pass: filter (and aggregate when key >= 0). Returns CPU seconds. */
static double pass(const struct cols *c, struct query_filter *f, int key, uint64_t *matched)
{
	uint32_t *sel = malloc(QUERY_BATCH_ROWS * sizeof(*sel));
	struct query_agg *a = key >= 0 ? query_agg_new((enum query_key)key, QUERY_ORDER_FLOWS, 0) : NULL;
	uint64_t t0 = cpu_ns(), hits = 0;

	for (size_t off = 0; off < c->n; off += QUERY_BATCH_ROWS) {
		size_t m = c->n - off < QUERY_BATCH_ROWS ? c->n - off : QUERY_BATCH_ROWS;
		struct query_cols q;
		batch(c, off, m, &q);
		size_t k = f ? query_filter_eval(f, &q, sel) : m;
		hits += k;
		if (a)
			query_agg_add(a, &q, f ? sel : NULL, k);
	}
	if (a) {
		struct query_agg_entry top[10];
		query_agg_top(a, 10, top);
	}
	double s = (double)(cpu_ns() - t0) / 1e9;
	*matched = hits;
	query_agg_free(a);
	free(sel);
	return s;
}

int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	static const struct {
		const char *name, *filter;
		int key;
	} cases[] = {
		{ "filter 'proto tcp and dst port 445'", "proto tcp and dst port 445", -1 },
		{ "filter 'host 10.1.2.3'", "host 10.1.2.3", -1 },
		{ "filter 'net 10.1.0.0/16 and bytes > 100k'", "net 10.1.0.0/16 and bytes > 100k", -1 },
		{ "filter 'port in [22 23 445 3389] and not proto udp'", "port in [22 23 445 3389] and not proto udp", -1 },
		{ "-s srcip/flows (no filter)", "", QUERY_KEY_SRCIP },
		{ "-s dstport/flows (no filter)", "", QUERY_KEY_DSTPORT },
		{ "-s srcip/flows 'proto tcp and dst port 445'", "proto tcp and dst port 445", QUERY_KEY_SRCIP },
	};
	struct cols c;
	double *t;

	if (rows == 0 || runs < 1 || runs > 101)
		return 2;
	t = malloc((size_t)runs * sizeof(*t));
	if (!t || gen(&c, rows) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	printf("%zu rows in memory, median of %d runs, rows per CPU second\n", rows, runs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query_filter *f = NULL;
		uint64_t matched = 0;
		char err[256];
		if (query_filter_compile(cases[i].filter, &f, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		for (int r = 0; r < runs; r++)
			t[r] = pass(&c, query_filter_is_any(f) ? NULL : f, cases[i].key, &matched);
		qsort(t, (size_t)runs, sizeof(*t), cmp_d);
		double med = t[runs / 2];
		printf("%-52s %8.1f M rows/s  (%.3f s CPU, %" PRIu64 " matched)\n", cases[i].name,
		       (double)rows / med / 1e6, med, matched);
		query_filter_free(f);
	}
	free(t);
	return 0;
}
