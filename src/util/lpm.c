/*
 * lpm.c - longest-prefix match by flattening nested ranges into sorted
 * disjoint intervals (see lpm.h).
 *
 * Entries are kept as ranges [lo, hi]. lpm_build() sorts them by lo ascending
 * and size descending, then sweeps with a stack of open ranges: at every
 * point the innermost open range wins, which for nested ranges (prefixes
 * always nest) is the longest prefix. The result is a list of interval starts
 * with their values (LPM_NONE for gaps); a lookup finds the last start <= the
 * address. IPv4 and IPv6 are kept apart so IPv4 works on 32-bit keys, with a
 * 65536-entry index on the top 16 bits narrowing each binary search (up to
 * 2^24 entries on the top 24 bits for sets of millions, such as whois's
 * inetnums, so a bucket stays a cache line or two).
 */
#include "util/lpm.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct u128 {
	uint64_t hi, lo;
};

struct range4 {
	uint32_t lo, hi, value, seq;
};

struct range6 {
	struct u128 lo, hi;
	uint32_t value, seq;
};

struct lpm {
	struct range4 *r4;
	size_t n4, cap4;
	struct range6 *r6;
	size_t n6, cap6;
	uint32_t seq;
	/* built form */
	uint32_t *start4, *val4; /* as swept; replaced by seg4 once built */
	struct seg4 {
		uint32_t start, val; /* side by side: the search ends on the value's line */
	} *seg4;
	size_t nseg4;
	uint32_t *index4; /* 2^ibits4 + 1 entries: first segment whose start >= k << (32 - ibits4) */
	unsigned ibits4;  /* 16, more for large sets so a bucket holds a few segments */
	struct u128 *start6;
	uint32_t *val6;
	size_t nseg6;
	int built;
};

static struct u128 u128_from(const struct vaddr *a)
{
	struct u128 v = { 0, 0 };

	for (int i = 0; i < 8; i++)
		v.hi = v.hi << 8 | a->b[i];
	for (int i = 8; i < 16; i++)
		v.lo = v.lo << 8 | a->b[i];
	return v;
}

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct u128 u128_inc(struct u128 a)
{
	a.lo++;
	if (a.lo == 0)
		a.hi++;
	return a;
}

static struct u128 u128_dec(struct u128 a)
{
	if (a.lo == 0)
		a.hi--;
	a.lo--;
	return a;
}

/* size = hi - lo, compared for "more specific" */
static struct u128 u128_sub(struct u128 a, struct u128 b)
{
	struct u128 r = { a.hi - b.hi, a.lo - b.lo };

	if (a.lo < b.lo)
		r.hi--;
	return r;
}

struct lpm *lpm_new(void) { return calloc(1, sizeof(struct lpm)); }

static void drop_built(struct lpm *t)
{
	free(t->start4);
	free(t->val4);
	free(t->seg4);
	t->seg4 = NULL;
	free(t->index4);
	free(t->start6);
	free(t->val6);
	t->start4 = t->val4 = t->index4 = t->val6 = NULL;
	t->start6 = NULL;
	t->nseg4 = t->nseg6 = 0;
	t->built = 0;
}

void lpm_free(struct lpm *t)
{
	if (!t)
		return;
	drop_built(t);
	free(t->r4);
	free(t->r6);
	free(t);
}

static int add4(struct lpm *t, uint32_t lo, uint32_t hi, uint32_t value)
{
	if (t->n4 == t->cap4) {
		size_t nc = t->cap4 ? t->cap4 * 2 : 256;
		struct range4 *p = realloc(t->r4, nc * sizeof(*p));
		if (!p)
			return VIGIL_ENOMEM;
		t->r4 = p;
		t->cap4 = nc;
	}
	t->r4[t->n4++] = (struct range4){ lo, hi, value, t->seq++ };
	t->built = 0;
	return 0;
}

static int add6(struct lpm *t, struct u128 lo, struct u128 hi, uint32_t value)
{
	if (t->n6 == t->cap6) {
		size_t nc = t->cap6 ? t->cap6 * 2 : 64;
		struct range6 *p = realloc(t->r6, nc * sizeof(*p));
		if (!p)
			return VIGIL_ENOMEM;
		t->r6 = p;
		t->cap6 = nc;
	}
	t->r6[t->n6++] = (struct range6){ lo, hi, value, t->seq++ };
	t->built = 0;
	return 0;
}

int lpm_add_range(struct lpm *t, const struct vaddr *lo, const struct vaddr *hi, uint32_t value)
{
	if (addr_is_v4(lo) != addr_is_v4(hi) || addr_cmp(lo, hi) > 0)
		return VIGIL_EINVAL;
	if (addr_is_v4(lo))
		return add4(t, addr_v4(lo), addr_v4(hi), value);
	return add6(t, u128_from(lo), u128_from(hi), value);
}

