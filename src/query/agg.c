/*
 * agg.c - top-N statistics (`-s KEY/ORDER`): open-addressing hash tables
 * keyed by one column's value, summing flows, packets and bytes and keeping
 * the first/last time, then a bounded heap for the top N. IPv4 addresses and
 * the integer keys (port, protocol, AS) live in a narrow table of 4-byte keys
 * (48-byte slots), IPv6 addresses in a wide one (16-byte keys, 64-byte slots);
 * the top N is taken over both.
 *
 * It reads only the key column(s) and first, last, packets, bytes, proto.
 * For `ip` and `port` a flow counts once for its source side and once for
 * its destination side (as nfdump's -s ip). Packets and bytes are summed as
 * exported (unscaled); the caller states the sampling rate.
 */
#include "query/query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "util/err.h"

/* Wide table: 16-byte keys (IPv6 addresses; IPv4 too when the caller
 * forces it). One cache line per slot. */
struct slot {
	struct vaddr key;
	int64_t first, last;
	uint64_t flows, packets, bytes;
	int32_t proto;
	uint32_t used;
};
_Static_assert(sizeof(struct slot) == 64, "a slot is one cache line");

/* Narrow table: 4-byte keys (an IPv4 address, or a port, protocol or AS).
 * 48 bytes instead of 64 and a fuller table (3/4 instead of 1/2) before it
 * grows: a top-N over millions of IPv4 sources needs about half the memory.
 * A slot is empty while flows is 0 (every key held has counted a flow). */
struct slot4 {
	uint32_t key;
	int32_t proto;
	int64_t first, last;
	uint64_t flows, packets, bytes;
};
_Static_assert(sizeof(struct slot4) == 48, "narrow slot");

struct query_agg {
	enum query_key key;
	enum query_order order;
	bool addr_key;               /* key is an address: narrow keys are IPv4 */
	struct slot *slots;          /* wide table (IPv6 keys) */
	size_t cap, count;
	struct slot4 *s4;            /* narrow table */
	size_t cap4, count4;
	size_t max_keys;
	uint64_t dropped;
	uint64_t tflows, tpackets, tbytes;
};

static const struct {
	const char *name;
	enum query_key key;
} key_names[] = {
	{ "srcip", QUERY_KEY_SRCIP }, { "dstip", QUERY_KEY_DSTIP }, { "ip", QUERY_KEY_IP },
	{ "srcport", QUERY_KEY_SRCPORT }, { "dstport", QUERY_KEY_DSTPORT }, { "port", QUERY_KEY_PORT },
	{ "proto", QUERY_KEY_PROTO }, { "srcas", QUERY_KEY_SRCAS }, { "dstas", QUERY_KEY_DSTAS },
	{ "exporter", QUERY_KEY_EXPORTER }, { "router", QUERY_KEY_EXPORTER }, { "as", QUERY_KEY_AS },
	{ "inif", QUERY_KEY_INIF }, { "outif", QUERY_KEY_OUTIF }, { "if", QUERY_KEY_IF },
	{ "tos", QUERY_KEY_TOS }, { "srctos", QUERY_KEY_TOS }, { "nhip", QUERY_KEY_NHIP },
	{ "nexthop", QUERY_KEY_NHIP },
};
static const char *order_names[] = { "flows", "packets", "bytes", "pps", "bps", "bpp", "tstart", "tend" };
#define NORDERS (sizeof(order_names) / sizeof(order_names[0]))

int query_stat_parse(const char *s, enum query_key *key, enum query_order *order)
{
	const char *slash = strchr(s, '/');
	size_t klen = slash ? (size_t)(slash - s) : strlen(s);
	bool found = false;

	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strlen(key_names[i].name) == klen && !strncasecmp(s, key_names[i].name, klen)) {
			*key = key_names[i].key;
			found = true;
		}
	if (!found)
		return VIGIL_EINVAL;
	*order = QUERY_ORDER_FLOWS;
	if (!slash)
		return 0;
	for (size_t o = 0; o < NORDERS; o++)
		if (!strcasecmp(slash + 1, order_names[o])) {
			*order = (enum query_order)o;
			return 0;
		}
	return VIGIL_EINVAL;
}

