/*
 * bench_desk.c - measures the desk through its public API (bench/desk/run.sh
 * drives it; figures in README.md):
 *
 *   bench_desk URL ingest FILE     events/s of desk_ingest_stream() with the
 *                                  aggregation rules on (parse + rules + commit)
 *   bench_desk URL gen N           make N incidents (N events of distinct hosts,
 *                                  ingested in transactions of 10,000)
 *   bench_desk URL query REPS      median latency of typical list/show calls
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desk/desk.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vtime.h"

static double secs(uint64_t t0)
{
	return (double)(vtime_mono_ns() - t0) / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int do_ingest(struct desk *d, const char *file)
{
	struct desk_ingest_stats st = { 0 };
	int fd = open(file, O_RDONLY);
	uint64_t t0;
	double s;
	int rc;

	if (fd < 0) {
		perror(file);
		return 1;
	}
	t0 = vtime_mono_ns();
	rc = desk_ingest_stream(d, fd, file, &st, NULL, NULL);
	s = secs(t0);
	close(fd);
	if (rc) {
		fprintf(stderr, "ingest: %s\n", vigil_strerror(rc));
		return 1;
	}
	printf("ingest %s: %llu events (%llu new incidents, %llu joined, %llu duplicates) in %.3f s = %.0f events/s\n",
	       desk_backend(d), (unsigned long long)st.events, (unsigned long long)st.new_incidents,
	       (unsigned long long)st.joined, (unsigned long long)st.duplicates, s, (double)st.events / s);
	return 0;
}

static int do_gen(struct desk *d, long n)
{
	struct desk_ingest_stats st = { 0 };
	struct event e;
	struct buf b;
	uint64_t t0 = vtime_mono_ns();
	int rc = 0;

	buf_init(&b, 1 << 16);
	for (long i = 0; i < n; i++) {
		if (i % 10000 == 0 && (rc = desk_ingest_begin(d)))
			break;
		event_init(&e);
		snprintf(e.kind, sizeof(e.kind), "%s", i % 4 ? "scan" : (i % 8 ? "dos" : "blocklist"));
		addr_from_v4(&e.host, 0x0a000000u + (uint32_t)i); /* 10.0.0.0/8: distinct hosts */
		e.first_ms = 1763683200000LL + i * 1000LL;
		e.last_ms = e.first_ms + 60000;
		e.flows = (uint64_t)i % 1000 + 1;
		snprintf(e.why, sizeof(e.why), "generated incident %ld", i);
		buf_reset(&b);
		event_to_json(&e, &b);
		if ((rc = desk_ingest_event(d, &e, b.data, b.len, "bench", &st)))
			break;
		if ((i + 1) % 10000 == 0 || i + 1 == n) {
			if ((rc = desk_ingest_commit(d, NULL, NULL, 0)))
				break;
			if ((i + 1) % 100000 == 0)
				fprintf(stderr, "gen: %ld\n", i + 1);
		}
	}
	buf_free(&b);
	if (rc) {
		desk_ingest_rollback(d);
		fprintf(stderr, "gen: %s\n", vigil_strerror(rc));
		return 1;
	}
	printf("gen %s: %llu incidents in %.1f s\n", desk_backend(d),
	       (unsigned long long)st.new_incidents, secs(t0));
	return 0;
}

static int count_cb(void *ctx, const struct desk_incident *inc)
{
	(void)inc;
	(*(long *)ctx)++;
	return 0;
}

static int grab_id(void *ctx, const struct desk_incident *inc)
{
	*(int64_t *)ctx = inc->id;
	return 1;
}

static int do_query(struct desk *d, int reps)
{
	struct {
		const char *name;
		struct desk_filter f;
		int show; /* 1: desk_show of a random id instead */
	} cases[] = {
		{ "list -n 50 (newest)", { .limit = 50 }, 0 },
		{ "list --state new -n 50", { .state = "new", .limit = 50 }, 0 },
		{ "list --kind dos -n 50", { .kind = "dos", .limit = 50 }, 0 },
		{ "list --host 10.7.161.32", { .host = "10.7.161.32" }, 0 },
		{ "list --owner alice (none match)", { .owner = "alice" }, 0 },
		{ "show ID (random)", { 0 }, 1 },
	};
	struct desk_filter newest = { .limit = 1 };
	double *t = calloc((size_t)reps, sizeof(double));
	int64_t maxid = 0;

	if (!t)
		return 1;
	if (desk_list(d, &newest, grab_id, &maxid))
		return 1;
	srand(42);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		long rows = 0;

		for (int r = 0; r < reps; r++) {
			uint64_t t0 = vtime_mono_ns();

			rows = 0;
			if (cases[c].show) {
				json_t *o = NULL;
				int64_t id = 1 + (int64_t)(rand() % (maxid > 0 ? maxid : 1));

				if (desk_show(d, id, &o) == 0) {
					char *s = json_dumps(o, JSON_COMPACT);
					rows = s ? (long)strlen(s) : 0;
					free(s);
				}
				json_decref(o);
			} else {
				desk_list(d, &cases[c].f, count_cb, &rows);
			}
			t[r] = secs(t0) * 1000.0;
		}
		qsort(t, (size_t)reps, sizeof(double), cmp_d);
		printf("%s %-45s median %8.3f ms  (min %.3f, max %.3f, %ld %s)\n", desk_backend(d),
		       cases[c].name, t[reps / 2], t[0], t[reps - 1], rows, cases[c].show ? "bytes" : "rows");
	}
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct desk *d = NULL;
	char err[512] = "";
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_desk URL ingest FILE | gen N | query REPS\n");
		return 2;
	}
	if (desk_open(argv[1], &d, err, sizeof(err))) {
		fprintf(stderr, "bench_desk: %s\n", err);
		return 1;
	}
	desk_set_actor(d, "bench");
	if (!strcmp(argv[2], "ingest"))
		rc = do_ingest(d, argv[3]);
	else if (!strcmp(argv[2], "gen"))
		rc = do_gen(d, strtol(argv[3], NULL, 10));
	else if (!strcmp(argv[2], "query"))
		rc = do_query(d, (int)strtol(argv[3], NULL, 10));
	else
		rc = 2;
	desk_close(d);
	return rc;
}
