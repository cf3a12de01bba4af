/*
 * detect_int.h - what the detectors share inside src/detect (not public):
 * the per-flow classification the core does once (inside/outside, list hit,
 * SYN-only), the detector table entry, the capped open-addressing table,
 * the distinct counter (exact small set, then HyperLogLog) and helpers for
 * filling events (scaled counts, "why" text, reproducing query).
 */
#ifndef VIGIL_DETECT_INT_H
#define VIGIL_DETECT_INT_H

#include <stdbool.h>
#include <string.h>

#include "detect/detect.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* One flow as the detectors see it, classified once by the core. */
struct dflow {
	const struct flow *f;
	uint32_t n;                    /* sampling rate, >= 1 */
	bool src_in, dst_in;           /* end inside the constituency */
	const struct intel_entry *hit; /* listed peer (the external end), or NULL */
	bool hit_src;                  /* the listed address is f->src */
	bool syn_only;                 /* TCP with SYN and without ACK */
	uint64_t hsrc, hdst;           /* detect_hash_addr() of each end, computed once */
	/* the score and dos entries their last prefetch stage found, for their
	 * feed (NULL: feed looks it up). Entries do not move within a window,
	 * and a window only closes with the pipeline drained. */
	void *score_ent, *dos_ent;
};

struct detect;

/* A detector: init reads its keys of the [detect] section; feed sees every
 * flow with at least one end inside, a chunk of up to 64 flows of one window
 * at a time (one indirect call a chunk, not a flow); flush emits the
 * window's events and empties the tables. */
struct detector_ops {
	const char *name;
	int (*init)(struct detect *d, const struct conf *c, void **st, char *err, size_t errlen);
	/* optional: prefetch what feed() will touch for the n flows of df,
	 * called before their feed() to overlap the cache misses, a chunk
	 * apart: stage 0 the table's probe slot (htab_prefetch), stage 1 (slot
	 * now cached) the entry (htab_prefetch_entry), stage 2 (entry cached)
	 * what the entry points to, e.g. a sketch register */
	void (*prefetch)(void *st, struct dflow *df, size_t n, int stage);
	void (*feed)(void *st, struct detect *d, const struct dflow *df, size_t n);
	void (*flush)(void *st, struct detect *d);
	void (*free)(void *st);
	size_t (*memory)(const void *st);
};

extern const struct detector_ops detector_lists;
extern const struct detector_ops detector_score;
extern const struct detector_ops detector_scan;
extern const struct detector_ops detector_dos;

/* ---- core services for detectors ---- */

/* Emit an event (fills source, sampling/estimate already set by the detector). */
void detect_emit(struct detect *d, struct event *e);
void detect_count_overflow(struct detect *d);
int64_t detect_win_start(const struct detect *d);
int64_t detect_win_end(const struct detect *d);
bool detect_is_allowed(const struct detect *d, const struct vaddr *a); /* scanner allow-list */

/* Distinct count of the real traffic from `observed` distinct values seen in
 * 1:n sampled flows carrying `packets` (already scaled) packets; see
 * docs/internals/detect.md. Returns observed when n <= 1. */
uint64_t detect_distinct(uint64_t observed, uint64_t packets, uint32_t n);
/* Set e->flows/packets/bytes (already scaled) and the estimate markers for rate n. */
void detect_event_counts(struct event *e, uint64_t flows, uint64_t packets, uint64_t bytes,
			 uint32_t n);