const char *query_key_name(enum query_key key)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i].key == key)
			return key_names[i].name;
	return "?";
}

const char *query_order_name(enum query_order o) { return (size_t)o < NORDERS ? order_names[o] : "?"; }

/* A zeroed array of n elements of size sz aligned to cache lines. Big
 * tables are aligned to 2 MiB and offered to transparent huge pages: a table
 * of millions of keys then costs a few hundred page faults instead of
 * hundreds of thousands. */
static void *table_new(size_t n, size_t sz)
{
	size_t bytes = n * sz;
	size_t align = bytes >= (4u << 20) ? (2u << 20) : 64;
	void *s = aligned_alloc(align, (bytes + align - 1) / align * align);

	if (!s)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (align > 64)
		(void)madvise(s, bytes, MADV_HUGEPAGE);
#endif
	memset(s, 0, bytes);
	return s;
}

struct query_agg *query_agg_new(enum query_key key, enum query_order order, size_t max_keys)
{
	struct query_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->key = key;
	a->order = order;
	a->addr_key = key == QUERY_KEY_SRCIP || key == QUERY_KEY_DSTIP || key == QUERY_KEY_IP ||
		      key == QUERY_KEY_EXPORTER || key == QUERY_KEY_NHIP;
	a->max_keys = max_keys ? max_keys : QUERY_AGG_MAX_KEYS;
	a->cap = 8;     /* small: IPv6 keys are usually few (and the tests grow it) */
	a->cap4 = 1024;
	a->slots = table_new(a->cap, sizeof(struct slot));
	a->s4 = table_new(a->cap4, sizeof(struct slot4));
	if (!a->slots || !a->s4) {
		query_agg_free(a);
		return NULL;
	}
	return a;
}

void query_agg_free(struct query_agg *a)
{
	if (!a)
		return;
	free(a->slots);
	free(a->s4);
	free(a);
}

/* Key column(s): [0] always, [1] for the two-sided keys. */
static int key_cols(enum query_key k, enum flow_col c[2])
{
	switch (k) {
	case QUERY_KEY_SRCIP: c[0] = FLOW_COL_SRC; return 1;
	case QUERY_KEY_DSTIP: c[0] = FLOW_COL_DST; return 1;
	case QUERY_KEY_IP: c[0] = FLOW_COL_SRC; c[1] = FLOW_COL_DST; return 2;
	case QUERY_KEY_SRCPORT: c[0] = FLOW_COL_SPORT; return 1;
	case QUERY_KEY_DSTPORT: c[0] = FLOW_COL_DPORT; return 1;
	case QUERY_KEY_PORT: c[0] = FLOW_COL_SPORT; c[1] = FLOW_COL_DPORT; return 2;
	case QUERY_KEY_PROTO: c[0] = FLOW_COL_PROTO; return 1;
	case QUERY_KEY_SRCAS: c[0] = FLOW_COL_SRC_AS; return 1;
	case QUERY_KEY_DSTAS: c[0] = FLOW_COL_DST_AS; return 1;
	case QUERY_KEY_AS: c[0] = FLOW_COL_SRC_AS; c[1] = FLOW_COL_DST_AS; return 2;
	case QUERY_KEY_INIF: c[0] = FLOW_COL_IN_IF; return 1;
	case QUERY_KEY_OUTIF: c[0] = FLOW_COL_OUT_IF; return 1;
	case QUERY_KEY_IF: c[0] = FLOW_COL_IN_IF; c[1] = FLOW_COL_OUT_IF; return 2;
	case QUERY_KEY_TOS: c[0] = FLOW_COL_TOS; return 1;
	case QUERY_KEY_NHIP: c[0] = FLOW_COL_NEXTHOP; return 1;
	default: c[0] = FLOW_COL_EXPORTER; return 1;
	}
}

uint64_t query_agg_columns(const struct query_agg *a)
{
	enum flow_col c[2];
	int n = key_cols(a->key, c);
	uint64_t m = 1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST | 1ULL << FLOW_COL_PACKETS |
		     1ULL << FLOW_COL_BYTES | 1ULL << FLOW_COL_PROTO;
	for (int i = 0; i < n; i++)
		m |= 1ULL << c[i];
	return m;
}

