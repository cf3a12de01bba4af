/*
 * nat_gen.c - write a synthetic Cisco ASA NAT log (305011 builds, 305012
 * teardowns with their duration) of a PAT gateway, in time order, and a
 * sample of its mappings to look up.
 *
 *   nat_gen [-n SESSIONS] [-r RATE] [-s START_EPOCH] [-g GATEWAYS] [-S SEED]
 *           [-q QUERYFILE] [-k QUERIES] > asa.log
 *
 * QUERYFILE lines: "OUTSIDE PORT TIME_MS INSIDE IPORT" for mappings that
 * were torn down, at a moment inside each (see gen.h).
 */
#include "gen.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

int main(int argc, char **argv)
{
	uint64_t n = 1000000, seed = 1, k = 10000;
	double rate = 200;
	int64_t start = 1709251200; /* 2024-03-01T00:00:00Z */
	unsigned ngw = 4;
	const char *qf = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:r:s:g:S:q:k:")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 's': start = strtoll(optarg, NULL, 10); break;
		case 'g': ngw = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'q': qf = optarg; break;
		case 'k': k = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: nat_gen [-n SESSIONS] [-r RATE] [-s START] [-g GW] [-S SEED] [-q FILE] [-k N]\n");
			return 2;
		}
	}
	if (!ngw || ngw > 250 || rate <= 0)
		return 2;
	struct gen g;
	gen_init(&g, seed, rate, start, ngw);
	struct gen_sess *res = calloc(k ? k : 1, sizeof(*res));
	uint64_t seen = 0;
	char stamp[32] = "";
	int64_t stamp_s = -1;
	static char out[1 << 20];
	setvbuf(stdout, out, _IOFBF, sizeof(out));

	while (g.sessions < n || g.nheap) {
		struct gen_sess s;
		int open;
		if (g.sessions >= n) { /* drain the teardowns */
			s = heap_pop(&g);
			open = 0;
		} else {
			open = gen_next(&g, &s);
		}
		int64_t t = open ? s.start_s : s.end_s;
		if (t != stamp_s) {
			time_t tt = (time_t)t;
			struct tm tm;
			gmtime_r(&tt, &tm);
			snprintf(stamp, sizeof(stamp), "%s %02d %04d %02d:%02d:%02d", mon[tm.tm_mon], tm.tm_mday,
				 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
			stamp_s = t;
		}
		uint32_t gw = g.gw_base + s.gw;
		const char *pr = s.proto == 6 ? "TCP" : "UDP";
		if (open) {
			printf("%s: %%ASA-6-305011: Built dynamic %s translation from inside:172.16.%u.%u/%u to "
			       "outside:10.10.9.%u/%u\n",
			       stamp, pr, (s.inside >> 8) & 255, s.inside & 255, s.iport, gw & 255, s.port);
		} else {
			int64_t d = s.end_s - s.start_s;
			printf("%s: %%ASA-6-305012: Teardown dynamic %s translation from inside:172.16.%u.%u/%u to "
			       "outside:10.10.9.%u/%u duration %lld:%02lld:%02lld\n",
			       stamp, pr, (s.inside >> 8) & 255, s.inside & 255, s.iport, gw & 255, s.port,
			       (long long)(d / 3600), (long long)(d / 60 % 60), (long long)(d % 60));
			/* reservoir sample of torn-down mappings */
			if (k) {
				if (seen < k)
					res[seen] = s;
				else {
					uint64_t j = gen_rand(&g) % (seen + 1);
					if (j < k)
						res[j] = s;
				}
				seen++;
			}
		}
		g.lines++;
	}
	fflush(stdout);
	if (qf) {
		FILE *q = fopen(qf, "w");
		if (!q)
			return 1;
		for (uint64_t i = 0; i < k && i < seen; i++) {
			const struct gen_sess *s = &res[i];
			int64_t t = s->start_s * 1000 + (int64_t)(gen_unit(&g) * (double)(s->end_s - s->start_s) * 1000);
			fprintf(q, "10.10.9.%u %u %lld 172.16.%u.%u %u\n", (g.gw_base + s->gw) & 255, s->port,
				(long long)t, (s->inside >> 8) & 255, s->inside & 255, s->iport);
		}
		fclose(q);
	}
	fprintf(stderr, "nat_gen: %llu sessions, %llu lines, log time %.0f s\n",
		(unsigned long long)g.sessions, (unsigned long long)g.lines, g.t - (double)start);
	gen_free(&g);
	free(res);
	return 0;
}
