/*
 * det_scan.c - horizontal scans (one source, many destinations on one port)
 * and vertical scans (one source, many ports of one destination), outbound
 * and inbound. Only probe-like flows are tracked: TCP with SYN and no ACK,
 * UDP flows of at most two exported packets (except ignored ports such as a
 * resolver's 53/udp), ICMP echo requests. Distinct destinations or ports are
 * counted exactly up to DC_EXACT, then in a HyperLogLog from a capped pool.
 * With 1:N sampling a sparse scan (one packet per target) shows about D/N
 * targets; detect_distinct() inverts that (docs/internals/detect.md). Under
 * sampling a UDP record is a probe only with one sampled packet, and the
 * first packet of a session sampled alone looks like a SYN-only probe, so the
 * distinct count seen is first cut to the share of probe records in excess of
 * the key's established records (TCP with ACK, UDP with two or more sampled
 * packets, and UDP answers beyond one a probe; detect_probes()).
 *
 * [detect] keys: scan_horizontal (500), scan_vertical (300),
 * scan_min_observed (10), scan_ignore (53/udp,123/udp,137/udp,5353/udp),
 * scan_max_keys (262144 per kind), scan_sketches (32768).
 */
#include "detect/detect_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IGNORE 32

struct hkey {
	struct vaddr src;
	uint16_t port;
	uint8_t proto, inbound;
};

struct vkey {
	struct vaddr src, dst;
	uint8_t proto, inbound, pad[2];
};

struct sacc {
	struct dcount dc;
	uint64_t flows, packets, bytes;
	int64_t first, last;
	uint32_t n;
	uint32_t probes;     /* probe records seen */
	uint32_t bulk;       /* sampled: records of established traffic of the key */
	uint32_t replies;    /* sampled UDP: records answering the key's source */
	struct vaddr sample; /* one target, for the query of inbound scans */
};

struct hent {
	uint64_t tag;
	struct hkey k;
	struct sacc a;
};

struct vent {
	uint64_t tag;
	struct vkey k;
	struct sacc a;
};

/* sampled traffic: a blocked Bloom filter (two bits in one cache line) of
 * the keys probes made, so that the records of established traffic of all
 * the other keys skip the table lookups (about 1% still look) */
#define SRCMAP_BITS 23
#define SRCMAP_BLOCKS_LOG2 (SRCMAP_BITS - 9) /* 512-bit blocks */

struct scan {
	_Alignas(64) uint8_t srcmap[(1u << SRCMAP_BITS) / 8];
	bool srcmap_used;
	struct htab h, v;
	struct dpool pool;
	double thr_h, thr_v, min_obs;
	uint16_t ign_port[MAX_IGNORE];
	uint8_t ign_proto[MAX_IGNORE];
	size_t nign;
};

static void scan_free(void *st)
{
	struct scan *s = st;

	if (!s)
		return;
	htab_free(&s->h);
	htab_free(&s->v);
	dpool_free(&s->pool);
	free(s);
}