/* Write e->query: `-t WINDOW 'FILTER'` with FILTER printf-formatted. */
void detect_event_query(const struct detect *d, struct event *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "4.2 MB" style into buf (>= 16). */
const char *detect_human_bytes(uint64_t v, char *buf, size_t n);
/* "30 min" / "1 h" for the window. */
const char *detect_window_text(const struct detect *d, char *buf, size_t n);
/* "tcp" or the number, for why texts. */
const char *detect_proto_text(uint8_t proto, char *buf, size_t n);
/* " (est. from 1:N sampling)" or "" */
const char *detect_estimate_text(uint32_t n, char *buf, size_t len);
/* A count for a why text: "~12,000" when it is an estimate from 1:n sampling
 * (n > 1), else "12000" (buf >= 32). */
const char *detect_count_text(uint64_t v, uint32_t n, char *buf, size_t len);
/* detect_human_bytes() with a leading "~" when n > 1 (buf >= 24). */
const char *detect_bytes_text(uint64_t v, uint32_t n, char *buf, size_t len);
/* " seen" when n > 1 (a figure of what the sample showed), else "". */
const char *detect_seen_text(uint32_t n);
/*
 * Sampled TCP opening records that are probes rather than the sampled first
 * packet of a session: of `probes` SYN-only records, with `bulk` records of
 * established traffic (with ACK) of the same key, at rate n. A session's
 * client side of k >= 2 packets shows a SYN-only record less often than one
 * with ACK (ratio (1/n)q^(k-1) : 1 - q^(k-1) <= q < 1), so probes - bulk is a
 * cautious count of real probes. Returns probes when n <= 1.
 */
static inline uint64_t detect_probes(uint64_t probes, uint64_t bulk, uint32_t n)
{
	if (n <= 1)
		return probes;
	return probes > bulk ? probes - bulk : 0;
}

/* Parse "22/tcp", "53/udp", "445" (proto defaults to dflt). Returns 0 or -1. */
int detect_parse_portproto(const char *s, uint16_t *port, uint8_t *proto, uint8_t dflt);

/* A config value or a default, parsed as a non-negative number (k/M/G suffixes). */
double detect_conf_num(const struct conf *c, const char *key, double def);

static inline uint64_t detect_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* addr_is_v4() and addr_v4() of util/addr.h, inlined for the hot path. */
static inline bool detect_is_v4(const struct vaddr *a)
{
	static const uint8_t ffff[4] = { 0, 0, 0xff, 0xff };
	uint64_t x;
	uint32_t y, m;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 4);
	memcpy(&m, ffff, 4); /* folded to a constant of this byte order */
	return x == 0 && y == m;
}

static inline uint32_t detect_v4(const struct vaddr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	       a->b[15];
}

static inline uint64_t detect_hash_addr(const struct vaddr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return detect_mix(x ^ detect_mix(y));
}

/* ---- capped open-addressing table ----
 * Entries are esize bytes and begin with a uint64_t tag (0 = empty slot) and
 * then the key (ksize bytes). At most max keys; a lookup that would add past
 * that returns NULL (the caller counts the overflow).
 *
 * The probe array (idx, cap slots of 8 bytes, linear probing) holds for each
 * key the high 32 bits of its hash and the entry's number + 1 (0 = empty);
 * the entries themselves sit densely in mem in the order they were made. So
 * the memory a window touches is the probe array plus the entries in use,
 * not cap x esize spread over tens of MiB (where this machine's TLB reach
 * ends and prefetching stops helping: docs/internals/detect.md). Slot i is
 * the same slot a key had in the old inline table, so walking the slots in
 * order (htab_used(), htab_slot()) visits the keys in the same order. */
struct htab {
	uint64_t *idx;
	uint8_t *mem;
	size_t esize, ksize, cap, n, max;
};

int htab_init(struct htab *t, size_t ksize, size_t esize, size_t max);
void htab_free(struct htab *t);
/* Entry for key (created zeroed with the key copied when absent), or NULL. */
void *htab_get(struct htab *t, const void *key, uint64_t hash, bool *created);
void htab_clear(struct htab *t);
static inline bool htab_used(const struct htab *t, size_t i) { return (uint32_t)t->idx[i] != 0; }
/* The entry of used slot i. */
static inline void *htab_slot(const struct htab *t, size_t i)
{
	return t->mem + (size_t)((uint32_t)t->idx[i] - 1) * t->esize;
}
static inline size_t htab_start(const struct htab *t, uint64_t hash)
{
	return (size_t)(hash >> 7) & (t->cap - 1);
}
static inline uint64_t htab_sig(uint64_t hash) { return (hash >> 32) << 32; }
/* Prefetch stage 0: hash's probe slot. */
static inline void htab_prefetch(const struct htab *t, uint64_t hash)
{
	__builtin_prefetch(&t->idx[htab_start(t, hash)], 1);
}
/* Prefetch stage 1 (probe slot cached): the first two cache lines of the
 * entry hash's probe slots point to, if any. Entries keep the fields every
 * flow updates there (tag, key, counts, times) and the rarely touched ones
 * after. */
