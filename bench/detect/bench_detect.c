/*
 * bench_detect.c - speed and memory of the full detector set (lists, score,
 * scan, dos) on generated flows: a /16 constituency with N active hosts
 * talking to D distinct outside addresses a window (default 4 million), a
 * realistic mix (established TCP both ways, DNS/NTP, inbound SYN-only noise,
 * a few scanners, a flood, a reflection), and L list entries (default
 * 10,000, some of them hit). Flows are generated in batches into one buffer;
 * generation alone is timed in a separate pass and subtracted. Times are
 * CPU time of the process (one thread), not wall time.
 *
 * usage: bench_detect [-n FLOWS_PER_WINDOW] [-d DISTINCT] [-l LIST_ENTRIES]
 *                     [-w WINDOWS] [-s SAMPLING] [-h HOSTS]
 * prints flows/s of detection (one core), events, overflow, peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "detect/detect.h"
#include "intel/intel.h"
#include "util/vtime.h"

#include <time.h>

/* CPU time of this process in ns: the machine is shared, wall time is not ours. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define BATCH 4096
#define T0 1709287200000LL

struct rng {
	uint64_t s;
};

static inline uint64_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

struct gen {
	struct rng r;
	uint64_t n, i;     /* flows a window, index */
	uint32_t distinct, hosts, sampling;
	int64_t t0, win;
	uint32_t *list4;   /* listed IPv4 addresses (some flows go there) */
	size_t nlist;
};

/* An outside address among `distinct` spread over 64.0.0.0 - 191.255.255.255. */
static inline uint32_t outside(struct gen *g, uint64_t k)
{
	return 0x40000000u + (uint32_t)((k % g->distinct) * 31u);
}

static void make(struct gen *g, struct flow *f)
{
	uint64_t x = rnd(&g->r), y = rnd(&g->r);
	uint32_t host = 0x0a000000u | (uint32_t)(x % g->hosts);
	uint32_t ext = outside(g, g->i); /* cycles through every distinct address */
	unsigned kind = (unsigned)(y % 1000);
	bool out = (x >> 40) & 1;

	memset(f, 0, sizeof(*f));
	f->first_ms = g->t0 + (int64_t)((g->i % g->n) * (uint64_t)g->win / g->n);
	f->last_ms = f->first_ms + (int64_t)(y >> 52);
	f->sampling = g->sampling;
	f->packets = 1 + (y >> 40) % 40;
	f->bytes = f->packets * (60 + (y >> 20) % 1400);
	f->proto = 6;
	f->tcp_flags = 0x1b;
	f->sport = (uint16_t)(32768 + (x >> 16) % 28000);
	f->dport = (uint16_t)((y >> 8) & 1 ? 443 : 80);
	if (kind < 80) { /* DNS and NTP to outside servers */
		f->proto = 17;
		f->tcp_flags = 0;
		f->dport = kind < 60 ? 53 : 123;
		f->packets = 1;
		f->bytes = 80;
	} else if (kind < 110) { /* inbound SYN-only internet noise on exploited ports */
		static const uint16_t ports[] = { 22, 23, 445, 3389, 1433, 3306, 5900, 8080 };

		f->tcp_flags = 0x02;
		f->dport = ports[(y >> 30) & 7];
		f->packets = 1;
		f->bytes = 40;
		out = false;
	} else if (kind < 112 && g->nlist) { /* a listed peer */
		ext = g->list4[(y >> 12) % g->nlist];
	} else if (kind < 114) { /* one of 8 internal scanners on 445 */
		host = 0x0a000100u | (uint32_t)((y >> 20) & 7);
		f->tcp_flags = 0x02;
		f->dport = 445;
		f->packets = 1;
		f->bytes = 40;
		out = true;
	} else if (kind < 116) { /* a flood against one server */
		host = 0x0a000707u;
		f->tcp_flags = 0x02;
		f->packets = 50;
		f->bytes = 2000;
		out = false;
	} else if (kind < 117) { /* DNS reflection against one host */
		host = 0x0a000808u;
		f->proto = 17;
		f->tcp_flags = 0;
		f->sport = 53;
		f->dport = 7777;
		f->packets = 10;
		f->bytes = 14000;
		addr_from_v4(&f->src, ext);
		addr_from_v4(&f->dst, host);
		g->i++;
		return;
	}
	if (out) {
		addr_from_v4(&f->src, host);
		addr_from_v4(&f->dst, ext);
	} else {
		uint16_t p = f->sport;

		addr_from_v4(&f->src, ext);
		addr_from_v4(&f->dst, host);
		if (f->tcp_flags != 0x02) { /* the answer of an outbound connection */
			f->sport = f->dport;
			f->dport = p;
		}
	}
	g->i++;
}

static long events;
static uint64_t digest = 1469598103934665603ull;

static void mix_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		digest = (digest ^ b[i]) * 1099511628211ull;
}

/* Counts events and folds what an analyst sees of each (in emission order)
 * into one FNV-1a digest, so two builds can be checked for the same events. */