static int scan_init(struct detect *d, const struct conf *c, void **st, char *err, size_t errlen)
{
	/* the filter is cache-line aligned: one line a test */
	struct scan *s = aligned_alloc(64, (sizeof(struct scan) + 63) & ~(size_t)63);
	size_t max = (size_t)detect_conf_num(c, "scan_max_keys", 262144);
	const char *ign = conf_get(c, "detect", "scan_ignore", "53/udp,123/udp,137/udp,5353/udp");
	char tmp[512], *p;
	int rc = VIGIL_ENOMEM;

	(void)d;
	if (!s)
		goto out;
	memset(s, 0, sizeof(*s));
	s->thr_h = detect_conf_num(c, "scan_horizontal", 500);
	s->thr_v = detect_conf_num(c, "scan_vertical", 300);
	s->min_obs = detect_conf_num(c, "scan_min_observed", 10);
	if (htab_init(&s->h, sizeof(struct hkey), sizeof(struct hent), max ? max : 1) < 0 ||
	    htab_init(&s->v, sizeof(struct vkey), sizeof(struct vent), max ? max : 1) < 0 ||
	    dpool_init(&s->pool, (uint32_t)detect_conf_num(c, "scan_sketches", 32768), DC_HLL_BITS) < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s", ign);
	p = tmp;
	while (*p && s->nign < MAX_IGNORE) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (p[n])
			p[n++] = '\0';
		if (detect_parse_portproto(p, &s->ign_port[s->nign], &s->ign_proto[s->nign], 17) < 0) {
			snprintf(err, errlen, "scan_ignore: not PORT/PROTO: %s", p);
			rc = VIGIL_EINVAL;
			goto out;
		}
		s->nign++;
		p += n;
	}
	*st = s;
	s = NULL;
	rc = 0;
out:
	if (rc == VIGIL_ENOMEM)
		snprintf(err, errlen, "out of memory for the scan tables");
	scan_free(s);
	return rc;
}

static bool ignored(const struct scan *s, uint16_t port, uint8_t proto)
{
	for (size_t i = 0; i < s->nign; i++)
		if (s->ign_port[i] == port && s->ign_proto[i] == proto)
			return true;
	return false;
}

static void acc(struct scan *s, struct detect *d, struct sacc *a, bool created,
		const struct dflow *df, uint64_t h)
{
	const struct flow *f = df->f;

	if (created) {
		a->first = f->first_ms;
		a->last = f->last_ms;
		a->sample = f->dst;
	}
	if (!dc_add(&a->dc, &s->pool, h))
		detect_count_overflow(d);
	a->probes++;
	a->flows += df->n;
	a->packets += f->packets * df->n;
	a->bytes += f->bytes * df->n;
	if (f->first_ms < a->first)
		a->first = f->first_ms;
	if (f->last_ms > a->last)
		a->last = f->last_ms;
	if (df->n > a->n)
		a->n = df->n;
}

static inline const uint8_t *srcmap_block(const struct scan *s, uint64_t h)
{
	return s->srcmap + ((size_t)(h >> (64 - SRCMAP_BLOCKS_LOG2)) << 6);
}

static inline bool srcmap_test(const struct scan *s, uint64_t h)
{
	const uint8_t *b = srcmap_block(s, h);
	unsigned i = (unsigned)(h >> 30) & 511, j = (unsigned)(h >> 39) & 511;

	return (b[i >> 3] & (1u << (i & 7))) && (b[j >> 3] & (1u << (j & 7)));
}

static inline void srcmap_set(struct scan *s, uint64_t h)
{
	uint8_t *b = (uint8_t *)srcmap_block(s, h);
	unsigned i = (unsigned)(h >> 30) & 511, j = (unsigned)(h >> 39) & 511;

	b[i >> 3] |= (uint8_t)(1u << (i & 7));
	b[j >> 3] |= (uint8_t)(1u << (j & 7));
	s->srcmap_used = true;
}

static inline void srcmap_prefetch(const struct scan *s, uint64_t h)
{
	__builtin_prefetch(srcmap_block(s, h), 0);
}

/* The table hashes of the keys (source, port, proto) and (source,
 * destination, proto). */
static inline uint64_t hhash(uint64_t hsrc, uint16_t port, uint8_t proto)
{
	return hsrc ^ detect_mix((uint64_t)port << 8 | proto);
}

static inline uint64_t vhash(uint64_t hsrc, uint64_t hdst, uint8_t proto)
{
	return hsrc ^ (hdst * 7 + proto);
}

/* Sampled records that are not probes: established traffic, or UDP that may
 * answer a probe key's source. */
static inline bool sampled_bulk(const struct dflow *df)
{
	const struct flow *f = df->f;

	return df->n > 1 && !df->syn_only &&
	       ((f->proto == 6 && (f->tcp_flags & TCP_ACK)) || (f->proto == 17 && f->packets >= 2));
}

