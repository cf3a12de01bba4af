/*
 * wsort.c - the writer's row order and reverse-flow pairing, the hot part of
 * finishing a block. Rows are sorted by conversation (the two endpoints,
 * lower address first, then protocol, ports, direction, start) so that a flow
 * and its reverse sit side by side and a host's flows form runs; each flow
 * whose reverse is in the block is then paired with it (first come, first
 * paired, per direction) and stores only the offset to its partner.
 *
 * The sort is an LSD radix sort on one precomputed 64-bit key per row (for
 * the common IPv4 <-> IPv4 conversation: lower address << 32 | higher
 * address, which fixes the endpoints exactly) plus one pass on the address
 * class (IPv4 pairs first); the few rows with an equal key are then ordered
 * by the remaining fields with integer compares (insertion sort for short
 * runs, merge sort for long ones). No memcmp of 16-byte addresses except for
 * IPv6 rows whose keys collide. Measured in bench/store/README.md.
 */
#include "store/wr_int.h"
#include "util/err.h"

#include <stdlib.h>

/* Addresses as two big-endian words: the integer order is memcmp's order. */
static inline uint64_t be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
	       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Full order of rows i and j whose radix keys are equal. */
static int row_cmp(const struct wsort *s, const struct flow *rows, uint32_t i, uint32_t j)
{
	const struct flow *a = &rows[i], *b = &rows[j];

	if (s->cls[i]) {
		/* IPv6 (or mixed): the key is a part of the lower address only */
		const struct vaddr *alo = s->aux[i] & 1 ? &a->dst : &a->src;
		const struct vaddr *ahi = s->aux[i] & 1 ? &a->src : &a->dst;
		const struct vaddr *blo = s->aux[j] & 1 ? &b->dst : &b->src;
		const struct vaddr *bhi = s->aux[j] & 1 ? &b->src : &b->dst;
		int c = memcmp(alo->b, blo->b, 16);

		if (c || (c = memcmp(ahi->b, bhi->b, 16)))
			return c;
	}
	if (s->aux[i] != s->aux[j])
		return s->aux[i] < s->aux[j] ? -1 : 1;
	if (a->first_ms != b->first_ms)
		return a->first_ms < b->first_ms ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Sort idx[0..n) by row_cmp: insertion sort when short, else merge sort. */
static void run_sort(const struct wsort *s, const struct flow *rows, uint32_t *idx, size_t n,
		     uint32_t *tmp)
{
	if (n <= 24) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = idx[i];
			size_t j = i;

			while (j > 0 && row_cmp(s, rows, idx[j - 1], v) > 0) {
				idx[j] = idx[j - 1];
				j--;
			}
			idx[j] = v;
		}
		return;
	}
	{
		size_t h = n / 2, a = 0, b = h, k = 0;

		run_sort(s, rows, idx, h, tmp);
		run_sort(s, rows, idx + h, n - h, tmp);
		while (a < h && b < n)
			tmp[k++] = row_cmp(s, rows, idx[a], idx[b]) <= 0 ? idx[a++] : idx[b++];
		while (a < h)
			tmp[k++] = idx[a++];
		while (b < n)
			tmp[k++] = idx[b++];
		memcpy(idx, tmp, n * sizeof(*idx));
	}
}

/* Same conversation (endpoints, protocol, ports; either direction). */
static bool same_conv(const struct wsort *s, const struct flow *rows, uint32_t i, uint32_t j)
{
	if (s->key[i] != s->key[j] || s->cls[i] != s->cls[j] || (s->aux[i] ^ s->aux[j]) >> 1)
		return false;
	if (s->cls[i]) {
		const struct flow *a = &rows[i], *b = &rows[j];
		const struct vaddr *alo = s->aux[i] & 1 ? &a->dst : &a->src;
		const struct vaddr *ahi = s->aux[i] & 1 ? &a->src : &a->dst;
		const struct vaddr *blo = s->aux[j] & 1 ? &b->dst : &b->src;
		const struct vaddr *bhi = s->aux[j] & 1 ? &b->src : &b->dst;

		return !memcmp(alo->b, blo->b, 16) && !memcmp(ahi->b, bhi->b, 16);
	}
	return true;
}

int wsort_init(struct wsort *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->key = malloc(cap * sizeof(*s->key));
	s->aux = malloc(cap * sizeof(*s->aux));
	s->cls = malloc(cap);
	s->idx[0] = malloc(cap * sizeof(*s->idx[0]));
	s->idx[1] = malloc(cap * sizeof(*s->idx[1]));
	s->queue[0] = malloc(cap * sizeof(*s->queue[0]));
	s->queue[1] = malloc(cap * sizeof(*s->queue[1]));
	if (!s->key || !s->aux || !s->cls || !s->idx[0] || !s->idx[1] || !s->queue[0] || !s->queue[1])
		return VIGIL_ENOMEM;
	return 0;
}