static inline void htab_prefetch_entry(const struct htab *t, uint64_t hash)
{
	uint64_t sig = htab_sig(hash);
	size_t i = htab_start(t, hash);

	for (;;) {
		uint64_t s = t->idx[i];

		if ((uint32_t)s == 0)
			return;
		if ((s & 0xffffffff00000000ull) == sig) {
			const uint8_t *e = t->mem + (size_t)((uint32_t)s - 1) * t->esize;

			for (size_t off = 0; off < t->esize && off < 128; off += 64)
				__builtin_prefetch(e + off, 1);
			return;
		}
		i = (i + 1) & (t->cap - 1);
	}
}
/* Entry for key or NULL (never creates). */
void *htab_find(const struct htab *t, const void *key, uint64_t hash);

/* htab_get() and htab_find() for tables of 16-byte keys (one address),
 * inlined into the detectors' per-flow paths. */
static inline bool htab_key16_eq(const uint8_t *e, uint64_t tag, const void *key)
{
	uint64_t a[3], b[2];

	memcpy(a, e, 24);
	memcpy(b, key, 16);
	return a[0] == tag && ((a[1] ^ b[0]) | (a[2] ^ b[1])) == 0;
}

static inline void *htab_get16(struct htab *t, const void *key, uint64_t hash, bool *created)
{
	uint64_t tag = hash | 1, sig = htab_sig(hash);
	size_t i = htab_start(t, hash);

	*created = false;
	for (;;) {
		uint64_t s = t->idx[i];

		if ((uint32_t)s == 0) {
			uint8_t *e;

			if (t->n >= t->max)
				return NULL;
			e = t->mem + t->n * t->esize;
			memcpy(e, &tag, 8);
			memcpy(e + 8, key, 16);
			t->n++;
			t->idx[i] = sig | (uint32_t)t->n;
			*created = true;
			return e;
		}
		if ((s & 0xffffffff00000000ull) == sig) {
			uint8_t *e = t->mem + (size_t)((uint32_t)s - 1) * t->esize;

			if (htab_key16_eq(e, tag, key))
				return e;
		}
		i = (i + 1) & (t->cap - 1);
	}
}

static inline void *htab_find16(const struct htab *t, const void *key, uint64_t hash)
{
	uint64_t tag = hash | 1, sig = htab_sig(hash);
	size_t i = htab_start(t, hash);

	for (;;) {
		uint64_t s = t->idx[i];

		if ((uint32_t)s == 0)
			return NULL;
		if ((s & 0xffffffff00000000ull) == sig) {
			uint8_t *e = t->mem + (size_t)((uint32_t)s - 1) * t->esize;

			if (htab_key16_eq(e, tag, key))
				return e;
		}
		i = (i + 1) & (t->cap - 1);
	}
}
static inline size_t htab_memory(const struct htab *t)
{
	return t->cap * sizeof(t->idx[0]) + t->max * t->esize;
}

/* ---- distinct counting: exact up to DC_EXACT values, then HyperLogLog ---- */
#define DC_EXACT 12
#define DC_HLL_BITS 10 /* scans: 1024 one-byte registers, ~3% standard error */
#define DC_HLL_BITS_SMALL 8 /* fan-out and sources: 256 registers, ~6.5% */

struct dcount {
	uint32_t hll;  /* 1-based index into the pool; 0 = still exact */
	uint16_t n;
	uint8_t full;  /* pool exhausted: exact count is a lower bound */
	uint32_t exact[DC_EXACT];
};

struct dpool {
	uint8_t *regs;
	uint32_t n, cap;
	unsigned bits; /* 2^bits registers a sketch */
};

int dpool_init(struct dpool *p, uint32_t cap, unsigned bits);
void dpool_free(struct dpool *p);
void dpool_reset(struct dpool *p);
/* Add a value hash; returns false when the pool was full (counted by caller). */
bool dc_add(struct dcount *c, struct dpool *p, uint64_t h);
uint64_t dc_estimate(const struct dcount *c, const struct dpool *p);
/* Prefetch the register dc_add(c, p, h) will update (if c is a sketch). */
static inline void dc_prefetch(const struct dcount *c, const struct dpool *p, uint64_t h)
{
	uint32_t v = (uint32_t)(h >> 32);

	if (!c->hll)
		return;
	h = detect_mix((uint64_t)v << 32 | v);
	__builtin_prefetch(p->regs + ((size_t)(c->hll - 1) << p->bits) + (h >> (64 - p->bits)), 1);
}

#endif