/* Sampled traffic only: a record of established traffic counts against the
 * probes of its keys (only keys a probe already made). */
static void scan_bulk(struct scan *s, const struct dflow *df)
{
	const struct flow *f = df->f;
	uint64_t hh = hhash(df->hsrc, f->dport, f->proto), vh = vhash(df->hsrc, df->hdst, f->proto);
	struct hkey hk;
	struct vkey vk;
	struct hent *he;
	struct vent *ve;

	memset(&hk, 0, sizeof(hk));
	hk.src = f->src;
	hk.port = f->dport;
	hk.proto = f->proto;
	hk.inbound = !df->src_in;
	if (srcmap_test(s, hh) && (he = htab_find(&s->h, &hk, hh)))
		he->a.bulk++;
	memset(&vk, 0, sizeof(vk));
	vk.src = f->src;
	vk.dst = f->dst;
	vk.proto = f->proto;
	vk.inbound = !df->src_in;
	if (srcmap_test(s, vh) && (ve = htab_find(&s->v, &vk, vh)))
		ve->a.bulk++;
}

/* Sampled UDP only: a record from the port a key's source sends to, back to
 * that source (an answer). */
static void scan_reply(struct scan *s, const struct dflow *df)
{
	const struct flow *f = df->f;
	struct hkey hk;
	struct hent *he;

	memset(&hk, 0, sizeof(hk));
	hk.src = f->dst;
	hk.port = f->sport;
	hk.proto = f->proto;
	hk.inbound = !df->dst_in;
	he = htab_find(&s->h, &hk, hhash(df->hdst, f->sport, f->proto));
	if (he)
		he->a.replies++;
}

/* Sampled traffic only (the tables of unsampled traffic are touched by
 * probes alone): stage 0 the key bits of established records, stage 1 the
 * table's probe slots of those whose bits are set, stage 2 their entries. */
static void scan_prefetch(void *st, struct dflow *df, size_t n, int stage)
{
	const struct scan *s = st;

	if (!s->srcmap_used)
		return; /* no sampled probe yet (always so unsampled) */
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = df[i].f;
		uint64_t a, b, c;

		if (df[i].n <= 1)
			continue;
		a = hhash(df[i].hsrc, f->dport, f->proto);
		b = vhash(df[i].hsrc, df[i].hdst, f->proto);
		c = hhash(df[i].hdst, f->sport, f->proto);
		if (stage == 0) {
			if (sampled_bulk(&df[i])) {
				srcmap_prefetch(s, a);
				srcmap_prefetch(s, b);
			}
			if (f->proto == 17)
				srcmap_prefetch(s, c);
			continue;
		}
		if (sampled_bulk(&df[i])) {
			if (srcmap_test(s, a))
				stage == 1 ? htab_prefetch(&s->h, a) : htab_prefetch_entry(&s->h, a);
			if (srcmap_test(s, b))
				stage == 1 ? htab_prefetch(&s->v, b) : htab_prefetch_entry(&s->v, b);
		}
		if (f->proto == 17 && srcmap_test(s, c))
			stage == 1 ? htab_prefetch(&s->h, c) : htab_prefetch_entry(&s->h, c);
	}
}

