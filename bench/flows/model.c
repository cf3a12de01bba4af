/*
 * model.c - the synthetic traffic model (see model.h). Everything comes from
 * one xoshiro256** generator seeded with splitmix64, so a seed gives the same
 * flows on every machine. Heavy tails: a log-uniform rank r = N^u picks
 * popular hosts far more often than rare ones (Zipf with s = 1); a bijective
 * hash spreads ranks over the address space.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INSIDE_V4 0xc6120000u      /* 198.18.0.0/16 */
#define RARE_V4 0xcb00714du        /* 203.0.113.77 */
#define RARE_FROM_MS (20 * 60000)  /* rare host talks 20..23 min into the span */
#define RARE_TO_MS (23 * 60000)

struct model {
	struct model_opts o;
	uint64_t s[4];
	uint64_t made;
	uint32_t scanner_in[8], scanner_out[3], busy[12], p2p[200];
	uint16_t scan_port_in[8], scan_port_out[3];
	uint32_t scan_next_out[3];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct model *m)
{
	uint64_t *s = m->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, 1). */
static double unif(struct model *m)
{
	return (double)(rnd(m) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t below(struct model *m, uint32_t n)
{
	return (uint32_t)(((rnd(m) >> 32) * (uint64_t)n) >> 32);
}

/* Log-uniform rank in [0, n): P(k) ~ 1/(k+1). */
static uint32_t zipf(struct model *m, uint32_t n)
{
	uint32_t r = (uint32_t)pow((double)n, unif(m));

	return r ? r - 1 : 0;
}

/* Pareto with minimum xm and shape a, capped. */
static double pareto(struct model *m, double xm, double a, double cap)
{
	double v = xm / pow(1.0 - unif(m), 1.0 / a);

	return v < cap ? v : cap;
}

/* A 32-bit bijection, so ranks land all over the address space. */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static int plausible_outside(uint32_t a)
{
	uint8_t o = (uint8_t)(a >> 24);

	if (o == 0 || o == 10 || o == 127 || o >= 224)
		return 0;
	if ((a & 0xfffe0000u) == 0xc6120000u) /* 198.18.0.0/15 */
		return 0;
	return 1;
}

/* Outside host by popularity rank (stable across the run). */
static uint32_t outside_ranked(uint32_t rank, uint32_t salt)
{
	uint32_t a = mix32(rank * 2654435761u + salt);

	while (!plausible_outside(a))
		a = mix32(a + 1);
	return a;
}

/* Outside host drawn fresh (mostly never seen before). */
static uint32_t outside_random(struct model *m)
{
	uint32_t a;

	do
		a = (uint32_t)(rnd(m) >> 32);
	while (!plausible_outside(a));
	return a;
}

static uint32_t inside_ranked(uint32_t rank)
{
	/* spread ranks over the /16, skipping .0 and .255 of each /24 */
	uint32_t h = (mix32(rank) & 0xffff);

	if ((h & 0xff) == 0 || (h & 0xff) == 255)
		h ^= 0x7f;
	return INSIDE_V4 | h;
}

struct svc {
	uint16_t port;
	uint8_t proto;
	uint16_t weight; /* per mille */
};

/* A campus border's outbound service mix; what is left is high ports. */
static const struct svc services[] = {
	{ 443, 6, 400 }, { 80, 6, 170 }, { 53, 17, 120 }, { 443, 17, 60 }, { 123, 17, 20 },
	{ 22, 6, 20 }, { 993, 6, 15 }, { 25, 6, 10 }, { 587, 6, 8 }, { 445, 6, 6 },
	{ 3389, 6, 5 }, { 8080, 6, 10 }, { 5228, 6, 8 }, { 1194, 17, 5 }, { 3478, 17, 8 },
	{ 143, 6, 3 }, { 110, 6, 2 }, { 21, 6, 2 }, { 23, 6, 1 }, { 161, 17, 2 },
};

static void pick_service(struct model *m, uint16_t *port, uint8_t *proto)
{
	uint32_t r = below(m, 1000), acc = 0;

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		acc += services[i].weight;
		if (r < acc) {
			*port = services[i].port;
			*proto = services[i].proto;
			return;
		}
	}
	*port = (uint16_t)(1024 + below(m, 64512));
	*proto = below(m, 3) ? 6 : 17;
}

static uint16_t ephemeral(struct model *m)
{
	return (uint16_t)(32768 + below(m, 28232));
}

struct model *model_new(const struct model_opts *o)
{
	struct model *m = calloc(1, sizeof(*m));
	uint64_t x;

	if (!m)
		return NULL;
	m->o = *o;
	x = o->seed;
	for (int i = 0; i < 4; i++)
		m->s[i] = splitmix(&x);
	for (int i = 0; i < 8; i++) {
		static const uint16_t ports[] = { 22, 23, 445, 3389, 22, 1433, 5900, 8080 };
		m->scanner_in[i] = outside_ranked(5000000u + (uint32_t)i, 0x5ca7);
		m->scan_port_in[i] = ports[i];
	}
	for (int i = 0; i < 3; i++) {
		static const uint16_t ports[] = { 445, 22, 23 };
		m->scanner_out[i] = inside_ranked(60000u + (uint32_t)i);
		m->scan_port_out[i] = ports[i];
		m->scan_next_out[i] = outside_random(m);
	}
	for (int i = 0; i < 12; i++)
		m->busy[i] = inside_ranked(50000u + (uint32_t)i);
	for (int i = 0; i < 200; i++)
		m->p2p[i] = inside_ranked(40000u + (uint32_t)i);
	return m;
}

void model_free(struct model *m)
{
	free(m);
}

const char *model_rare_host(void)
{
	return "203.0.113.77";
}

static void set_v4(struct vaddr *a, uint32_t v)
{
	addr_from_v4(a, v);
}

/* Turn an IPv4 pair into IPv6 (2001:db8:1::/48 inside, 2001:db8:X::/48 outside). */
static void to_v6(struct vaddr *a, int inside)
{
	uint32_t v = addr_v4(a);
	uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	if (inside) {
		b[5] = 1;
		b[6] = (uint8_t)(v >> 8);
		b[15] = (uint8_t)v;
		b[14] = 1;
	} else {
		b[4] = (uint8_t)(v >> 24);
		b[5] = (uint8_t)(v >> 16);
		b[6] = (uint8_t)(v >> 8);
		b[15] = (uint8_t)v;
	}
	addr_from_v6(a, b);
}

/* Fill packets, bytes, duration for a flow of a typical exchange. */
static void size_flow(struct model *m, struct genflow *f, int bulk, int64_t end_ms)
{
	double pk = pareto(m, 1.0, bulk ? 1.1 : 1.6, 2e6);
	uint32_t avg = bulk ? 600 + below(m, 900) : 52 + below(m, 200);
	int64_t dur = pk <= 1.5 ? 0 : (int64_t)pareto(m, 20.0, 0.9, 300000.0);

	f->packets = (uint32_t)pk;
	f->bytes = f->packets * avg;
	f->last_ms = end_ms;
	f->first_ms = end_ms - dur;
}

static void pair(struct genflow out[2])
{
	struct genflow *r = &out[1];

	*r = out[0];
	r->src = out[0].dst;
	r->dst = out[0].src;
	r->sport = out[0].dport;
	r->dport = out[0].sport;
	r->in_if = out[0].out_if;
	r->out_if = out[0].in_if;
	r->src_mask = out[0].dst_mask;
	r->dst_mask = out[0].src_mask;
	r->direction = 0;
}

int model_next(struct model *m, struct genflow out[2], int64_t *now_ms)
{
	struct genflow *f = &out[0];
	int64_t rel, now;
	uint32_t k;
	int n = 2, inside_src = 1, bulk = 0;

	if (m->made >= m->o.flows)
		return 0;
	rel = (int64_t)((double)m->made / (double)m->o.flows * (double)m->o.span_ms);
	now = m->o.start_ms + rel;
	*now_ms = now;
	memset(f, 0, sizeof(*f));
	f->tos = 0;
	f->out_if = 2;
	f->in_if = 1;
	f->src_mask = 24;
	f->dst_mask = 16;
	f->direction = 1;
	k = below(m, 1000);
	if (k < 400) {
		/* Outbound client to a popular server or one of the long tail. */
		set_v4(&f->src, inside_ranked(zipf(m, 65000)));
		set_v4(&f->dst, below(m, 10) < 3 ? outside_ranked(zipf(m, 300000), 1) : outside_random(m));
		pick_service(m, &f->dport, &f->proto);
		f->sport = ephemeral(m);
		if (f->proto == 6)
			f->tcp_flags = 0x1b;
		bulk = below(m, 4) == 0;
		if (rel >= RARE_FROM_MS && rel < RARE_TO_MS && below(m, 3000) == 0) {
			set_v4(&f->dst, RARE_V4);
			f->dport = 443;
			f->proto = 6;
		}
	} else if (k < 620) {
		/* Inbound to the constituency's busy servers (web, mail, DNS). */
		uint32_t b = zipf(m, 12);
		static const uint16_t bp[] = { 443, 80, 25, 53, 443, 993, 443, 22, 80, 443, 53, 123 };
		inside_src = 0;
		set_v4(&f->src, outside_ranked(zipf(m, 10000000), 2));
		set_v4(&f->dst, m->busy[b]);
		f->dport = bp[b];
		f->proto = (bp[b] == 53 || bp[b] == 123) ? 17 : 6;
		f->sport = ephemeral(m);
		f->tcp_flags = f->proto == 6 ? 0x1b : 0;
		f->in_if = 2;
		f->out_if = 1;
		f->direction = 0;
		f->src_mask = 16;
		f->dst_mask = 24;
	} else if (k < 720) {
		/* P2P: a few inside hosts with many random peers, high ports. */
		set_v4(&f->src, m->p2p[zipf(m, 200)]);
		set_v4(&f->dst, outside_random(m));
		f->proto = below(m, 2) ? 17 : 6;
		f->sport = (uint16_t)(10000 + below(m, 50000));
		f->dport = (uint16_t)(1024 + below(m, 64000));
		f->tcp_flags = f->proto == 6 ? 0x1a : 0;
		bulk = below(m, 3) == 0;
	} else if (k < 790) {
		/* Infected inside hosts sweeping the outside: single SYNs, no answer. */
		uint32_t s = below(m, 3);
		set_v4(&f->src, m->scanner_out[s]);
		m->scan_next_out[s] = below(m, 4) ? m->scan_next_out[s] + 1 + below(m, 3) :
						    outside_random(m);
		set_v4(&f->dst, m->scan_next_out[s]);
		f->proto = 6;
		f->tcp_flags = 0x02;
		f->sport = ephemeral(m);
		f->dport = m->scan_port_out[s];
		n = 1;
	} else if (k < 860) {
		/* Outside scanners sweeping the constituency; 1 in 20 answered. */
		uint32_t s = zipf(m, 8);
		inside_src = 0;
		set_v4(&f->src, m->scanner_in[s]);
		set_v4(&f->dst, INSIDE_V4 | below(m, 65536));
		f->proto = 6;
		f->tcp_flags = 0x02;
		f->sport = ephemeral(m);
		f->dport = m->scan_port_in[s];
		f->in_if = 2;
		f->out_if = 1;
		f->direction = 0;
		n = below(m, 20) == 0 ? 2 : 1;
	} else {
		/* Everything else: DNS/NTP to random resolvers, ICMP, odd ports. */
		set_v4(&f->src, inside_ranked(zipf(m, 65000)));
		set_v4(&f->dst, outside_random(m));
		if (k < 930) {
			f->proto = 17;
			f->dport = below(m, 3) ? 53 : 123;
			f->sport = ephemeral(m);
		} else if (k < 970) {
			f->proto = 1;
			f->dport = below(m, 2) ? 0x0800 : 0x0303; /* echo request, port unreach */
		} else {
			f->proto = 6;
			f->dport = (uint16_t)(1 + below(m, 1023));
			f->sport = ephemeral(m);
			f->tcp_flags = 0x16;
		}
		n = below(m, 2) ? 2 : 1;
	}
	size_flow(m, f, bulk, now - (int64_t)below(m, 1000));
	if (f->tcp_flags == 0x02)
		f->packets = 1 + (below(m, 8) == 0), f->bytes = 60 * f->packets, f->first_ms = f->last_ms;
	if (m->made + 1 >= m->o.flows)
		n = 1;
	if (below(m, 1000) < m->o.v6_permille && addr_v4(&f->dst) != RARE_V4) {
		to_v6(&f->src, inside_src);
		to_v6(&f->dst, !inside_src);
		f->src_mask = 64;
		f->dst_mask = 48;
		if (f->proto == 1)
			f->proto = 58;
	}
	if (n == 2) {
		pair(out);
		/* The answer is usually the larger side. */
		if (out[1].proto != 1 && out[1].proto != 58)
			size_flow(m, &out[1], bulk || below(m, 3) == 0, f->last_ms);
	}
	m->made += (uint64_t)n;
	return n;
}
