/*
 * gen.h - a synthetic PAT gateway for the NAT benchmarks: sessions arrive
 * at a Poisson rate, each takes a random free port of one of the gateway's
 * outside addresses for an exponentially distributed time (a few long ones,
 * a few never torn down); the defaults of the
 * tools keep every address's ports less than two thirds used, and the builds and teardowns come out in time
 * order, as the gateway would log them. Deterministic for a seed.
 */
#ifndef VIGIL_BENCH_NAT_GEN_H
#define VIGIL_BENCH_NAT_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nat/nat.h"

#define GEN_PORT_LO 1024
#define GEN_PORTS (65536 - GEN_PORT_LO)

struct gen_sess {
	int64_t end_s;
	uint32_t inside;   /* host-order IPv4 */
	uint16_t iport, port;
	uint8_t gw, proto;
	int64_t start_s;
};

struct gen {
	uint64_t rng;
	double rate;          /* sessions a second */
	double t;             /* time of the next build, seconds */
	unsigned ngw;
	uint32_t gw_base;     /* first outside address */
	uint8_t *used;        /* ngw * GEN_PORTS */
	struct gen_sess *heap; /* pending teardowns, by end */
	size_t nheap, capheap;
	struct gen_sess next_open;
	uint64_t sessions, opens, closes, lines;
};

static inline uint64_t gen_rand(struct gen *g)
{
	uint64_t x = g->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline double gen_unit(struct gen *g)
{
	return ((double)(gen_rand(g) >> 11) + 0.5) / 9007199254740992.0;
}

static inline void heap_push(struct gen *g, const struct gen_sess *s)
{
	if (g->nheap == g->capheap) {
		g->capheap = g->capheap ? 2 * g->capheap : 1024;
		g->heap = realloc(g->heap, g->capheap * sizeof(*g->heap));
		if (!g->heap)
			abort();
	}
	size_t i = g->nheap++;
	while (i && g->heap[(i - 1) / 2].end_s > s->end_s) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = *s;
}

static inline struct gen_sess heap_pop(struct gen *g)
{
	struct gen_sess top = g->heap[0], last = g->heap[--g->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= g->nheap)
			break;
		if (c + 1 < g->nheap && g->heap[c + 1].end_s < g->heap[c].end_s)
			c++;
		if (g->heap[c].end_s >= last.end_s)
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->nheap)
		g->heap[i] = last;
	return top;
}

static inline void gen_draw(struct gen *g)
{
	struct gen_sess *s = &g->next_open;
	s->start_s = (int64_t)g->t;
	s->gw = (uint8_t)(gen_rand(g) % g->ngw);
	uint8_t *used = g->used + (size_t)s->gw * GEN_PORTS;
	unsigned p = (unsigned)(gen_rand(g) % GEN_PORTS);
	for (unsigned k = 0; k < GEN_PORTS && used[p]; k++)
		p = (p + 1) % GEN_PORTS;
	s->port = (uint16_t)(GEN_PORT_LO + p);
	s->inside = (172u << 24) | (16u << 16) | (uint32_t)(gen_rand(g) % 65534 + 1); /* 172.16/16 */
	s->iport = (uint16_t)(32768 + gen_rand(g) % 28000);
	s->proto = gen_rand(g) % 10 < 7 ? 6 : 17;
	double u = gen_unit(g);
	if (u < 0.0005)
		s->end_s = -1; /* never torn down */
	else if (u < 0.0035) /* a few long ones: 5 min to 2 h */
		s->end_s = s->start_s + 300 + (int64_t)(gen_unit(g) * 105 * 60);
	else
		s->end_s = s->start_s + (int64_t)(-log(gen_unit(g)) * 30.0);
}

static inline void gen_init(struct gen *g, uint64_t seed, double rate, int64_t start_s, unsigned ngw)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	g->rate = rate;
	g->t = (double)start_s;
	g->ngw = ngw;
	g->gw_base = (10u << 24) | (10u << 16) | (9u << 8) | 1; /* 10.10.9.1 */
	g->used = calloc((size_t)ngw * GEN_PORTS, 1);
	if (!g->used)
		abort();
	gen_draw(g);
}

static inline void gen_free(struct gen *g)
{
	free(g->used);
	free(g->heap);
}

/* The next event in time order: returns 1 for a build, 0 for a teardown;
 * *s is the session. */
static inline int gen_next(struct gen *g, struct gen_sess *s)
{
	if (g->nheap && g->heap[0].end_s < (int64_t)g->t) {
		*s = heap_pop(g);
		g->used[(size_t)s->gw * GEN_PORTS + (s->port - GEN_PORT_LO)] = 0;
		g->closes++;
		return 0;
	}
	*s = g->next_open;
	g->used[(size_t)s->gw * GEN_PORTS + (s->port - GEN_PORT_LO)] = 1;
	if (s->end_s >= 0)
		heap_push(g, s);
	g->sessions++;
	g->opens++;
	g->t += -log(gen_unit(g)) / g->rate;
	gen_draw(g);
	return 1;
}

static inline void gen_rec(const struct gen *g, const struct gen_sess *s, int open, struct nat_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->ev = open ? NAT_OPEN : NAT_CLOSE;
	r->proto = s->proto;
	addr_from_v4(&r->outside, g->gw_base + s->gw);
	r->outside_port = s->port;
	addr_from_v4(&r->inside, s->inside);
	r->inside_port = s->iport;
	r->start_ms = s->start_s * 1000;
	r->end_ms = open ? 0 : s->end_s * 1000;
}

#endif
