/*
 * whois_bench.c - time the constituency database: import from RPSL text,
 * snapshot write and load, and lookups per second on one core.
 *
 *   whois_bench build SNAPSHOT FILE...   import FILEs, write SNAPSHOT
 *   whois_bench open SNAPSHOT            load a snapshot
 *   whois_bench lookup SNAPSHOT [N] [ROUNDS] [POOL]
 *                                        N random IPv4 addresses (default
 *                                        10M: 3/4 inside 2.0.0.0-15.255.255.255
 *                                        where the synthetic dump allocates,
 *                                        1/4 anywhere), drawn from POOL
 *                                        distinct ones (default: all distinct;
 *                                        65536 models a detector's active
 *                                        hosts), ROUNDS passes (5); prints
 *                                        each pass and the medians, by wall
 *                                        clock and by the thread's CPU time
 *                                        (the per-core figure on a shared,
 *                                        busy machine)
 *   whois_bench batch SNAPSHOT [N] [ROUNDS] [POOL]
 *                                        the same through whois_lookup_batch,
 *                                        256 addresses a call
 * Peak memory is taken by running it under /usr/bin/time -v (see README.md).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "whois/whois.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_err(void *ctx, const char *file, uint32_t line, const char *msg)
{
	uint64_t *n = ctx;
	if ((*n)++ < 10)
		fprintf(stderr, "%s:%u: %s\n", file, (unsigned)line, msg);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct whois_db *db = NULL;
	struct whois_stats st;
	double t0, t1;
	int rc;

	if (argc >= 4 && !strcmp(argv[1], "build")) {
		uint64_t bad = 0;
		t0 = now();
		rc = whois_build((const char *const *)argv + 3, (size_t)argc - 3, NULL, on_err, &bad, &db);
		t1 = now();
		if (rc) {
			fprintf(stderr, "build: %s\n", vigil_strerror(rc));
			return 1;
		}
		whois_get_stats(db, &st);
		printf("import: %.2f s; %" PRIu64 " inetnum %" PRIu64 " inet6num %" PRIu64 " route %" PRIu64
		       " route6 %" PRIu64 " organisation %" PRIu64 " role %" PRIu64 " irt; %" PRIu64
		       " bad; strings %.1f MB\n",
		       t1 - t0, st.inetnum, st.inet6num, st.route, st.route6, st.organisation, st.role,
		       st.irt, st.bad, (double)st.string_bytes / 1e6);
		t0 = now();
		rc = whois_save(db, argv[2]);
		printf("save: %.2f s (%s)\n", now() - t0, rc ? vigil_strerror(rc) : "ok");
		whois_free(db);
		return rc ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "open")) {
		t0 = now();
		rc = whois_open(argv[2], &db);
		printf("open: %.2f s (%s)\n", now() - t0, rc ? vigil_strerror(rc) : "ok");
		whois_free(db);
		return rc ? 1 : 0;
	}
	if (argc >= 3 && (!strcmp(argv[1], "lookup") || !strcmp(argv[1], "batch"))) {
		bool batch = argv[1][0] == 'b';
		static struct whois_result bres[256];
		size_t n = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000000;
		int rounds = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5;
		size_t pool = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;
		struct vaddr *a = malloc(n * sizeof(*a));
		double rates[64], crates[64], c0;
		uint64_t x = 0x2545F4914F6CDD1Dull, found = 0, sum = 0;

		if (rounds < 1 || rounds > 64 || !a)
			return 2;
		if ((rc = whois_open(argv[2], &db)) != 0) {
			fprintf(stderr, "open: %s\n", vigil_strerror(rc));
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint32_t v = (uint32_t)(x >> 20);
			if ((x & 3) != 0)
				v = (2u << 24) + (v % (14u << 24));
			addr_from_v4(&a[i], v);
		}
		if (pool && pool < n) /* repeat the first POOL addresses in random order */
			for (size_t i = pool; i < n; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				a[i] = a[x % pool];
			}
		for (int r = 0; r < rounds; r++) {
			struct whois_result res;
			t0 = now();
			c0 = cpu_now();
			if (batch) {
				for (size_t i = 0; i < n; i += 256) {
					size_t m = n - i < 256 ? n - i : 256;
					found += whois_lookup_batch(db, a + i, m, bres);
					for (size_t k = 0; k < m; k++)
						sum += bres[k].nasn + (bres[k].abuse_mailbox != NULL);
				}
			} else {
				for (size_t i = 0; i < n; i++) {
					if (whois_lookup(db, &a[i], &res)) {
						found++;
						sum += res.nasn + (res.abuse_mailbox != NULL);
					}
				}
			}
			t1 = now();
			crates[r] = (double)n / (cpu_now() - c0);
			rates[r] = (double)n / (t1 - t0);
			printf("lookup pass %d: %.2f M/s wall, %.2f M/s per CPU-second\n", r + 1,
			       rates[r] / 1e6, crates[r] / 1e6);
		}
		qsort(rates, (size_t)rounds, sizeof(rates[0]), cmp_d);
		qsort(crates, (size_t)rounds, sizeof(crates[0]), cmp_d);
		printf("lookup median: %.2f M lookups/s wall, %.2f M per CPU-second of one core "
		       "(%" PRIu64 " found, check %" PRIu64 ")\n",
		       rates[rounds / 2] / 1e6, crates[rounds / 2] / 1e6, found, sum);
		whois_free(db);
		free(a);
		return 0;
	}
	fprintf(stderr, "usage: whois_bench build SNAPSHOT FILE... | open SNAPSHOT | "
			"lookup|batch SNAPSHOT [N] [ROUNDS] [POOL]\n");
	return 2;
}
