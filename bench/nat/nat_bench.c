/*
 * nat_bench.c - timing the NAT index (not run by ctest).
 *
 *   nat_bench build DIR SESSIONS RATE [SEED]  sessions of the synthetic
 *       gateway (gen.h) straight into the index (no text), with a sample of
 *       queries written to DIR.queries; for indexes too big to log as text
 *   nat_bench parse FILE                      the log readers alone over a file
 *   nat_bench lookup DIR QUERIES [SKEW_S]     every query twice (first touch
 *       of each run, then warm) and as many misses; latency percentiles and
 *       whether the answer is the host that held the port
 */
#include "gen.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static long max_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static int build(const char *dir, uint64_t n, double rate, uint64_t seed)
{
	struct nat_index *x;
	char err[256], qpath[1024];
	struct gen g;
	const uint64_t k = 20000;
	struct gen_sess *res = calloc(k, sizeof(*res));
	uint64_t seen = 0, maps = 0;

	if (nat_index_open(dir, true, &x, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	gen_init(&g, seed, rate, 1709251200, 16);
	double w0 = now_s(), c0 = cpu_s();
	while (g.sessions < n) {
		struct gen_sess s;
		struct nat_rec r;
		int open = gen_next(&g, &s);
		gen_rec(&g, &s, open, &r);
		r.line = (uint32_t)(g.opens + g.closes);
		if (nat_index_add(x, &r, "synthetic-gw.log")) {
			fprintf(stderr, "add failed\n");
			return 1;
		}
		if (!open) {
			maps++;
			if (seen < k)
				res[seen] = s;
			else if (gen_rand(&g) % (seen + 1) < k)
				res[gen_rand(&g) % k] = s;
			seen++;
		}
	}
	if (nat_index_close(x)) {
		fprintf(stderr, "close failed\n");
		return 1;
	}
	double w = now_s() - w0, c = cpu_s() - c0;
	printf("build: %llu sessions (%llu builds, %llu teardowns) in %.1f s wall, %.1f s cpu: %.2f M events/s of cpu; "
	       "log time %.1f days; max rss %ld MB\n",
	       (unsigned long long)g.sessions, (unsigned long long)g.opens, (unsigned long long)g.closes, w, c,
	       (double)(g.opens + g.closes) / c / 1e6, (g.t - 1709251200.0) / 86400, max_rss_mb());
	snprintf(qpath, sizeof(qpath), "%s.queries", dir);
	FILE *q = fopen(qpath, "w");
	for (uint64_t i = 0; q && i < k && i < seen; i++) {
		const struct gen_sess *s = &res[i];
		int64_t t = s->start_s * 1000 + (int64_t)(gen_unit(&g) * (double)(s->end_s - s->start_s) * 1000);
		fprintf(q, "10.10.9.%u %u %lld 172.16.%u.%u %u\n", (g.gw_base + s->gw) & 255, s->port, (long long)t,
			(s->inside >> 8) & 255, s->inside & 255, s->iport);
	}
	if (q)
		fclose(q);
	gen_free(&g);
	free(res);
	return 0;
}

static int cnt(void *ctx, const struct nat_rec *r)
{
	(void)r;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int parse(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 20];
	struct nat_reader *rd;
	struct nat_reader_stats st;
	uint64_t n = 0;
	size_t got;

	if (!f || nat_reader_new(NULL, NULL, cnt, NULL, &n, &rd))
		return 1;
	double c0 = cpu_s();
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		nat_reader_feed(rd, buf, got);
	nat_reader_finish(rd);
	double c = cpu_s() - c0;
	nat_reader_get_stats(rd, &st);
	printf("parse: %llu lines, %llu records, %llu bad in %.2f s cpu: %.2f M lines/s\n",
	       (unsigned long long)st.lines, (unsigned long long)st.records, (unsigned long long)st.bad, c,
	       (double)st.lines / c / 1e6);
	nat_reader_free(rd);
	fclose(f);
	return 0;
}

struct q {
	struct vaddr out, in;
	uint16_t port, iport;
	int64_t t;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *us, size_t n)
{
	qsort(us, n, sizeof(*us), cmp_d);
	printf("%-6s %zu lookups: median %.1f us, p90 %.1f, p99 %.1f, max %.1f\n", what, n, us[n / 2],
	       us[n * 9 / 10], us[n * 99 / 100], us[n - 1]);
}

static int lookup(const char *dir, const char *qpath, double skew_s)
{
	FILE *f = fopen(qpath, "r");
	struct q *qs = NULL;
	size_t n = 0, cap = 0;
	char o[64], in[64];
	unsigned p, ip;
	long long t;

	if (!f)
		return 1;
	while (fscanf(f, "%63s %u %lld %63s %u", o, &p, &t, in, &ip) == 5) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			qs = realloc(qs, cap * sizeof(*qs));
		}
		addr_parse(o, &qs[n].out);
		addr_parse(in, &qs[n].in);
		qs[n].port = (uint16_t)p;
		qs[n].iport = (uint16_t)ip;
		qs[n].t = t;
		n++;
	}
	fclose(f);
	if (!n)
		return 1;
	struct nat_index *x;
	char err[256];
	double t0 = now_s();
	if (nat_index_open(dir, false, &x, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("open: %.1f ms\n", (now_s() - t0) * 1e3);
	struct nat_index_info inf;
	nat_index_info(x, &inf);
	printf("index: %llu runs, %llu mappings, %llu bytes, %.2f bytes a mapping\n",
	       (unsigned long long)inf.partitions, (unsigned long long)inf.mappings,
	       (unsigned long long)inf.bytes, (double)inf.bytes / (double)(inf.mappings ? inf.mappings : 1));
	nat_index_close(x);
	/* again, so the first pass touches every run for the first time */
	nat_index_open(dir, false, &x, err, sizeof(err));
	struct nat_lookup_opts lo = { .skew_ms = (int64_t)(skew_s * 1000) };
	double *us = malloc(n * sizeof(*us));
	struct nat_answer a[8];
	for (int pass = 0; pass < 2; pass++) {
		size_t right = 0, first = 0, high = 0, none = 0;
		for (size_t i = 0; i < n; i++) {
			double s = now_s();
			int k = nat_lookup(x, &qs[i].out, qs[i].port, qs[i].t, &lo, a, 8);
			us[i] = (now_s() - s) * 1e6;
			if (k <= 0) {
				none++;
				continue;
			}
			if (addr_eq(&a[0].inside, &qs[i].in) && a[0].inside_port == qs[i].iport)
				first++;
			for (int j = 0; j < k && j < 8; j++)
				if (addr_eq(&a[j].inside, &qs[i].in) && a[j].inside_port == qs[i].iport)
					right++;
			if (a[0].confidence == NAT_CONF_HIGH)
				high++;
		}
		report(pass ? "warm" : "first", us, n);
		printf("       answers: holder named %zu/%zu, first %zu, high confidence %zu, none %zu\n", right, n,
		       first, high, none);
	}
	/* misses: a port at a time nobody held it is as costly to rule out */
	uint64_t rng = 12345;
	for (size_t i = 0; i < n; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		double s = now_s();
		nat_lookup(x, &qs[i].out, (uint16_t)(1024 + (rng >> 33) % 64512), qs[i].t, &lo, a, 8);
		us[i] = (now_s() - s) * 1e6;
	}
	report("random", us, n);
	nat_index_close(x);
	printf("max rss %ld MB\n", max_rss_mb());
	free(us);
	free(qs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "build"))
		return build(argv[2], strtoull(argv[3], NULL, 10), strtod(argv[4], NULL),
			     argc > 5 ? strtoull(argv[5], NULL, 10) : 1);
	if (argc == 3 && !strcmp(argv[1], "parse"))
		return parse(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "lookup"))
		return lookup(argv[2], argv[3], argc > 4 ? strtod(argv[4], NULL) : 60);
	fprintf(stderr, "usage: nat_bench build DIR SESSIONS RATE [SEED] | parse FILE | lookup DIR QUERIES [SKEW]\n");
	return 2;
}