static inline void scan_feed_one(void *st, struct detect *d, const struct dflow *df)
{
	struct scan *s = st;
	const struct flow *f = df->f;
	uint16_t port = f->dport;
	struct hkey hk;
	struct vkey vk;
	bool created;
	void *e;

	if (df->n > 1 && f->proto == 17 && srcmap_test(s, hhash(df->hdst, f->sport, f->proto)))
		scan_reply(s, df);
	if (df->syn_only) {
		/* a probe */
	} else if (sampled_bulk(df)) {
		if (s->srcmap_used)
			scan_bulk(s, df);
		return;
	} else if (f->proto == 17 && f->packets <= 2) {
		if (ignored(s, f->dport, 17) || ignored(s, f->sport, 17))
			return;
	} else if ((f->proto == 1 || f->proto == 58) && (f->dport >> 8) == (f->proto == 1 ? 8 : 128)) {
		port = 0; /* echo request: a ping sweep */
	} else {
		return;
	}
	if (detect_is_allowed(d, &f->src))
		return;
	memset(&hk, 0, sizeof(hk));
	hk.src = f->src;
	hk.port = port;
	hk.proto = f->proto;
	hk.inbound = !df->src_in;
	e = htab_get(&s->h, &hk, hhash(df->hsrc, port, f->proto), &created);
	if (e && df->n > 1)
		srcmap_set(s, hhash(df->hsrc, port, f->proto));
	if (e)
		acc(s, d, &((struct hent *)e)->a, created, df, df->hdst);
	else
		detect_count_overflow(d);
	if (port == 0 && f->proto != 6 && f->proto != 17)
		return;
	memset(&vk, 0, sizeof(vk));
	vk.src = f->src;
	vk.dst = f->dst;
	vk.proto = f->proto;
	vk.inbound = !df->src_in;
	e = htab_get(&s->v, &vk, vhash(df->hsrc, df->hdst, f->proto), &created);
	if (e && df->n > 1)
		srcmap_set(s, vhash(df->hsrc, df->hdst, f->proto));
	if (e)
		acc(s, d, &((struct vent *)e)->a, created, df, detect_mix(0x5eed0000ull + f->dport));
	else
		detect_count_overflow(d);
}

static void scan_feed(void *st, struct detect *d, const struct dflow *df, size_t n)
{
	for (size_t i = 0; i < n; i++)
		scan_feed_one(st, d, &df[i]);
}

/* " (est. from 1:N sampling: K seen)" or "" */
static const char *seen_text(uint32_t n, uint64_t seen, char *buf, size_t len)
{
	if (n > 1)
		snprintf(buf, len, " (est. from 1:%u sampling: %llu seen)", n, (unsigned long long)seen);
	else
		buf[0] = '\0';
	return buf;
}

/* Distinct targets (ports) of the real traffic; *observed gets the distinct
 * probed values seen that are taken for probes, *flows the probe flows. */
static uint64_t estimate(const struct scan *s, const struct sacc *a, uint64_t *observed,
			 uint64_t *flows)
{
	uint64_t seen = dc_estimate(&a->dc, &s->pool), pk = a->packets;

	*flows = a->flows;
	if (a->n > 1 && a->probes) {
		/* a probe gets at most about one answer for each: answers beyond
		 * that are a conversation's (e.g. QUIC), not a scan's */
		uint64_t bulk = a->bulk + (a->replies > a->probes ? a->replies - a->probes : 0);
		double share = (double)detect_probes(a->probes, bulk, a->n) / a->probes;

		seen = (uint64_t)((double)seen * share + 0.5);
		pk = (uint64_t)((double)pk * share + 0.5);
		*flows = (uint64_t)((double)*flows * share + 0.5);
	}
	*observed = seen;
	return detect_distinct(seen, pk, a->n);
}