static inline uint64_t hash_key(uint64_t x, uint64_t y)
{
	x ^= y * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t hash4(uint32_t k)
{
	uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return x;
}

static int grow(struct query_agg *a)
{
	size_t nc = a->cap * 2;
	struct slot *ns = table_new(nc, sizeof(struct slot));

	if (!ns)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < a->cap; i++) {
		struct slot *s = &a->slots[i];
		uint64_t x, y;
		if (!s->used)
			continue;
		memcpy(&x, s->key.b, 8);
		memcpy(&y, s->key.b + 8, 8);
		size_t h = (size_t)hash_key(x, y) & (nc - 1);
		while (ns[h].used)
			h = (h + 1) & (nc - 1);
		ns[h] = *s;
	}
	free(a->slots);
	a->slots = ns;
	a->cap = nc;
	return 0;
}

static int grow4(struct query_agg *a)
{
	size_t nc = a->cap4 * 2;
	struct slot4 *ns = table_new(nc, sizeof(struct slot4));

	if (!ns)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < a->cap4; i++) {
		const struct slot4 *s = &a->s4[i];
		if (!s->flows)
			continue;
		size_t h = (size_t)hash4(s->key) & (nc - 1);
		while (ns[h].flows)
			h = (h + 1) & (nc - 1);
		ns[h] = *s;
	}
	free(a->s4);
	a->s4 = ns;
	a->cap4 = nc;
	return 0;
}

/* Insert (x, y) at its free slot; NULL when the cap is reached (or out of memory). */
static struct slot *insert(struct query_agg *a, uint64_t x, uint64_t y, uint64_t hash);

/* Find or insert the key (x, y) with hash h. */
static inline struct slot *lookup(struct query_agg *a, uint64_t x, uint64_t y, uint64_t hash)
{
	size_t mask = a->cap - 1, h = (size_t)hash & mask;

	for (;;) {
		struct slot *s = &a->slots[h];
		if (!s->used)
			return insert(a, x, y, hash);
		uint64_t sx, sy;
		memcpy(&sx, s->key.b, 8);
		memcpy(&sy, s->key.b + 8, 8);
		if (sx == x && sy == y)
			return s;
		h = (h + 1) & mask;
	}
}

static struct slot *insert(struct query_agg *a, uint64_t x, uint64_t y, uint64_t hash)
{
	size_t mask, h;

	if (a->count + a->count4 >= a->max_keys)
		return NULL;
	if ((a->count + 1) * 2 > a->cap && grow(a) != 0)
		return NULL;
	mask = a->cap - 1;
	h = (size_t)hash & mask;
	while (a->slots[h].used)
		h = (h + 1) & mask;
	struct slot *s = &a->slots[h];
	memcpy(s->key.b, &x, 8);
	memcpy(s->key.b + 8, &y, 8);
	s->used = 1;
	s->first = INT64_MAX;
	s->last = INT64_MIN;
	s->proto = -2;
	a->count++;
	return s;
}

/* Narrow table: find or insert k (hash h); NULL at the cap or out of memory.
 * A new slot has flows 0 until the caller counts its row. */
static inline struct slot4 *lookup4(struct query_agg *a, uint32_t k, uint64_t hash)
{
	size_t mask = a->cap4 - 1, h = (size_t)hash & mask;

	for (;;) {
		struct slot4 *s = &a->s4[h];
		if (!s->flows)
			break;
		if (s->key == k)
			return s;
		h = (h + 1) & mask;
	}
	if (a->count + a->count4 >= a->max_keys)
		return NULL;
	if ((a->count4 + 1) * 4 > a->cap4 * 3) {
		if (grow4(a) != 0)
			return NULL;
		mask = a->cap4 - 1;
		h = (size_t)hash & mask;
		while (a->s4[h].flows)
			h = (h + 1) & mask;
	}
	struct slot4 *s = &a->s4[h];
	s->key = k;
	s->first = INT64_MAX;
	s->last = INT64_MIN;
	s->proto = -2;
	a->count4++;
	return s;
}