int lpm_add(struct lpm *t, const struct vprefix *p, uint32_t value)
{
	struct vaddr lo, hi;

	prefix_range(p, &lo, &hi);
	if (p->len < 96 && addr_is_v4(&lo) != addr_is_v4(&hi)) {
		/* A short IPv6 prefix that covers ::ffff:0:0/96: keep both parts. */
		struct vaddr v4lo, v4hi;
		addr_from_v4(&v4lo, 0);
		addr_from_v4(&v4hi, UINT32_MAX);
		int rc = add4(t, 0, UINT32_MAX, value);
		(void)v4lo;
		(void)v4hi;
		if (rc)
			return rc;
		return add6(t, u128_from(&lo), u128_from(&hi), value);
	}
	return lpm_add_range(t, &lo, &hi, value);
}

static int cmp4(const void *a, const void *b)
{
	const struct range4 *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	uint32_t sx = x->hi - x->lo, sy = y->hi - y->lo;
	if (sx != sy)
		return sx > sy ? -1 : 1; /* larger first: it encloses */
	return x->seq < y->seq ? -1 : 1;
}

static int cmp6(const void *a, const void *b)
{
	const struct range6 *x = a, *y = b;
	int c = u128_cmp(x->lo, y->lo);

	if (c)
		return c;
	c = u128_cmp(u128_sub(x->hi, x->lo), u128_sub(y->hi, y->lo));
	if (c)
		return -c;
	return x->seq < y->seq ? -1 : 1;
}

/* Output segments; consecutive segments with the same value are merged. */
struct seg4out {
	uint32_t *start, *val;
	size_t n;
};

static void emit4(struct seg4out *o, uint32_t start, uint32_t val)
{
	if (o->n && o->val[o->n - 1] == val)
		return;
	if (o->n && o->start[o->n - 1] == start) {
		o->val[o->n - 1] = val;
		if (o->n > 1 && o->val[o->n - 2] == val)
			o->n--;
		return;
	}
	o->start[o->n] = start;
	o->val[o->n] = val;
	o->n++;
}

static int build4(struct lpm *t)
{
	struct seg4out o;
	struct range4 *stack = NULL;
	size_t sp = 0;
	uint64_t pos = 0; /* next address not yet covered by output, up to 2^32 */

	if (t->n4)
		qsort(t->r4, t->n4, sizeof(*t->r4), cmp4);
	o.start = malloc((2 * t->n4 + 2) * sizeof(uint32_t));
	o.val = malloc((2 * t->n4 + 2) * sizeof(uint32_t));
	stack = malloc((t->n4 + 1) * sizeof(*stack));
	if (!o.start || !o.val || !stack) {
		free(o.start);
		free(o.val);
		free(stack);
		return VIGIL_ENOMEM;
	}
	o.n = 0;
	emit4(&o, 0, LPM_NONE);
	for (size_t i = 0; i <= t->n4; i++) {
		const struct range4 *r = i < t->n4 ? &t->r4[i] : NULL;
		/* close ranges that end before r starts */
		while (sp && (!r || stack[sp - 1].hi < r->lo)) {
			struct range4 top = stack[--sp];
			if (pos <= top.hi)
				pos = (uint64_t)top.hi + 1;
			if (pos <= UINT32_MAX)
				emit4(&o, (uint32_t)pos, sp ? stack[sp - 1].value : LPM_NONE);
			/* an enclosing range that ended too is popped next round */
		}
		if (!r)
			break;
		emit4(&o, r->lo, r->value);
		if (pos < r->lo)
			pos = r->lo;
		stack[sp++] = *r;
	}
	free(stack);
	t->start4 = o.start;
	t->val4 = o.val;
	t->nseg4 = o.n;
	/* about one bucket per two segments, between 2^16 and 2^24 buckets */
	t->ibits4 = 16;
	while (t->ibits4 < 24 && ((size_t)1 << t->ibits4) < o.n / 2)
		t->ibits4++;
	size_t nb = (size_t)1 << t->ibits4;
	t->index4 = malloc((nb + 1) * sizeof(uint32_t));
	if (!t->index4)
		return VIGIL_ENOMEM;
	size_t s = 0;
	for (uint64_t k = 0; k <= nb; k++) {
		uint64_t base = k << (32 - t->ibits4);
		while (s < o.n && o.start[s] < base)
			s++;
		t->index4[k] = (uint32_t)s;
	}
	t->seg4 = malloc((o.n ? o.n : 1) * sizeof(*t->seg4));
	if (!t->seg4)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < o.n; i++)
		t->seg4[i] = (struct seg4){ o.start[i], o.val[i] };
	free(t->start4);
	free(t->val4);
	t->start4 = t->val4 = NULL;
	return 0;
}