void wsort_free(struct wsort *s)
{
	free(s->key);
	free(s->aux);
	free(s->cls);
	free(s->idx[0]);
	free(s->idx[1]);
	free(s->queue[0]);
	free(s->queue[1]);
	memset(s, 0, sizeof(*s));
}

/* One stable counting pass of src into dst on digit d of the keys. */
static void radix_pass(const struct wsort *s, const uint32_t *src, uint32_t *dst, size_t n,
		       const size_t *cnt, int shift)
{
	size_t pos[256], sum = 0;

	for (int b = 0; b < 256; b++) {
		pos[b] = sum;
		sum += cnt[b];
	}
	if (shift < 0) {
		for (size_t i = 0; i < n; i++)
			dst[pos[s->cls[src[i]]]++] = src[i];
		return;
	}
	for (size_t i = 0; i < n; i++)
		dst[pos[(s->key[src[i]] >> shift) & 0xff]++] = src[i];
}

const uint32_t *wsort_sort(struct wsort *s, const struct flow *rows, size_t n)
{
	static const int nd = 9; /* 8 key bytes + the class */
	size_t cnt[9][256];
	uint32_t *a = s->idx[0], *b = s->idx[1], *t;

	memset(cnt, 0, sizeof(cnt));
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = &rows[i];
		uint64_t s0 = be64(f->src.b), s1 = be64(f->src.b + 8);
		uint64_t d0 = be64(f->dst.b), d1 = be64(f->dst.b + 8);
		bool dir = s0 > d0 || (s0 == d0 && (s1 > d1 || (s1 == d1 && f->sport > f->dport)));
		uint64_t lo0 = dir ? d0 : s0, lo1 = dir ? d1 : s1, hi1 = dir ? s1 : d1;
		bool v4 = (s0 | d0) == 0 && s1 >> 32 == 0xffff && d1 >> 32 == 0xffff;
		uint64_t k = v4 ? lo1 << 32 | (hi1 & 0xffffffffu) : lo0 ^ lo1;

		s->key[i] = k;
		s->cls[i] = !v4;
		s->aux[i] = (uint64_t)f->proto << 33 | (uint64_t)(dir ? f->dport : f->sport) << 17 |
			    (uint64_t)(dir ? f->sport : f->dport) << 1 | dir;
		for (int d = 0; d < 8; d++)
			cnt[d][(k >> (8 * d)) & 0xff]++;
		cnt[8][!v4]++;
		a[i] = (uint32_t)i;
	}
	for (int d = 0; d < nd; d++) {
		bool skip = false;

		/* a digit every row shares does not reorder anything */
		for (int v = 0; v < 256 && !skip; v++)
			skip = cnt[d][v] == n;
		if (skip)
			continue;
		radix_pass(s, a, b, n, cnt[d], d == 8 ? -1 : 8 * d);
		t = a;
		a = b;
		b = t;
	}
	/* order the rows sharing a key by the rest of the conversation */
	for (size_t g = 0; g < n;) {
		size_t e = g + 1;

		while (e < n && s->key[a[e]] == s->key[a[g]] && s->cls[a[e]] == s->cls[a[g]])
			e++;
		if (e - g > 1)
			run_sort(s, rows, a + g, e - g, b);
		g = e;
	}
	s->order = a;
	return a;
}

void wsort_pair(struct wsort *s, const struct flow *rows, size_t n, int32_t *peer)
{
	const uint32_t *o = s->order;

	/* pair within each conversation: FIFO per direction */
	for (size_t g = 0; g < n;) {
		size_t e = g + 1, qh[2] = { 0, 0 }, qt[2] = { 0, 0 };
		bool ambiguous;
		const struct flow *f = &rows[o[g]];

		while (e < n && same_conv(s, rows, o[g], o[e]))
			e++;
		/* a host talking to itself on one port: no direction to tell */
		ambiguous = f->sport == f->dport && addr_eq(&f->src, &f->dst);
		for (size_t i = g; i < e; i++) {
			int d = (int)(s->aux[o[i]] & 1);

			peer[i] = 0;
			if (!ambiguous && qh[!d] < qt[!d]) {
				uint32_t j = s->queue[!d][qh[!d]++];

				peer[i] = (int32_t)((int64_t)j - (int64_t)i);
			} else {
				s->queue[d][qt[d]++] = (uint32_t)i;
			}
		}
		g = e;
	}
}