/* Rows are added in chunks: keys and hashes first, then the inserts with the
 * slot of a row a few places ahead prefetched, so the cache misses of a big
 * table overlap instead of queueing. IPv4 addresses and integer keys go to
 * the narrow table, IPv6 addresses to the wide one. */
#define AGG_CHUNK 256
#define AGG_PREFETCH 10

#define ADD_ROW(s, i)                                   \
	do {                                            \
		(s)->flows++;                           \
		(s)->packets += pk[i];                  \
		(s)->bytes += by[i];                    \
		if (fi[i] < (s)->first)                 \
			(s)->first = fi[i];             \
		if (la[i] > (s)->last)                  \
			(s)->last = la[i];              \
		if ((s)->proto == -2)                   \
			(s)->proto = pr[i];             \
		else if ((s)->proto != pr[i])           \
			(s)->proto = -1;                \
	} while (0)

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int query_agg_add(struct query_agg *a, const struct query_cols *c, const uint32_t *sel, size_t nsel)
{
	enum flow_col kc[2];
	int nk = key_cols(a->key, kc), rc = 0;
	const int64_t *fi = c->col[FLOW_COL_FIRST], *la = c->col[FLOW_COL_LAST];
	const uint64_t *pk = c->col[FLOW_COL_PACKETS], *by = c->col[FLOW_COL_BYTES];
	const uint8_t *pr = c->col[FLOW_COL_PROTO];
	size_t n = sel ? nsel : c->n;
	uint32_t k4[AGG_CHUNK], rows4[AGG_CHUNK], rows6[AGG_CHUNK];
	uint64_t h4[AGG_CHUNK], kx[AGG_CHUNK], ky[AGG_CHUNK], h6[AGG_CHUNK];

	for (int side = 0; side < nk; side++) {
		const void *col = c->col[kc[side]];
		enum { W_ADDR, W_U32, W_U16, W_U8 } w =
			kc[side] <= FLOW_COL_EXPORTER ? W_ADDR
			: kc[side] <= FLOW_COL_DOMAIN ? W_U32
			: kc[side] <= FLOW_COL_XDPORT ? W_U16 : W_U8;
		for (size_t start = 0; start < n; start += AGG_CHUNK) {
			size_t m = n - start < AGG_CHUNK ? n - start : AGG_CHUNK, m4 = 0, m6 = 0;
			for (size_t t = 0; t < m; t++) {
				size_t i = sel ? sel[start + t] : start + t;
				uint32_t v;
				switch (w) {
				case W_ADDR: {
					const uint8_t *kp = ((const struct vaddr *)col)[i].b;
					if (memcmp(kp, v4_prefix, 12) != 0) {
						memcpy(&kx[m6], kp, 8);
						memcpy(&ky[m6], kp + 8, 8);
						h6[m6] = hash_key(kx[m6], ky[m6]);
						rows6[m6++] = (uint32_t)i;
						continue;
					}
					v = (uint32_t)kp[12] << 24 | (uint32_t)kp[13] << 16 |
					    (uint32_t)kp[14] << 8 | kp[15];
					break;
				}
				case W_U32: v = ((const uint32_t *)col)[i]; break;
				case W_U16: v = ((const uint16_t *)col)[i]; break;
				default: v = ((const uint8_t *)col)[i]; break;
				}
				k4[m4] = v;
				h4[m4] = hash4(v);
				rows4[m4++] = (uint32_t)i;
			}
			for (size_t t = 0; t < m4 && t < AGG_PREFETCH; t++)
				__builtin_prefetch(&a->s4[h4[t] & (a->cap4 - 1)], 1);
			for (size_t t = 0; t < m4; t++) {
				size_t i = rows4[t];
				if (t + AGG_PREFETCH < m4)
					__builtin_prefetch(&a->s4[h4[t + AGG_PREFETCH] & (a->cap4 - 1)], 1);
				struct slot4 *s = lookup4(a, k4[t], h4[t]);
				if (!s) {
					a->dropped++;
					rc = VIGIL_ELIMIT;
					continue;
				}
				ADD_ROW(s, i);
			}
			for (size_t t = 0; t < m6 && t < AGG_PREFETCH; t++)
				__builtin_prefetch(&a->slots[h6[t] & (a->cap - 1)], 1);
			for (size_t t = 0; t < m6; t++) {
				size_t i = rows6[t];
				if (t + AGG_PREFETCH < m6)
					__builtin_prefetch(&a->slots[h6[t + AGG_PREFETCH] & (a->cap - 1)], 1);
				struct slot *s = lookup(a, kx[t], ky[t], h6[t]);
				if (!s) {
					a->dropped++;
					rc = VIGIL_ELIMIT;
					continue;
				}
				ADD_ROW(s, i);
			}
		}
	}
	for (size_t j = 0; j < n; j++) {
		size_t i = sel ? sel[j] : j;
		a->tflows++;
		a->tpackets += pk[i];
		a->tbytes += by[i];
	}
	return rc;
}

