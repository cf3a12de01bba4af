/*
 * sketch.c - the detectors' bounded-memory containers: a capped
 * open-addressing hash table (linear probing, sized once) and a distinct
 * counter that keeps up to DC_EXACT 32-bit value hashes exactly and then
 * switches to a HyperLogLog taken from a fixed pool (see detect_int.h).
 * HyperLogLog registers are mergeable (max per register), so partitions can
 * be combined later.
 *
 * A table is a probe array of 8-byte slots and a dense array of entries in
 * the order they were made (detect_int.h), so a window touches few pages.
 * Tables and pools of a MiB or more are mapped 2 MiB-aligned and advised as
 * transparent huge pages: probes land at random over MiBs, and with 4 KiB
 * pages nearly every access also missed the TLB (a page walk the prefetches
 * could not hide). Untouched huge pages still cost no RSS.
 */
#include "detect/detect_int.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BIG_MIN ((size_t)1 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* Zeroed, at least 64-byte aligned memory of n bytes; free with big_free(p, n). */
static void *big_alloc(size_t n)
{
	size_t len, head;
	uint8_t *p;

	if (n < BIG_MIN) {
		/* cache-line aligned: table entries are declared _Alignas(64) */
		len = (n + 63) & ~(size_t)63;
		p = aligned_alloc(64, len ? len : 64);
		if (p)
			memset(p, 0, len);
		return p;
	}
	len = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* keep the 2 MiB-aligned len bytes, unmap the rest */
	head = (HUGE_PAGE - ((uintptr_t)p & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
	if (head)
		munmap(p, head);
	if (HUGE_PAGE - head)
		munmap(p + head + len, HUGE_PAGE - head);
	p += head;
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* advice only: fine if refused */
#endif
	return p;
}

static void big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < BIG_MIN) {
		free(p);
		return;
	}
	munmap(p, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

int htab_init(struct htab *t, size_t ksize, size_t esize, size_t max)
{
	size_t cap = 16;

	memset(t, 0, sizeof(*t));
	if (max >= UINT32_MAX)
		max = UINT32_MAX - 1; /* entry numbers are 32-bit */
	while (cap < max + max / 3 + 1)
		cap <<= 1;
	/* mapped zero pages: untouched slots and entries cost no RSS */
	t->idx = big_alloc(cap * sizeof(t->idx[0]));
	t->mem = big_alloc(max * esize);
	if (!t->idx || !t->mem) {
		big_free(t->idx, cap * sizeof(t->idx[0]));
		big_free(t->mem, max * esize);
		t->idx = NULL;
		t->mem = NULL;
		return VIGIL_ENOMEM;
	}
	t->esize = esize;
	t->ksize = ksize;
	t->cap = cap;
	t->max = max;
	return 0;
}

void htab_free(struct htab *t)
{
	big_free(t->idx, t->cap * sizeof(t->idx[0]));
	big_free(t->mem, t->max * t->esize);
	t->idx = NULL;
	t->mem = NULL;
}

void *htab_get(struct htab *t, const void *key, uint64_t hash, bool *created)
{
	uint64_t tag = hash | 1, sig = htab_sig(hash);
	size_t i = htab_start(t, hash);

	*created = false;
	for (;;) {
		uint64_t s = t->idx[i];
		uint8_t *e;

		if ((uint32_t)s == 0) {
			if (t->n >= t->max)
				return NULL;
			e = t->mem + t->n * t->esize;
			memcpy(e, &tag, 8);
			memcpy(e + 8, key, t->ksize);
			t->n++;
			t->idx[i] = sig | (uint32_t)t->n;
			*created = true;
			return e;
		}
		if ((s & 0xffffffff00000000ull) == sig) {
			uint64_t et;

			e = t->mem + (size_t)((uint32_t)s - 1) * t->esize;
			memcpy(&et, e, 8);
			if (et == tag && memcmp(e + 8, key, t->ksize) == 0)
				return e;
		}
		i = (i + 1) & (t->cap - 1);
	}
}

void *htab_find(const struct htab *t, const void *key, uint64_t hash)
{
	uint64_t tag = hash | 1, sig = htab_sig(hash);
	size_t i = htab_start(t, hash);

	for (;;) {
		uint64_t s = t->idx[i];

		if ((uint32_t)s == 0)
			return NULL;
		if ((s & 0xffffffff00000000ull) == sig) {
			uint8_t *e = t->mem + (size_t)((uint32_t)s - 1) * t->esize;
			uint64_t et;

			memcpy(&et, e, 8);
			if (et == tag && memcmp(e + 8, key, t->ksize) == 0)
				return e;
		}
		i = (i + 1) & (t->cap - 1);
	}
}

void htab_clear(struct htab *t)
{
	if (t->n) {
		memset(t->idx, 0, t->cap * sizeof(t->idx[0]));
		memset(t->mem, 0, t->n * t->esize);
	}
	t->n = 0;
}

int dpool_init(struct dpool *p, uint32_t cap, unsigned bits)
{
	memset(p, 0, sizeof(*p));
	if (bits < 4 || bits > 16)
		return VIGIL_EINVAL;
	p->bits = bits;
	p->regs = big_alloc((size_t)(cap ? cap : 1) << bits);
	if (!p->regs)
		return VIGIL_ENOMEM;
	p->cap = cap;
	return 0;
}

void dpool_free(struct dpool *p)
{
	big_free(p->regs, (size_t)(p->cap ? p->cap : 1) << p->bits);
	p->regs = NULL;
}

void dpool_reset(struct dpool *p)
{
	if (p->n)
		memset(p->regs, 0, (size_t)p->n << p->bits);
	p->n = 0;
}

static void hll_add(uint8_t *r, uint64_t h, unsigned bits)
{
	uint32_t idx = (uint32_t)(h >> (64 - bits));
	uint64_t rest = h << bits | ((uint64_t)1 << (bits - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);

	if (rank > r[idx])
		r[idx] = rank;
}

bool dc_add(struct dcount *c, struct dpool *p, uint64_t h)
{
	uint32_t v = (uint32_t)(h >> 32);

	/* The sketch sees the same 64-bit value whether it came through the
	 * exact phase or not: a mix of the kept 32 bits. */
	h = detect_mix((uint64_t)v << 32 | v);
	if (c->hll) {
		hll_add(p->regs + ((size_t)(c->hll - 1) << p->bits), h, p->bits);
		return true;
	}
	for (uint16_t i = 0; i < c->n; i++)
		if (c->exact[i] == v)
			return true;
	if (c->n < DC_EXACT) {
		c->exact[c->n++] = v;
		return true;
	}
	if (c->full)
		return true;
	if (p->n >= p->cap) {
		c->full = 1;
		return false;
	}
	c->hll = ++p->n;
	{
		uint8_t *r = p->regs + ((size_t)(c->hll - 1) << p->bits);

		for (uint16_t i = 0; i < c->n; i++)
			hll_add(r, detect_mix((uint64_t)c->exact[i] << 32 | c->exact[i]), p->bits);
		hll_add(r, h, p->bits);
	}
	return true;
}

/* 2^-r for the register ranks, exact powers of two (what ldexp(1.0, -r) gives) */
static const double pow2_neg[64] = {
	1.0, 0x1p-1, 0x1p-2, 0x1p-3, 0x1p-4, 0x1p-5, 0x1p-6, 0x1p-7, 0x1p-8, 0x1p-9,
	0x1p-10, 0x1p-11, 0x1p-12, 0x1p-13, 0x1p-14, 0x1p-15, 0x1p-16, 0x1p-17, 0x1p-18, 0x1p-19,
	0x1p-20, 0x1p-21, 0x1p-22, 0x1p-23, 0x1p-24, 0x1p-25, 0x1p-26, 0x1p-27, 0x1p-28, 0x1p-29,
	0x1p-30, 0x1p-31, 0x1p-32, 0x1p-33, 0x1p-34, 0x1p-35, 0x1p-36, 0x1p-37, 0x1p-38, 0x1p-39,
	0x1p-40, 0x1p-41, 0x1p-42, 0x1p-43, 0x1p-44, 0x1p-45, 0x1p-46, 0x1p-47, 0x1p-48, 0x1p-49,
	0x1p-50, 0x1p-51, 0x1p-52, 0x1p-53, 0x1p-54, 0x1p-55, 0x1p-56, 0x1p-57, 0x1p-58, 0x1p-59,
	0x1p-60, 0x1p-61, 0x1p-62, 0x1p-63,
};

uint64_t dc_estimate(const struct dcount *c, const struct dpool *p)
{
	const uint8_t *r;
	const double m = (double)(1u << p->bits);
	double sum = 0, est;
	unsigned zeros = 0;

	if (!c->hll)
		return c->n;
	r = p->regs + ((size_t)(c->hll - 1) << p->bits);
	for (unsigned i = 0; i < (1u << p->bits); i++) {
		sum += pow2_neg[r[i] & 63]; /* ldexp(1.0, -r[i]); ranks are <= 64 - bits + 1 */
		zeros += r[i] == 0;
	}
	est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros); /* linear counting for small sets */
	if (est < DC_EXACT)
		est = DC_EXACT;
	return (uint64_t)(est + 0.5);
}
