/*
 * lookup.c - who held a gateway's outside address and port at a moment.
 *
 * The candidates are the mappings of (outside, port[, proto]) in the hourly
 * runs around the time (the hour before, for mappings that started then,
 * to the hour the skew reaches) and in the long runs that can reach it,
 * plus one-to-one address mappings (port 0). An open mapping (no close
 * seen) ends at its close found in a later file, at the next mapping of the
 * same port, or at the cap, whichever comes first. Copies of one mapping
 * (re-ingested logs, an open written before its close) are merged.
 *
 * Each candidate's distance from the time is 0 when its interval covers it,
 * else how far its nearer end is; those within the skew are the answer,
 * nearest first. Exactly one, covering the time: confidence high. Anything
 * else (two inside the tolerance, one reached only through the skew): low.
 */
#include "nat/nat_int.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct cand {
	struct nat_map m;
	char src[NAT_SRC_MAX];
	int64_t end;      /* effective end */
	bool bounded;     /* an open one whose end was found (close or next mapping) */
	bool dead;        /* merged into another or used to close an open */
};

struct cset {
	struct cand *c;
	size_t n, cap;
	int err;
	int64_t lo, cap_ms; /* the window's start and the open cap, to skip whole runs */
};

static int take(void *ctx, const struct nat_map *m, const char *src)
{
	struct cset *s = ctx;

	if (s->n == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 64;
		if (c > 1u << 20) {
			s->err = VIGIL_ELIMIT;
			return 1;
		}
		struct cand *nc = realloc(s->c, c * sizeof(*nc));
		if (!nc) {
			s->err = VIGIL_ENOMEM;
			return 1;
		}
		s->c = nc;
		s->cap = c;
	}
	struct cand *c = &s->c[s->n++];
	memset(c, 0, sizeof(*c));
	c->m = *m;
	size_t l = strlen(src);
	if (l >= sizeof(c->src))
		l = sizeof(c->src) - 1;
	memcpy(c->src, src, l);
	c->src[l] = 0;
	return 0;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;
	if (t % unit < 0)
		q--;
	return q * unit;
}

/* Every map of the key in parts of kind with t0 in [lo, hi]. */
static void scan_range(struct nat_index *x, char kind, int64_t lo, int64_t hi,
		       const struct vaddr *outside, uint16_t port, uint8_t proto, struct cset *s)
{
	for (size_t i = nat_part_lower(x, kind, lo);
	     i < x->nparts && x->parts[i].kind == kind && x->parts[i].t0 <= hi && !s->err; i++) {
		struct nat_run *r = nat_part_run(x, &x->parts[i]);
		if (!r)
			continue;
		/* nothing in it can reach the window: every closed mapping ended
		 * by max_end, every open one started by then and lasts at most cap.
		 * (Runs after the window are read: a teardown or the next mapping
		 * there says when an open one ended.) */
		int64_t max_end;
		nat_run_info(r, NULL, NULL, &max_end, NULL);
		if (max_end + s->cap_ms < s->lo)
			continue;
		int rc = nat_run_find(r, outside, port, proto, take, s);
		if (rc < 0) { /* a damaged block: the rest of the index still answers */
			x->parts[i].bad = true;
			x->bad_runs++;
		}
	}
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->m.start_ms != y->m.start_ms)
		return x->m.start_ms < y->m.start_ms ? -1 : 1;
	/* closed before open, so a copy written open merges into the closed one */
	if (!x->m.end_ms != !y->m.end_ms)
		return x->m.end_ms ? -1 : 1;
	return x->m.end_ms < y->m.end_ms ? -1 : x->m.end_ms > y->m.end_ms;
}

static bool same_host(const struct nat_map *a, const struct nat_map *b)
{
	return addr_eq(&a->inside, &b->inside) && a->inside_port == b->inside_port &&
	       a->proto == b->proto && a->port == b->port;
}

/* Merge copies, pair opens with later closes, bound opens by the next mapping. */
static void settle(struct cset *s, int64_t max_open)
{
	if (s->n)
		qsort(s->c, s->n, sizeof(*s->c), cmp_cand);
	for (size_t i = 0; i < s->n; i++) {
		struct cand *c = &s->c[i];
		if (c->dead)
			continue;
		/* The same host on the same port in overlapping intervals is one
		 * mapping seen twice: a log ingested again, an open written before
		 * its close, an ASA connection (302013) inside its translation
		 * (305011). Keep the earliest line (the build) and the union. */
		for (size_t j = i + 1; j < s->n; j++) {
			struct cand *d = &s->c[j];
			if (c->m.end_ms ? d->m.start_ms > c->m.end_ms : d->m.start_ms != c->m.start_ms)
				break;
			if (d->dead || !same_host(&c->m, &d->m) || (d->m.flags & NAT_MAP_NOSTART))
				continue;
			if (!c->m.end_ms && d->m.end_ms) /* cannot happen: closed sorts first */
				continue;
			if (d->m.end_ms > c->m.end_ms && c->m.end_ms)
				c->m.end_ms = d->m.end_ms;
			d->dead = true;
		}
		c->end = c->m.end_ms;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct cand *c = &s->c[i];
		if (c->dead || c->m.end_ms || (c->m.flags & NAT_MAP_NOSTART))
			continue;
		int64_t end = c->m.start_ms + max_open;
		for (size_t j = 0; j < s->n; j++) {
			struct cand *d = &s->c[j];
			if (d == c || d->m.start_ms < c->m.start_ms || d->m.port != c->m.port)
				continue;
			if ((d->m.flags & NAT_MAP_NOSTART) && same_host(&c->m, &d->m) && !d->dead) {
				if (d->m.end_ms <= end) { /* its teardown, logged in a later file */
					end = d->m.end_ms;
					c->bounded = true;
				}
				continue;
			}
			if (!d->dead && (d->m.start_ms > c->m.start_ms || !same_host(&c->m, &d->m)) &&
			    d->m.start_ms <= end) {
				end = d->m.start_ms; /* the port was handed out again */
				c->bounded = true;
			}
		}
		c->end = end;
	}
	/* a teardown that closed an open is that mapping, not one more */
	for (size_t i = 0; i < s->n; i++) {
		struct cand *d = &s->c[i];
		if (d->dead || !(d->m.flags & NAT_MAP_NOSTART))
			continue;
		d->end = d->m.end_ms;
		for (size_t j = 0; j < s->n; j++) {
			struct cand *c = &s->c[j];
			if (!c->dead && !c->m.end_ms && c->bounded && c->end == d->m.end_ms &&
			    same_host(&c->m, &d->m)) {
				d->dead = true;
				break;
			}
		}
	}
}