uint64_t query_agg_dropped(const struct query_agg *a) { return a->dropped; }
size_t query_agg_count(const struct query_agg *a) { return a->count + a->count4; }

void query_agg_totals(const struct query_agg *a, uint64_t *flows, uint64_t *packets, uint64_t *bytes)
{
	*flows = a->tflows;
	*packets = a->tpackets;
	*bytes = a->tbytes;
}

/* Bigger ranks first; the times rank earliest first. */
static uint64_t metric(const struct query_agg_entry *e, enum query_order o)
{
	int64_t d = e->last_ms - e->first_ms;
	switch (o) {
	case QUERY_ORDER_FLOWS: return e->flows;
	case QUERY_ORDER_PACKETS: return e->packets;
	case QUERY_ORDER_BYTES: return e->bytes;
	case QUERY_ORDER_PPS: return d > 0 ? (uint64_t)((double)e->packets * 1000.0 / (double)d) : 0;
	case QUERY_ORDER_BPS: return d > 0 ? (uint64_t)((double)e->bytes * 8000.0 / (double)d) : 0;
	case QUERY_ORDER_BPP: return e->packets ? e->bytes / e->packets : 0;
	case QUERY_ORDER_TSTART: return (uint64_t)INT64_MAX - (uint64_t)(e->first_ms < 0 ? 0 : e->first_ms);
	default: return (uint64_t)INT64_MAX - (uint64_t)(e->last_ms < 0 ? 0 : e->last_ms);
	}
}

/* True if x ranks before y: bigger metric, then smaller key. */
static bool better(const struct query_agg_entry *x, const struct query_agg_entry *y,
		   enum query_order o)
{
	uint64_t mx = metric(x, o), my = metric(y, o);
	if (mx != my)
		return mx > my;
	return memcmp(x->key.b, y->key.b, 16) < 0;
}

/* Sift down in a heap whose root is the worst kept entry. */
static void sift(struct query_agg_entry *h, size_t n, size_t i, enum query_order o)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < n && better(&h[w], &h[l], o))
			w = l;
		if (r < n && better(&h[w], &h[r], o))
			w = r;
		if (w == i)
			return;
		struct query_agg_entry t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* Offer e to the heap h of k (of at most n) entries. */
/* A table slot as an entry: wide slots hold the whole key, narrow (4-byte
 * key) slots have their counts and key filled apart, so that the top-N can
 * reject on the counts before it builds a key. */
static void slot_entry(const struct slot *s, struct query_agg_entry *e)
{
	e->key = s->key;
	e->first_ms = s->first;
	e->last_ms = s->last;
	e->flows = s->flows;
	e->packets = s->packets;
	e->bytes = s->bytes;
	e->proto = s->proto < 0 ? -1 : s->proto;
}

static void slot4_counts(const struct slot4 *s, struct query_agg_entry *e)
{
	e->flows = s->flows;
	e->packets = s->packets;
	e->bytes = s->bytes;
	e->first_ms = s->first;
	e->last_ms = s->last;
	e->proto = s->proto < 0 ? -1 : s->proto;
}

static void slot4_key(const struct query_agg *a, const struct slot4 *s, struct query_agg_entry *e)
{
	memset(e->key.b, 0, 12);
	if (a->addr_key)
		memcpy(e->key.b, v4_prefix, 12);
	e->key.b[12] = (uint8_t)(s->key >> 24);
	e->key.b[13] = (uint8_t)(s->key >> 16);
	e->key.b[14] = (uint8_t)(s->key >> 8);
	e->key.b[15] = (uint8_t)s->key;
}