static int build6(struct lpm *t)
{
	struct range6 *stack;
	size_t sp = 0, n = 0;
	struct u128 *start;
	uint32_t *val;
	struct u128 pos = { 0, 0 };
	int pos_wrapped = 0;

	if (t->n6)
		qsort(t->r6, t->n6, sizeof(*t->r6), cmp6);
	start = malloc((2 * t->n6 + 2) * sizeof(*start));
	val = malloc((2 * t->n6 + 2) * sizeof(*val));
	stack = malloc((t->n6 + 1) * sizeof(*stack));
	if (!start || !val || !stack) {
		free(start);
		free(val);
		free(stack);
		return VIGIL_ENOMEM;
	}
#define EMIT6(st, v)                                                             \
	do {                                                                     \
		if (n && val[n - 1] == (v))                                      \
			break;                                                   \
		if (n && u128_cmp(start[n - 1], (st)) == 0) {                    \
			val[n - 1] = (v);                                        \
			if (n > 1 && val[n - 2] == (v))                          \
				n--;                                             \
			break;                                                   \
		}                                                                \
		start[n] = (st);                                                 \
		val[n] = (v);                                                    \
		n++;                                                             \
	} while (0)
	EMIT6(pos, LPM_NONE);
	for (size_t i = 0; i <= t->n6; i++) {
		const struct range6 *r = i < t->n6 ? &t->r6[i] : NULL;
		while (sp && (!r || u128_cmp(stack[sp - 1].hi, r->lo) < 0)) {
			struct range6 top = stack[--sp];
			if (!pos_wrapped && u128_cmp(pos, top.hi) <= 0) {
				pos = u128_inc(top.hi);
				if (pos.hi == 0 && pos.lo == 0)
					pos_wrapped = 1;
			}
			if (!pos_wrapped)
				EMIT6(pos, sp ? stack[sp - 1].value : LPM_NONE);
		}
		if (!r)
			break;
		EMIT6(r->lo, r->value);
		if (u128_cmp(pos, r->lo) < 0)
			pos = r->lo;
		stack[sp++] = *r;
	}
#undef EMIT6
	(void)u128_dec;
	free(stack);
	t->start6 = start;
	t->val6 = val;
	t->nseg6 = n;
	return 0;
}

int lpm_build(struct lpm *t)
{
	int rc;

	drop_built(t);
	if ((rc = build4(t)) != 0 || (rc = build6(t)) != 0) {
		drop_built(t);
		return rc;
	}
	t->built = 1;
	return 0;
}

uint32_t lpm_lookup_v4(const struct lpm *t, uint32_t v4)
{
	size_t lo, hi;
	uint32_t k = v4 >> (32 - t->ibits4);

	if (!t->built || t->nseg4 == 0)
		return LPM_NONE;
	/* the answer is the last segment with start <= v4: it lies in
	 * [index[k] - 1, index[k + 1] - 1] */
	lo = t->index4[k];
	hi = t->index4[k + 1];
	if (lo > 0)
		lo--;
	/* find last i in [lo, hi) with start[i] <= v4 */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->seg4[mid].start <= v4)
			lo = mid;
		else
			hi = mid;
	}
	return t->seg4[lo].val;
}

int lpm_fill_v4(const struct lpm *t, uint32_t base, unsigned shift, size_t nblocks,
		uint32_t *tab, size_t stride)
{
	uint64_t bsize = (uint64_t)1 << shift, end = base + (uint64_t)nblocks * bsize;
	size_t lo = 0, hi;

	if (shift < 3 || shift > 24 || (base & (bsize - 1)) != 0 || end > ((uint64_t)1 << 32) ||
	    !t->built)
		return VIGIL_EINVAL;
	if (!nblocks || !t->nseg4)
		return 0;
	/* the last segment starting at or before base */
	hi = t->nseg4;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->seg4[mid].start <= base)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; i < t->nseg4 && t->seg4[i].start < end; i++) {
		uint64_t s = t->seg4[i].start < base ? base : t->seg4[i].start;
		uint64_t e = i + 1 < t->nseg4 ? (uint64_t)t->seg4[i + 1].start : (uint64_t)1 << 32;
		uint32_t v = t->seg4[i].val;
		if (e > end)
			e = end;
		/* segments are merged, so a boundary inside a block splits it */
		if (i > lo && (s & (bsize - 1)) != 0)
			tab[((s - base) >> shift) * stride] = LPM_NONE;
		if (v == LPM_NONE)
			continue;
		if (v >= UINT32_MAX - 1)
			return VIGIL_ELIMIT;
		/* the blocks wholly inside [s, e) */
		for (uint64_t b = (s - base + bsize - 1) >> shift; b < (e - base) >> shift; b++)
			tab[b * stride] = v + 1;
	}
	return 0;
}

uint32_t lpm_lookup(const struct lpm *t, const struct vaddr *a)
{
	if (addr_is_v4(a))
		return lpm_lookup_v4(t, addr_v4(a));
	if (!t->built || t->nseg6 == 0)
		return LPM_NONE;
	struct u128 k = u128_from(a);
	size_t lo = 0, hi = t->nseg6;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (u128_cmp(t->start6[mid], k) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return t->val6[lo];
}

size_t lpm_count(const struct lpm *t) { return t->n4 + t->n6; }

size_t lpm_memory(const struct lpm *t)
{
	return sizeof(*t) + t->cap4 * sizeof(struct range4) + t->cap6 * sizeof(struct range6) +
	       (t->seg4 ? t->nseg4 * 8 + (((size_t)1 << t->ibits4) + 1) * 4 : 0) +
	       (t->start6 ? (2 * t->n6 + 2) * 20 : 0);
}