static void emit_h(struct scan *s, struct detect *d, const struct hent *h)
{
	struct event e;
	uint64_t obs, flows, est = estimate(s, &h->a, &obs, &flows);
	char src[ADDR_STRLEN], win[16], pr[16], es[64], svc[32], num[32];

	if ((double)est < s->thr_h || (double)obs < s->min_obs)
		return;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "scan");
	e.host = h->k.src;
	snprintf(e.role, sizeof(e.role), "source");
	e.proto = h->k.proto;
	if (h->k.port || h->k.proto == 6 || h->k.proto == 17)
		e.port = h->k.port;
	e.first_ms = h->a.first;
	e.last_ms = h->a.last;
	e.distinct = (int64_t)est;
	e.score = (double)est;
	detect_event_counts(&e, flows, h->a.packets, h->a.bytes, h->a.n);
	addr_format(&h->k.src, src);
	detect_proto_text(h->k.proto, pr, sizeof(pr));
	if (e.port >= 0)
		snprintf(svc, sizeof(svc), "%u/%s", h->k.port, pr);
	else
		snprintf(svc, sizeof(svc), "%s echo", pr);
	snprintf(e.why, sizeof(e.why), "%s %s %s distinct hosts %son %s in %s%s, with %s flows",
		 src, h->k.inbound ? "(outside) probed" : "contacted",
		 detect_count_text(est, h->a.n, num, sizeof(num)),
		 h->k.inbound ? "of the constituency " : "", svc,
		 detect_window_text(d, win, sizeof(win)), seen_text(h->a.n, obs, es, sizeof(es)),
		 h->k.proto == 6 ? "SYN-only" : "one- or two-packet");
	if (e.port >= 0)
		detect_event_query(d, &e, "src ip %s and proto %s and dst port %u", src, pr, h->k.port);
	else
		detect_event_query(d, &e, "src ip %s and proto %s", src, pr);
	detect_emit(d, &e);
}

static void emit_v(struct scan *s, struct detect *d, const struct vent *v)
{
	struct event e;
	uint64_t obs, flows, est = estimate(s, &v->a, &obs, &flows);
	char src[ADDR_STRLEN], dst[ADDR_STRLEN], win[16], pr[16], es[64], num[32];

	if ((double)est < s->thr_v || (double)obs < s->min_obs)
		return;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "portscan");
	/* the internal host: the scanner when outbound, the target when inbound */
	e.host = v->k.inbound ? v->k.dst : v->k.src;
	e.has_peer = true;
	e.peer = v->k.inbound ? v->k.src : v->k.dst;
	snprintf(e.role, sizeof(e.role), "%s", v->k.inbound ? "destination" : "source");
	e.proto = v->k.proto;
	e.first_ms = v->a.first;
	e.last_ms = v->a.last;
	e.distinct = (int64_t)est;
	e.score = (double)est;
	detect_event_counts(&e, flows, v->a.packets, v->a.bytes, v->a.n);
	addr_format(&v->k.src, src);
	addr_format(&v->k.dst, dst);
	detect_proto_text(v->k.proto, pr, sizeof(pr));
	snprintf(e.why, sizeof(e.why), "%s probed %s distinct %s ports of %s in %s%s, with %s flows",
		 src, detect_count_text(est, v->a.n, num, sizeof(num)), pr, dst,
		 detect_window_text(d, win, sizeof(win)), seen_text(v->a.n, obs, es, sizeof(es)),
		 v->k.proto == 6 ? "SYN-only" : "one- or two-packet");
	detect_event_query(d, &e, "src ip %s and dst ip %s and proto %s", src, dst, pr);
	detect_emit(d, &e);
}

static void scan_flush(void *st, struct detect *d)
{
	struct scan *s = st;

	for (size_t i = 0; i < s->h.cap; i++)
		if (htab_used(&s->h, i))
			emit_h(s, d, htab_slot(&s->h, i));
	for (size_t i = 0; i < s->v.cap; i++)
		if (htab_used(&s->v, i))
			emit_v(s, d, htab_slot(&s->v, i));
	htab_clear(&s->h);
	htab_clear(&s->v);
	dpool_reset(&s->pool);
	if (s->srcmap_used)
		memset(s->srcmap, 0, sizeof(s->srcmap));
	s->srcmap_used = false;
}

static size_t scan_memory(const void *st)
{
	const struct scan *s = st;

	return sizeof(*s) + htab_memory(&s->h) + htab_memory(&s->v) +
	       ((size_t)s->pool.cap << s->pool.bits);
}

const struct detector_ops detector_scan = {
	.name = "scan",
	.init = scan_init,
	.prefetch = scan_prefetch,
	.feed = scan_feed,
	.flush = scan_flush,
	.free = scan_free,
	.memory = scan_memory,
};