static void offer(struct query_agg_entry *h, size_t *k, size_t n, const struct query_agg_entry *e,
		  enum query_order o)
{
	if (*k < n) {
		h[(*k)++] = *e;
		if (*k == n)
			for (size_t j = n / 2 + 1; j-- > 0;)
				sift(h, n, j, o);
	} else if (better(e, &h[0], o)) {
		h[0] = *e;
		sift(h, n, 0, o);
	}
}

size_t query_agg_top(const struct query_agg *a, size_t n, struct query_agg_entry *out)
{
	struct query_agg_entry *h, e;
	size_t k = 0;

	if (n > query_agg_count(a))
		n = query_agg_count(a);
	if (n == 0)
		return 0;
	h = malloc(n * sizeof(*h));
	if (!h)
		return 0;
	for (size_t i = 0; i < a->cap; i++) {
		const struct slot *s = &a->slots[i];
		if (!s->used)
			continue;
		slot_entry(s, &e);
		offer(h, &k, n, &e, a->order);
	}
	for (size_t i = 0; i < a->cap4; i++) {
		const struct slot4 *s = &a->s4[i];
		if (!s->flows)
			continue;
		slot4_counts(s, &e);
		/* Cheap reject before building the key: strictly worse than the root. */
		if (k == n && metric(&e, a->order) < metric(&h[0], a->order))
			continue;
		slot4_key(a, s, &e);
		offer(h, &k, n, &e, a->order);
	}
	/* Pop worst-first into the back of out. */
	for (size_t m = n; m > 0; m--) {
		out[m - 1] = h[0];
		h[0] = h[m - 1];
		sift(h, m - 1, 0, a->order);
	}
	free(h);
	return n;
}

/* ---- merging tables of several nodes (vigil flows --node) ---- */

int query_agg_merge(struct query_agg *a, const struct query_agg_entry *e)
{
	bool narrow = !a->addr_key || memcmp(e->key.b, v4_prefix, 12) == 0;
	int64_t *first, *last;
	uint64_t *flows, *packets, *bytes;
	int32_t *proto;

	if (narrow) {
		uint32_t k = query_agg_key_u32(e);
		struct slot4 *s = lookup4(a, k, hash4(k));
		if (!s) {
			a->dropped += e->flows;
			return VIGIL_ELIMIT;
		}
		first = &s->first, last = &s->last, flows = &s->flows, packets = &s->packets;
		bytes = &s->bytes, proto = &s->proto;
	} else {
		uint64_t x, y;
		memcpy(&x, e->key.b, 8);
		memcpy(&y, e->key.b + 8, 8);
		struct slot *s = lookup(a, x, y, hash_key(x, y));
		if (!s) {
			a->dropped += e->flows;
			return VIGIL_ELIMIT;
		}
		first = &s->first, last = &s->last, flows = &s->flows, packets = &s->packets;
		bytes = &s->bytes, proto = &s->proto;
	}
	*flows += e->flows;
	*packets += e->packets;
	*bytes += e->bytes;
	if (e->first_ms < *first)
		*first = e->first_ms;
	if (e->last_ms > *last)
		*last = e->last_ms;
	if (*proto == -2)
		*proto = e->proto;
	else if (*proto != e->proto)
		*proto = -1;
	return 0;
}

void query_agg_merge_totals(struct query_agg *a, uint64_t flows, uint64_t packets, uint64_t bytes)
{
	a->tflows += flows;
	a->tpackets += packets;
	a->tbytes += bytes;
}

void query_agg_each(const struct query_agg *a, void (*fn)(void *ctx, const struct query_agg_entry *e),
		    void *ctx)
{
	struct query_agg_entry e;

	for (size_t i = 0; i < a->cap; i++) {
		const struct slot *s = &a->slots[i];
		if (!s->used)
			continue;
		slot_entry(s, &e);
		fn(ctx, &e);
	}
	for (size_t i = 0; i < a->cap4; i++) {
		const struct slot4 *s = &a->s4[i];
		if (!s->flows)
			continue;
		slot4_counts(s, &e);
		slot4_key(a, s, &e);
		fn(ctx, &e);
	}
}