static int64_t dist(const struct cand *c, int64_t t)
{
	if (t < c->m.start_ms)
		return c->m.start_ms - t;
	if (t > c->end)
		return t - c->end;
	return 0;
}

struct ranked {
	struct cand *c;
	int64_t d;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->c->m.start_ms < y->c->m.start_ms ? 1 : x->c->m.start_ms > y->c->m.start_ms ? -1 : 0;
}

int nat_lookup(struct nat_index *x, const struct vaddr *outside, uint16_t port, int64_t t,
	       const struct nat_lookup_opts *o, struct nat_answer *ans, size_t max)
{
	int64_t skew = o && o->skew_ms >= 0 ? o->skew_ms : NAT_DEFAULT_SKEW_MS;
	int64_t cap = o && o->max_open_ms > 0 ? o->max_open_ms : NAT_DEFAULT_MAX_OPEN_MS;
	uint8_t proto = o ? o->proto : 0;
	int64_t lo = t - skew, hi = t + skew;
	struct cset s = { .lo = lo, .cap_ms = cap };

	for (int pass = 0; pass < (port ? 2 : 1); pass++) {
		uint16_t p = pass ? 0 : port; /* then one-to-one mappings of the address */
		size_t before = s.n;
		scan_range(x, 'h', floor_to(lo, NAT_HOUR_MS) - NAT_HOUR_MS, floor_to(hi, NAT_HOUR_MS),
			   outside, p, proto, &s);
		/* long runs are by start day: an open one started at most cap before */
		scan_range(x, 'l', floor_to(lo - cap, NAT_DAY_MS), floor_to(hi, NAT_DAY_MS),
			   outside, p, proto, &s);
		/* an open mapping from before the window: the port may have been
		 * handed out again since, in hours the window did not read */
		int64_t earliest = INT64_MAX;
		for (size_t i = before; i < s.n; i++)
			if (!s.c[i].m.end_ms && s.c[i].m.start_ms < earliest && s.c[i].m.start_ms + cap >= lo)
				earliest = s.c[i].m.start_ms; /* only opens that can still reach t */
		if (earliest < floor_to(lo, NAT_HOUR_MS) - NAT_HOUR_MS)
			scan_range(x, 'h', floor_to(earliest, NAT_HOUR_MS),
				   floor_to(lo, NAT_HOUR_MS) - 2 * NAT_HOUR_MS, outside, p, proto, &s);
	}
	if (s.err) {
		free(s.c);
		return s.err;
	}
	settle(&s, cap);

	struct ranked *rk = malloc((s.n ? s.n : 1) * sizeof(*rk));
	size_t nr = 0;
	if (!rk) {
		free(s.c);
		return VIGIL_ENOMEM;
	}
	for (size_t i = 0; i < s.n; i++) {
		if (s.c[i].dead)
			continue;
		int64_t d = dist(&s.c[i], t);
		if (d <= skew)
			rk[nr++] = (struct ranked){ &s.c[i], d };
	}
	if (nr)
		qsort(rk, nr, sizeof(*rk), cmp_ranked);
	uint8_t conf = nr == 1 && rk[0].d == 0 ? NAT_CONF_HIGH : NAT_CONF_LOW;
	for (size_t i = 0; i < nr && i < max; i++) {
		const struct cand *c = rk[i].c;
		struct nat_answer *a = &ans[i];
		memset(a, 0, sizeof(*a));
		a->inside = c->m.inside;
		a->inside_port = c->m.port ? c->m.inside_port : port;
		a->proto = c->m.proto;
		a->start_ms = c->m.start_ms;
		a->open_ended = !c->m.end_ms;
		a->end_ms = c->m.end_ms ? c->m.end_ms : c->bounded ? c->end : 0;
		a->confidence = conf;
		memcpy(a->source, c->src, sizeof(a->source));
		a->line = c->m.line;
	}
	free(rk);
	free(s.c);
	return (int)nr;
}