static void on_event(void *ctx, const struct event *e)
{
	(void)ctx;
	events++;
	mix_bytes(e->kind, strlen(e->kind));
	mix_bytes(&e->host, sizeof(e->host));
	mix_bytes(&e->peer, sizeof(e->peer));
	mix_bytes(&e->flows, sizeof(e->flows));
	mix_bytes(&e->packets, sizeof(e->packets));
	mix_bytes(&e->bytes, sizeof(e->bytes));
	mix_bytes(&e->distinct, sizeof(e->distinct));
	mix_bytes(&e->first_ms, sizeof(e->first_ms));
	mix_bytes(&e->last_ms, sizeof(e->last_ms));
	mix_bytes(e->why, strlen(e->why));
	mix_bytes(e->query, strlen(e->query));
}

int main(int argc, char **argv)
{
	uint64_t n = 20000000, total;
	uint32_t distinct = 4000000, nlist = 10000, windows = 1, sampling = 1, hosts = 20000;
	struct gen g;
	struct flow *buf = malloc(BATCH * sizeof(*buf));
	struct conf *cf;
	struct detect *d;
	struct intel_set *set = intel_set_new();
	struct detect_stats st;
	struct rusage ru;
	char err[256];
	uint64_t t_gen, t_all, t;
	int c;

	while ((c = getopt(argc, argv, "n:d:l:w:s:h:")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'd': distinct = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': nlist = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': windows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': sampling = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'h': hosts = (uint32_t)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench_detect [-n FLOWS] [-d DISTINCT] [-l LIST] "
					"[-w WINDOWS] [-s SAMPLING] [-h HOSTS]\n");
			return 2;
		}
	}
	if (!buf || !set || !distinct || !hosts || !n)
		return 1;
	memset(&g, 0, sizeof(g));
	g.r.s = 0x9e3779b97f4a7c15ull;
	g.n = n;
	g.distinct = distinct;
	g.hosts = hosts;
	g.sampling = sampling;
	g.win = 30 * 60 * 1000 - 1;
	/* list entries: 90% /32, 10% /24, half of the /32s on addresses flows use */
	g.list4 = calloc(nlist ? nlist : 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < nlist; i++) {
		struct vprefix p;
		uint64_t x = rnd(&g.r);

		memset(&p, 0, sizeof(p));
		if (i % 10 == 9) {
			addr_from_v4(&p.addr, (uint32_t)(0xc0000000u + (x & 0x0fffff00u)));
			p.len = 96 + 24;
		} else {
			uint32_t a = i % 2 ? outside(&g, x) : (uint32_t)(0xc0000000u + (x & 0x0fffffffu));

			addr_from_v4(&p.addr, a);
			p.len = 128;
			g.list4[g.nlist++] = a;
		}
		intel_add(set, i % 5 ? "blocklist" : "feodo", i % 5 ? INTEL_BLOCKLIST : INTEL_CC, &p,
			  -1, NULL);
	}
	intel_build(set);
	conf_load(NULL, &cf, err, sizeof(err));
	conf_set(cf, "detect", "network", "10.0.0.0/16");
	if (detect_new(cf, on_event, NULL, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	detect_set_intel(d, set);
	total = n * windows;

	/* pass 1: generation alone */
	t = cpu_ns();
	for (uint64_t done = 0; done < total;) {
		size_t k = total - done < BATCH ? (size_t)(total - done) : BATCH;

		for (size_t i = 0; i < k; i++) {
			g.t0 = T0 + (int64_t)(g.i / n) * 30 * 60 * 1000;
			make(&g, &buf[i]);
		}
		done += k;
	}
	t_gen = cpu_ns() - t;

	/* pass 2: generation + detection (the same flows: same seed) */
	g.r.s = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < nlist; i++)
		rnd(&g.r);
	g.i = 0;
	t = cpu_ns();
	for (uint64_t done = 0; done < total;) {
		size_t k = total - done < BATCH ? (size_t)(total - done) : BATCH;

		for (size_t i = 0; i < k; i++) {
			g.t0 = T0 + (int64_t)(g.i / n) * 30 * 60 * 1000;
			make(&g, &buf[i]);
		}
		detect_feed(d, buf, k);
		done += k;
	}
	detect_flush(d);
	t_all = cpu_ns() - t;
	detect_get_stats(d, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("flows %llu windows %u distinct/window %u list %zu sampling %u\n",
	       (unsigned long long)total, windows, distinct, intel_count(set), sampling);
	printf("cpu: generate %.2f s, generate+detect %.2f s, detect %.2f s\n", (double)t_gen / 1e9,
	       (double)t_all / 1e9, (double)(t_all - t_gen) / 1e9);
	printf("detect_rate %.2f M flows/s\n", (double)total / ((double)(t_all - t_gen) / 1e9) / 1e6);
	printf("events_digest %016llx\n", (unsigned long long)digest);
	printf("events %ld list_hits %llu overflow %llu tables %.0f MiB max_rss %.0f MiB\n", events,
	       (unsigned long long)st.list_hits, (unsigned long long)st.overflow,
	       (double)st.memory / 1048576.0, (double)ru.ru_maxrss / 1024.0);
	detect_free(d);
	intel_set_free(set);
	conf_free(cf);
	free(g.list4);
	free(buf);
	return 0;
}
