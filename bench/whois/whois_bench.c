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
 *   whois_bench lookup-in|batch-in SNAPSHOT [N] [ROUNDS] [POOL]
 *                                        the same on addresses drawn from the
 *                                        constituency: random ones kept only
 *                                        when an inetnum covers them (chosen
 *                                        before the clock starts)
 *   whois_bench digest SNAPSHOT [N]      a hash of every field and source of
 *                                        N lookups (default 2M: addresses
 *                                        anywhere, in the allocated space, and
 *                                        each of the 256 addresses of random
 *                                        /24s), single and batched; two
 *                                        builds of the library must print the
 *                                        same (see README.md)
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

static uint64_t h_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t h_str(uint64_t h, const char *s)
{
	return s ? h_bytes(h, s, strlen(s) + 1) : h_bytes(h, "\xff", 1);
}

static uint64_t h_src(uint64_t h, const struct whois_src *s)
{
	h = h_str(h_str(h_str(h, s->cls), s->key), s->file);
	return h_bytes(h, &s->line, sizeof(s->line));
}

/* Everything a lookup returns, by value (strings by content). */
static uint64_t h_result(const struct whois_result *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *const str[] = { r->netname, r->country, r->org_id, r->org_name, r->site,
				    r->abuse_mailbox, r->contact, r->phone, r->pgp, r->language,
				    r->format, r->batch, r->as_name, r->irt, r->irt_abuse_mailbox,
				    r->irt_email, r->irt_signature, r->irt_encryption };
	const struct whois_src *src[] = { &r->src_net, &r->src_org, &r->src_abuse, &r->src_contact,
					  &r->src_route, &r->src_irt, &r->src_site, &r->src_nat };
	unsigned char f[3] = { r->found, r->is_ours, r->is_nat_gateway };

	h = h_bytes(h, f, 3);
	h = h_bytes(h, &r->lo, sizeof(r->lo));
	h = h_bytes(h, &r->hi, sizeof(r->hi));
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++)
		h = h_str(h, str[i]);
	h = h_bytes(h, &r->nasn, sizeof(r->nasn));
	h = h_bytes(h, r->asn, r->nasn * sizeof(r->asn[0]));
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		h = h_src(h, src[i]);
	return h;
}

static int digest(struct whois_db *db, size_t n)
{
	struct vaddr *a = malloc(n * sizeof(*a));
	static struct whois_result bres[256];
	uint64_t x = 0x9E3779B97F4A7C15ull, hs = 0, hb = 0, found = 0;

	if (!a)
		return 2;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t v = (uint32_t)(x >> 20);
		switch (i % 3) {
		case 0: /* anywhere */
			break;
		case 1: /* the allocated space */
			v = (2u << 24) + (v % (14u << 24));
			break;
		default: /* sweep whole /24s of the allocated space */
			v = ((2u << 24) + ((uint32_t)(x >> 40) % (14u << 24) & ~255u)) + (uint32_t)(i / 3 % 256);
			break;
		}
		addr_from_v4(&a[i], v);
		if (i % 7 == 0) { /* and some IPv6 in 2a10::/16, where whois_gen puts it */
			memset(a[i].b, 0, 16);
			a[i].b[0] = 0x2a;
			a[i].b[1] = 0x10;
			a[i].b[2] = (uint8_t)(x >> 16);
			a[i].b[3] = (uint8_t)(x >> 24);
			a[i].b[4] = (uint8_t)(x >> 32);
			a[i].b[15] = (uint8_t)x;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct whois_result r;
		found += whois_lookup(db, &a[i], &r);
		hs = h_bytes(hs, (uint64_t[]){ h_result(&r) }, 8);
	}
	for (size_t i = 0; i < n; i += 256) {
		size_t m = n - i < 256 ? n - i : 256;
		whois_lookup_batch(db, a + i, m, bres);
		for (size_t k = 0; k < m; k++)
			hb = h_bytes(hb, (uint64_t[]){ h_result(&bres[k]) }, 8);
	}
	printf("digest: %zu lookups, %" PRIu64 " found, single %016" PRIx64 " batch %016" PRIx64 "%s\n",
	       n, found, hs, hb, hs == hb ? "" : " (MISMATCH)");
	free(a);
	return hs == hb ? 0 : 1;
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
	if (argc >= 3 && !strcmp(argv[1], "digest")) {
		if ((rc = whois_open(argv[2], &db)) != 0) {
			fprintf(stderr, "open: %s\n", vigil_strerror(rc));
			return 1;
		}
		rc = digest(db, argc > 3 ? strtoull(argv[3], NULL, 10) : 2000000);
		whois_free(db);
		return rc;
	}
	if (argc >= 3 && (!strcmp(argv[1], "lookup") || !strcmp(argv[1], "batch") ||
			  !strcmp(argv[1], "lookup-in") || !strcmp(argv[1], "batch-in"))) {
		bool batch = argv[1][0] == 'b';
		bool inside = strchr(argv[1], '-') != NULL;
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
			struct whois_result res;
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint32_t v = (uint32_t)(x >> 20);
			if ((x & 3) != 0 || inside)
				v = (2u << 24) + (v % (14u << 24));
			addr_from_v4(&a[i], v);
			if (inside && (!whois_lookup(db, &a[i], &res) || !res.src_net.cls))
				i--; /* not in an inetnum: draw again */
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
			"lookup|batch|lookup-in|batch-in SNAPSHOT [N] [ROUNDS] [POOL] | "
			"digest SNAPSHOT [N]\n");
	return 2;
}
