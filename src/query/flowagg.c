/*
 * flowagg.c - nfdump's flow aggregation: -a (the 5-tuple), -A KEY,... (any
 * list of record fields, addresses optionally masked: srcip4/24) and -b/-B
 * (bidirectional: a flow and its reverse join one record with in and out
 * counters). Records are kept in first-seen order in one array; an open-
 * addressing table of indices (the probing and mixing of agg.c) finds them.
 *
 * As nfdump: with -A a record shows only its key fields (the rest zero);
 * with -a, -b and -B it keeps the first flow's other fields, TCP flags too.
 */
#include "query/query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/recfmt.h"
#include "util/err.h"

/* The fields a record can be keyed by (padding zeroed: keys compare with memcmp). */
struct akey {
	struct vaddr src, dst, nexthop, exporter, xsrc, xdst;
	uint32_t src_as, dst_as, in_if, out_if;
	uint16_t sport, dport, xsport, xdport;
	uint8_t proto, tos, src_mask, dst_mask;
};

struct arec {
	struct akey key;
	struct qrec rec;
};

struct query_flowagg {
	struct query_aggspec spec;
	struct arec *recs;
	size_t n, cap;
	uint32_t *table;             /* index + 1; 0 = empty */
	size_t tcap;
	size_t max;
};

static const struct {
	const char *name;
	uint32_t bit;
	const char *tok;             /* the -o fmt token nfdump's automatic format shows */
} fields[] = {
	{ "srcip", QAGG_SRCIP, "%sa" }, { "dstip", QAGG_DSTIP, "%da" },
	{ "srcport", QAGG_SRCPORT, "%sp" }, { "dstport", QAGG_DSTPORT, "%dp" },
	{ "proto", QAGG_PROTO, "%pr" }, { "srcas", QAGG_SRCAS, "%sas" }, { "dstas", QAGG_DSTAS, "%das" },
	{ "inif", QAGG_INIF, "%in" }, { "outif", QAGG_OUTIF, "%out" }, { "next", QAGG_NEXT, "%nh" },
	{ "router", QAGG_ROUTER, "%ra" }, { "tos", QAGG_TOS, "%tos" }, { "srctos", QAGG_TOS, "%tos" },
	{ "srcnet", QAGG_SRCNET, "%sn" }, { "dstnet", QAGG_DSTNET, "%dn" },
	{ "srcmask", QAGG_SRCMASK, "%smk" }, { "dstmask", QAGG_DSTMASK, "%dmk" },
	{ "xsrcip", QAGG_XSRCIP, "%xsa" }, { "xdstip", QAGG_XDSTIP, "%xda" },
	{ "xsrcport", QAGG_XSRCPORT, "%xsp" }, { "xdstport", QAGG_XDSTPORT, "%xdp" },
};

/* "srcip4/24" and kin: which side, family, bits. */
static int masked_key(const char *s, size_t n, struct query_aggspec *sp)
{
	char buf[32];
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	bool src = !strncasecmp(buf, "srcip", 5), dst = !strncasecmp(buf, "dstip", 5);
	if (!src && !dst)
		return -1;
	char fam = buf[5];
	if ((fam != '4' && fam != '6') || buf[6] != '/')
		return -1;
	char *end;
	long bits = strtol(buf + 7, &end, 10);
	if (end == buf + 7 || *end || bits < 0 || bits > (fam == '4' ? 32 : 128))
		return -1;
	uint8_t *slot = src ? (fam == '4' ? &sp->src_bits4 : &sp->src_bits6)
			    : (fam == '4' ? &sp->dst_bits4 : &sp->dst_bits6);
	*slot = (uint8_t)bits;
	sp->fields |= src ? QAGG_SRCIP : QAGG_DSTIP;
	sp->order_tok[sp->ntok++] = src ? "%sa" : "%da";
	return 0;
}

int query_aggspec_parse(const char *s, struct query_aggspec *sp, char *err, size_t errlen)
{
	if (!sp->fields) {
		sp->src_bits4 = sp->dst_bits4 = 32;
		sp->src_bits6 = sp->dst_bits6 = 128;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		bool ok = false;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strlen(fields[i].name) == n && !strncasecmp(s, fields[i].name, n)) {
				if (!(sp->fields & fields[i].bit) && sp->ntok < QAGG_MAX_TOKS)
					sp->order_tok[sp->ntok++] = fields[i].tok;
				sp->fields |= fields[i].bit;
				ok = true;
			}
		if (!ok && sp->ntok < QAGG_MAX_TOKS && masked_key(s, n, sp) == 0)
			ok = true;
		if (!ok) {
			snprintf(err, errlen, "-A: unknown aggregation key '%.*s' (srcip dstip srcport dstport "
					      "proto srcip4/N dstip4/N srcip6/N dstip6/N srcnet dstnet srcas dstas "
					      "inif outif next router tos srcmask dstmask xsrcip xdstip xsrcport "
					      "xdstport)", (int)(n > 64 ? 64 : n), s);
			return VIGIL_EINVAL;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

size_t query_aggspec_format(const struct query_aggspec *sp, char *buf, size_t size)
{
	/* nfdump's spacing: two blanks around the keys */
	size_t len = (size_t)snprintf(buf, size, "%%ts %%td ");
	for (size_t i = 0; i < sp->ntok && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, " %s", sp->order_tok[i]);
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "  %%pkt %%byt %%bps %%bpp %%fl");
	return len;
}

uint64_t query_aggspec_columns(const struct query_aggspec *sp)
{
	uint64_t m = 1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST | 1ULL << FLOW_COL_PACKETS |
		     1ULL << FLOW_COL_BYTES;
	uint32_t f = sp->bidir || !sp->fields ? QAGG_5TUPLE : sp->fields;
	if (f & QAGG_SRCIP) m |= 1ULL << FLOW_COL_SRC;
	if (f & QAGG_DSTIP) m |= 1ULL << FLOW_COL_DST;
	if (f & QAGG_SRCPORT) m |= 1ULL << FLOW_COL_SPORT;
	if (f & QAGG_DSTPORT) m |= 1ULL << FLOW_COL_DPORT;
	if (f & QAGG_PROTO) m |= 1ULL << FLOW_COL_PROTO;
	if (f & QAGG_SRCAS) m |= 1ULL << FLOW_COL_SRC_AS;
	if (f & QAGG_DSTAS) m |= 1ULL << FLOW_COL_DST_AS;
	if (f & QAGG_INIF) m |= 1ULL << FLOW_COL_IN_IF;
	if (f & QAGG_OUTIF) m |= 1ULL << FLOW_COL_OUT_IF;
	if (f & QAGG_NEXT) m |= 1ULL << FLOW_COL_NEXTHOP;
	if (f & QAGG_ROUTER) m |= 1ULL << FLOW_COL_EXPORTER;
	if (f & QAGG_TOS) m |= 1ULL << FLOW_COL_TOS;
	if (f & (QAGG_SRCNET | QAGG_SRCMASK)) m |= 1ULL << FLOW_COL_SRC | 1ULL << FLOW_COL_SRC_MASK;
	if (f & (QAGG_DSTNET | QAGG_DSTMASK)) m |= 1ULL << FLOW_COL_DST | 1ULL << FLOW_COL_DST_MASK;
	if (f & QAGG_XSRCIP) m |= 1ULL << FLOW_COL_XSRC;
	if (f & QAGG_XDSTIP) m |= 1ULL << FLOW_COL_XDST;
	if (f & QAGG_XSRCPORT) m |= 1ULL << FLOW_COL_XSPORT;
	if (f & QAGG_XDSTPORT) m |= 1ULL << FLOW_COL_XDPORT;
	if (!sp->fields)
		m |= (1ULL << FLOW_NCOLS) - 1; /* -a, -b, -B keep the first flow's fields */
	return m;
}

struct query_flowagg *query_flowagg_new(const struct query_aggspec *sp, size_t max)
{
	struct query_flowagg *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->spec = *sp;
	if (!a->spec.fields) {
		a->spec.src_bits4 = a->spec.dst_bits4 = 32;
		a->spec.src_bits6 = a->spec.dst_bits6 = 128;
	}
	a->max = max ? max : QUERY_AGG_MAX_KEYS;
	a->tcap = 1024;
	a->table = calloc(a->tcap, sizeof(*a->table));
	if (!a->table) {
		free(a);
		return NULL;
	}
	return a;
}

void query_flowagg_free(struct query_flowagg *a)
{
	if (!a)
		return;
	free(a->recs);
	free(a->table);
	free(a);
}

static void mask_addr(struct vaddr *a, unsigned bits4, unsigned bits6)
{
	unsigned base = addr_is_v4(a) ? 96 : 0, bits = addr_is_v4(a) ? bits4 : bits6;
	for (unsigned b = base + bits; b < 128; b++)
		a->b[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

static void make_key(const struct query_flowagg *a, const struct flow *f, struct akey *k)
{
	const struct query_aggspec *sp = &a->spec;
	uint32_t m = sp->fields && !sp->bidir ? sp->fields : QAGG_5TUPLE;

	memset(k, 0, sizeof(*k));
	if (m & QAGG_SRCIP) {
		k->src = f->src;
		mask_addr(&k->src, sp->src_bits4, sp->src_bits6);
	}
	if (m & QAGG_DSTIP) {
		k->dst = f->dst;
		mask_addr(&k->dst, sp->dst_bits4, sp->dst_bits6);
	}
	if (m & QAGG_SRCNET) {
		k->src = f->src;
		mask_addr(&k->src, f->src_mask, f->src_mask);
		k->src_mask = f->src_mask;
	}
	if (m & QAGG_DSTNET) {
		k->dst = f->dst;
		mask_addr(&k->dst, f->dst_mask, f->dst_mask);
		k->dst_mask = f->dst_mask;
	}
	if (m & QAGG_SRCPORT) k->sport = f->sport;
	if (m & QAGG_DSTPORT) k->dport = f->dport;
	if (m & QAGG_PROTO) k->proto = f->proto;
	if (m & QAGG_SRCAS) k->src_as = f->src_as;
	if (m & QAGG_DSTAS) k->dst_as = f->dst_as;
	if (m & QAGG_INIF) k->in_if = f->in_if;
	if (m & QAGG_OUTIF) k->out_if = f->out_if;
	if (m & QAGG_NEXT) k->nexthop = f->nexthop;
	if (m & QAGG_ROUTER) k->exporter = f->exporter;
	if (m & QAGG_TOS) k->tos = f->tos;
	if (m & QAGG_SRCMASK) k->src_mask = f->src_mask;
	if (m & QAGG_DSTMASK) k->dst_mask = f->dst_mask;
	if (m & QAGG_XSRCIP) k->xsrc = f->xsrc;
	if (m & QAGG_XDSTIP) k->xdst = f->xdst;
	if (m & QAGG_XSRCPORT) k->xsport = f->xsport;
	if (m & QAGG_XDSTPORT) k->xdport = f->xdport;
}

static uint64_t key_hash(const struct akey *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i + 8 <= sizeof(*k); i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (size_t i = sizeof(*k) / 8 * 8; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	return h;
}

/* Index of k's record, or -1 (with *slot the free slot to use). */
static long find(const struct query_flowagg *a, const struct akey *k, size_t *slot)
{
	size_t mask = a->tcap - 1, h = (size_t)key_hash(k) & mask;
	for (;;) {
		uint32_t v = a->table[h];
		if (!v) {
			*slot = h;
			return -1;
		}
		if (!memcmp(&a->recs[v - 1].key, k, sizeof(*k)))
			return (long)v - 1;
		h = (h + 1) & mask;
	}
}

static int grow(struct query_flowagg *a)
{
	size_t nc = a->tcap * 2;
	uint32_t *nt = calloc(nc, sizeof(*nt));
	if (!nt)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		size_t h = (size_t)key_hash(&a->recs[i].key) & (nc - 1);
		while (nt[h])
			h = (h + 1) & (nc - 1);
		nt[h] = (uint32_t)(i + 1);
	}
	free(a->table);
	a->table = nt;
	a->tcap = nc;
	return 0;
}

/* A new record for key k at the free slot; NULL at the cap or out of memory. */
static struct arec *insert(struct query_flowagg *a, const struct akey *k, size_t slot)
{
	if (a->n >= a->max)
		return NULL;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 1024;
		struct arec *nr = realloc(a->recs, nc * sizeof(*nr));
		if (!nr)
			return NULL;
		a->recs = nr;
		a->cap = nc;
	}
	struct arec *r = &a->recs[a->n];
	memset(r, 0, sizeof(*r));
	r->key = *k;
	r->rec.f.first_ms = INT64_MAX;
	r->rec.f.last_ms = INT64_MIN;
	a->table[slot] = (uint32_t)++a->n;
	if ((a->n + 1) * 2 > a->tcap && grow(a) != 0)
		return NULL;
	return r;
}

/* The record a new key shows: its key fields (-A) or the whole flow (-a, -b, -B). */
static void init_rec(const struct query_flowagg *a, struct arec *r, const struct flow *f, bool swap)
{
	struct flow *o = &r->rec.f;
	if (!a->spec.fields) {
		*o = *f;
		if (swap) {
			o->src = f->dst;
			o->dst = f->src;
			o->sport = f->dport;
			o->dport = f->sport;
		}
	} else {
		const struct akey *k = &r->key;
		memset(o, 0, sizeof(*o));
		o->src = k->src;
		o->dst = k->dst;
		if (addr_is_zero(&o->src) || !(a->spec.fields & (QAGG_SRCIP | QAGG_SRCNET)))
			addr_from_v4(&o->src, 0);
		if (addr_is_zero(&o->dst) || !(a->spec.fields & (QAGG_DSTIP | QAGG_DSTNET)))
			addr_from_v4(&o->dst, 0);
		addr_from_v4(&o->nexthop, 0);
		addr_from_v4(&o->exporter, 0);
		addr_from_v4(&o->xsrc, 0);
		addr_from_v4(&o->xdst, 0);
		if (a->spec.fields & QAGG_NEXT) o->nexthop = k->nexthop;
		if (a->spec.fields & QAGG_ROUTER) o->exporter = k->exporter;
		if (a->spec.fields & QAGG_XSRCIP) o->xsrc = k->xsrc;
		if (a->spec.fields & QAGG_XDSTIP) o->xdst = k->xdst;
		o->sport = k->sport;
		o->dport = k->dport;
		o->xsport = k->xsport;
		o->xdport = k->xdport;
		o->proto = k->proto;
		o->tos = k->tos;
		o->src_as = k->src_as;
		o->dst_as = k->dst_as;
		o->in_if = k->in_if;
		o->out_if = k->out_if;
		o->src_mask = k->src_mask;
		o->dst_mask = k->dst_mask;
		if ((a->spec.fields & QAGG_SRCIP) && addr_is_v4(&o->src))
			o->src_mask = a->spec.src_bits4 < 32 ? a->spec.src_bits4 : o->src_mask;
		if ((a->spec.fields & QAGG_DSTIP) && addr_is_v4(&o->dst))
			o->dst_mask = a->spec.dst_bits4 < 32 ? a->spec.dst_bits4 : o->dst_mask;
	}
	o->first_ms = INT64_MAX;
	o->last_ms = INT64_MIN;
	o->packets = o->bytes = 0;
}

static void count(const struct query_flowagg *a, struct arec *r, const struct flow *f, bool reverse)
{
	struct qrec *q = &r->rec;
	if (reverse) {
		q->opackets += f->packets;
		q->obytes += f->bytes;
	} else {
		q->f.packets += f->packets;
		q->f.bytes += f->bytes;
	}
	if (f->first_ms < q->f.first_ms)
		q->f.first_ms = f->first_ms;
	if (f->last_ms > q->f.last_ms)
		q->f.last_ms = f->last_ms;
	q->flows++;
}

static void reverse_key(struct akey *k)
{
	struct vaddr t = k->src;
	uint16_t p = k->sport;
	k->src = k->dst;
	k->dst = t;
	k->sport = k->dport;
	k->dport = p;
}

int query_flowagg_add(struct query_flowagg *a, const struct flow *f)
{
	struct akey k;
	size_t slot;
	long i;

	make_key(a, f, &k);
	if ((i = find(a, &k, &slot)) >= 0) {
		count(a, &a->recs[i], f, false);
		return 0;
	}
	if (a->spec.bidir) {
		struct akey rk = k;
		size_t rslot;
		reverse_key(&rk);
		if ((i = find(a, &rk, &rslot)) >= 0) {
			count(a, &a->recs[i], f, true);
			return 0;
		}
		/* -B: a TCP or UDP flow from the lower port to the higher one is a
		 * server's answer: the record starts at the client (as nfdump). */
		if (a->spec.bidir == 2 && (f->proto == 6 || f->proto == 17) && f->sport < f->dport) {
			struct arec *r = insert(a, &rk, rslot);
			if (!r)
				return VIGIL_ELIMIT;
			init_rec(a, r, f, true);
			count(a, r, f, true);
			return 0;
		}
	}
	struct arec *r = insert(a, &k, slot);
	if (!r)
		return VIGIL_ELIMIT;
	init_rec(a, r, f, false);
	count(a, r, f, false);
	return 0;
}

size_t query_flowagg_count(const struct query_flowagg *a) { return a->n; }

const struct qrec *query_flowagg_rec(const struct query_flowagg *a, size_t i) { return &a->recs[i].rec; }
