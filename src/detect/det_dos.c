/*
 * det_dos.c - denial of service against the constituency and from it:
 *  - volumetric: per internal destination, packets/bytes/flows per second
 *    over the span it received traffic in the window (at least
 *    dos_min_span), against thresholds;
 *  - reflection: many outside hosts sending from amplification ports
 *    (53, 123, 19, 161, 389, 1900, 11211 ...) with large packets to one
 *    internal victim that did not ask (few requests from it to those ports);
 *  - internal amplifiers (kind "amplifier"): an internal host answering such
 *    a service to one outside host with far more bytes than it got.
 * One event per victim: reflection when it applies, else volumetric.
 *
 * Under 1:N packet sampling packets and bytes are estimated (seen x N) and so
 * are the packet and bit rates and the amplifier's byte ratio; flows (and
 * flows/s) and distinct sources are what the sample shows: a sampled record
 * may stand for one flow of a packet or a session of thousands, and a
 * source sending many packets is seen anyway, so these are lower bounds.
 *
 * [detect] keys: dos_pps (20000), dos_bps (1G), dos_fps (2000),
 * dos_min_span (60 s), dos_min_packets (1000), refl_min_sources (20),
 * refl_min_bpp (300), refl_min_bytes (1M), amp_ports (17,19,53,69,111,123,
 * 137,161,389,520,1900,3283,3702,5353,11211), amp_min_bytes (10M),
 * amp_min_bpp (200), amp_min_ratio (5), dos_max_keys (131072).
 */
#include "detect/detect_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vkey {
	struct vaddr host;
};

/* Every inbound flow updates the first two cache lines (tag to proto); the
 * amplification-port part after them only for UDP from such ports. */
struct vict {
	_Alignas(64) uint64_t tag; /* a whole number of cache lines (256 bytes) */
	struct vkey k;
	struct dcount srcs;
	uint64_t flows, packets, bytes;
	int64_t first, last;
	uint32_t n;
	uint16_t port;
	uint8_t multi_port, proto;
	struct dcount amp_srcs;
	uint64_t amp_flows, amp_packets, amp_bytes, req_flows;
	uint16_t amp_port;
};

struct akey {
	struct vaddr host, peer;
	uint16_t port, pad;
};

struct ampl {
	uint64_t tag;
	struct akey k;
	uint64_t flows, packets, bytes, in_packets, in_bytes;
	int64_t first, last;
	uint32_t n;
};

struct dos {
	struct htab v, a;
	struct dpool pool;
	uint8_t amp[65536 / 8];
	double pps, bps, fps, min_span, min_packets;
	double refl_sources, refl_bpp, refl_bytes;
	double amp_bytes, amp_bpp, amp_ratio;
};

static void dos_free(void *st)
{
	struct dos *s = st;

	if (!s)
		return;
	htab_free(&s->v);
	htab_free(&s->a);
	dpool_free(&s->pool);
	free(s);
}

static bool is_amp(const struct dos *s, uint16_t port)
{
	return s->amp[port >> 3] & (1u << (port & 7));
}

static int dos_init(struct detect *d, const struct conf *c, void **st, char *err, size_t errlen)
{
	struct dos *s = calloc(1, sizeof(*s));
	size_t max = (size_t)detect_conf_num(c, "dos_max_keys", 131072);
	const char *ports = conf_get(c, "detect", "amp_ports",
				     "17,19,53,69,111,123,137,161,389,520,1900,3283,3702,5353,11211");
	char tmp[512], *p;
	int rc = VIGIL_ENOMEM;

	(void)d;
	if (!s)
		goto out;
	s->pps = detect_conf_num(c, "dos_pps", 20000);
	s->bps = detect_conf_num(c, "dos_bps", 1e9);
	s->fps = detect_conf_num(c, "dos_fps", 2000);
	s->min_span = detect_conf_num(c, "dos_min_span", 60);
	s->min_packets = detect_conf_num(c, "dos_min_packets", 1000);
	s->refl_sources = detect_conf_num(c, "refl_min_sources", 20);
	s->refl_bpp = detect_conf_num(c, "refl_min_bpp", 300);
	s->refl_bytes = detect_conf_num(c, "refl_min_bytes", 1e6);
	s->amp_bytes = detect_conf_num(c, "amp_min_bytes", 10e6);
	s->amp_bpp = detect_conf_num(c, "amp_min_bpp", 200);
	s->amp_ratio = detect_conf_num(c, "amp_min_ratio", 5);
	if (s->min_span < 1)
		s->min_span = 1;
	if (htab_init(&s->v, sizeof(struct vkey), sizeof(struct vict), max ? max : 1) < 0 ||
	    htab_init(&s->a, sizeof(struct akey), sizeof(struct ampl), max ? max : 1) < 0 ||
	    dpool_init(&s->pool, (uint32_t)detect_conf_num(c, "dos_sketches", 32768), DC_HLL_BITS_SMALL) < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s", ports);
	for (p = tmp; *p;) {
		uint16_t port;
		uint8_t proto;
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (p[n])
			p[n++] = '\0';
		if (detect_parse_portproto(p, &port, &proto, 17) < 0) {
			snprintf(err, errlen, "amp_ports: not a port: %s", p);
			rc = VIGIL_EINVAL;
			goto out;
		}
		s->amp[port >> 3] |= (uint8_t)(1u << (port & 7));
		p += n;
	}
	*st = s;
	s = NULL;
	rc = 0;
out:
	if (rc == VIGIL_ENOMEM)
		snprintf(err, errlen, "out of memory for the dos tables");
	dos_free(s);
	return rc;
}

static struct vict *victim(struct dos *s, struct detect *d, const struct vaddr *a, uint64_t ha,
			   const struct flow *f)
{
	struct vkey k;
	struct vict *v;
	bool created;

	k.host = *a;
	v = htab_get16(&s->v, &k, ha, &created);
	if (!v) {
		detect_count_overflow(d);
		return NULL;
	}
	if (created) {
		v->first = f->first_ms;
		v->last = f->last_ms;
	}
	return v;
}

static struct ampl *amplifier(struct dos *s, struct detect *d, const struct vaddr *host, uint64_t hh,
			      const struct vaddr *peer, uint64_t hp, uint16_t port,
			      const struct flow *f)
{
	struct akey k;
	struct ampl *a;
	bool created;

	memset(&k, 0, sizeof(k));
	k.host = *host;
	k.peer = *peer;
	k.port = port;
	a = htab_get(&s->a, &k, hh ^ (hp * 3 + port), &created);
	if (!a) {
		detect_count_overflow(d);
		return NULL;
	}
	if (created) {
		a->first = f->first_ms;
		a->last = f->last_ms;
	}
	return a;
}

/* The victim entry feed updates for df (host and its hash), if any: the
 * destination of inbound flows, the source of UDP requests from inside to an
 * amplification port. */
static inline bool dos_victim_of(const struct dos *s, const struct dflow *df,
				 const struct vaddr **host, uint64_t *h)
{
	if (df->dst_in && !df->src_in) {
		*host = &df->f->dst;
		*h = df->hdst;
		return true;
	}
	if (df->src_in && !df->dst_in && df->f->proto == 17 && is_amp(s, df->f->dport)) {
		*host = &df->f->src;
		*h = df->hsrc;
		return true;
	}
	return false;
}

static inline void dos_prefetch_one(void *st, struct dflow *df, int stage)
{
	const struct dos *s = st;
	const struct vaddr *host;
	struct vict *v;
	struct vkey k;
	uint64_t h;

	if (!dos_victim_of(s, df, &host, &h))
		return;
	if (stage == 0) {
		htab_prefetch(&s->v, h);
		return;
	}
	if (stage == 1) {
		htab_prefetch_entry(&s->v, h);
		return;
	}
	k.host = *host;
	v = htab_find16(&s->v, &k, h);
	df->dos_ent = v;
	if (v && df->dst_in)
		dc_prefetch(&v->srcs, &s->pool, df->hsrc);
}

static void dos_prefetch(void *st, struct dflow *df, size_t n, int stage)
{
	for (size_t i = 0; i < n; i++)
		dos_prefetch_one(st, &df[i], stage);
}

static inline void dos_feed_one(void *st, struct detect *d, const struct dflow *df)
{
	struct dos *s = st;
	const struct flow *f = df->f;
	uint64_t pk = f->packets * df->n, by = f->bytes * df->n;
	struct vict *v;
	struct ampl *a;

	if (df->src_in && !df->dst_in) {
		if (f->proto != 17)
			return;
		if (is_amp(s, f->dport)) {
			/* a request from inside: the host asked for its answers */
			v = df->dos_ent ? df->dos_ent : victim(s, d, &f->src, df->hsrc, f);
			if (v)
				v->req_flows++;
		}
		if (is_amp(s, f->sport) && (a = amplifier(s, d, &f->src, df->hsrc, &f->dst, df->hdst, f->sport, f))) {
			a->flows++;
			a->packets += pk;
			a->bytes += by;
			if (f->first_ms < a->first)
				a->first = f->first_ms;
			if (f->last_ms > a->last)
				a->last = f->last_ms;
			if (df->n > a->n)
				a->n = df->n;
		}
		return;
	}
	if (!df->dst_in || df->src_in)
		return;
	v = df->dos_ent ? df->dos_ent : victim(s, d, &f->dst, df->hdst, f);
	if (!v)
		return;
	if (v->flows == 0) {
		v->port = f->dport;
		v->proto = f->proto;
	} else if (v->port != f->dport || v->proto != f->proto) {
		v->multi_port = 1;
	}
	v->flows++;
	v->packets += pk;
	v->bytes += by;
	if (f->first_ms < v->first)
		v->first = f->first_ms;
	if (f->last_ms > v->last)
		v->last = f->last_ms;
	if (df->n > v->n)
		v->n = df->n;
	if (!dc_add(&v->srcs, &s->pool, df->hsrc))
		detect_count_overflow(d);
	if (f->proto == 17 && is_amp(s, f->sport)) {
		if (v->amp_flows == 0)
			v->amp_port = f->sport;
		v->amp_flows++;
		v->amp_packets += pk;
		v->amp_bytes += by;
		if (!dc_add(&v->amp_srcs, &s->pool, df->hsrc))
			detect_count_overflow(d);
	}
	if (f->proto == 17 && is_amp(s, f->dport)) {
		/* a request to an internal service: the amplifier's input */
		a = amplifier(s, d, &f->dst, df->hdst, &f->src, df->hsrc, f->dport, f);
		if (a) {
			a->in_packets += pk;
			a->in_bytes += by;
		}
	}
}

static void dos_feed(void *st, struct detect *d, const struct dflow *df, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dos_feed_one(st, d, &df[i]);
}

static bool emit_reflection(struct dos *s, struct detect *d, const struct vict *v)
{
	uint64_t srcs = dc_estimate(&v->amp_srcs, &s->pool);
	double bpp = v->amp_packets ? (double)v->amp_bytes / (double)v->amp_packets : 0;
	char h[ADDR_STRLEN], by[24], win[16], es[64], num[32];
	struct event e;

	if (!v->amp_flows || (double)srcs < s->refl_sources || bpp < s->refl_bpp ||
	    (double)v->amp_bytes < s->refl_bytes || v->req_flows * 4 > v->amp_flows)
		return false;
	if (srcs > v->amp_flows)
		srcs = v->amp_flows;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "dos");
	e.host = v->k.host;
	snprintf(e.role, sizeof(e.role), "destination");
	e.port = v->amp_port;
	e.proto = 17;
	e.first_ms = v->first;
	e.last_ms = v->last;
	e.distinct = (int64_t)srcs;
	e.score = (double)v->amp_bytes / 1e6;
	detect_event_counts(&e, v->amp_flows, v->amp_packets, v->amp_bytes, v->n);
	addr_format(&v->k.host, h);
	snprintf(e.why, sizeof(e.why),
		 "reflection attack: %s received %s packets (%s, %.0f bytes/packet)%s from %llu "
		 "distinct hosts%s sending from %u/udp in %s, having sent %llu requests%s",
		 h, detect_count_text(v->amp_packets, v->n, num, sizeof(num)),
		 detect_bytes_text(v->amp_bytes, v->n, by, sizeof(by)), bpp,
		 detect_estimate_text(v->n, es, sizeof(es)), (unsigned long long)srcs,
		 detect_seen_text(v->n), v->amp_port, detect_window_text(d, win, sizeof(win)),
		 (unsigned long long)v->req_flows, detect_seen_text(v->n));
	detect_event_query(d, &e, "dst ip %s and proto udp and src port %u", h, v->amp_port);
	detect_emit(d, &e);
	return true;
}

static void emit_volume(struct dos *s, struct detect *d, const struct vict *v)
{
	double span = (double)(v->last - v->first) / 1000.0;
	double pps, bps, fps;
	uint64_t srcs;
	char h[ADDR_STRLEN], by[24], es[64], pr[16], svc[40], num[32], rate[32];
	struct event e;

	if (span < s->min_span)
		span = s->min_span;
	pps = (double)v->packets / span;
	bps = (double)v->bytes * 8 / span;
	fps = (double)v->flows / span;
	if ((double)v->packets < s->min_packets || (pps < s->pps && bps < s->bps && fps < s->fps))
		return;
	srcs = dc_estimate(&v->srcs, &s->pool);
	if (srcs > v->flows)
		srcs = v->flows;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "dos");
	e.host = v->k.host;
	snprintf(e.role, sizeof(e.role), "destination");
	if (!v->multi_port) {
		e.port = v->port;
		e.proto = v->proto;
	}
	e.first_ms = v->first;
	e.last_ms = v->last;
	e.distinct = (int64_t)srcs;
	e.score = pps;
	detect_event_counts(&e, v->flows, v->packets, v->bytes, v->n);
	addr_format(&v->k.host, h);
	if (v->multi_port)
		snprintf(svc, sizeof(svc), "many ports");
	else
		snprintf(svc, sizeof(svc), "%u/%s", v->port, detect_proto_text(v->proto, pr, sizeof(pr)));
	if (v->n > 1)
		snprintf(e.why, sizeof(e.why),
			 "%s received %s packets/s, ~%.1f Mbit/s (%s packets, %s)%s, %.0f flows/s seen "
			 "on %s from %llu distinct hosts seen over %.0f s",
			 h, detect_count_text((uint64_t)(pps + 0.5), v->n, rate, sizeof(rate)),
			 bps / 1e6, detect_count_text(v->packets, v->n, num, sizeof(num)),
			 detect_bytes_text(v->bytes, v->n, by, sizeof(by)),
			 detect_estimate_text(v->n, es, sizeof(es)), fps, svc,
			 (unsigned long long)srcs, span);
	else
		snprintf(e.why, sizeof(e.why),
			 "%s received %.0f packets/s, %.0f flows/s, %.1f Mbit/s (%llu packets, %s) on %s "
			 "from %llu distinct hosts over %.0f s",
			 h, pps, fps, bps / 1e6, (unsigned long long)v->packets,
			 detect_human_bytes(v->bytes, by, sizeof(by)), svc, (unsigned long long)srcs, span);
	if (v->multi_port)
		detect_event_query(d, &e, "dst ip %s", h);
	else
		detect_event_query(d, &e, "dst ip %s and proto %s and dst port %u", h, pr, v->port);
	detect_emit(d, &e);
}

static void emit_amplifier(struct dos *s, struct detect *d, const struct ampl *a)
{
	double bpp = a->packets ? (double)a->bytes / (double)a->packets : 0;
	double ratio = a->in_bytes ? (double)a->bytes / (double)a->in_bytes : 0;
	char h[ADDR_STRLEN], p[ADDR_STRLEN], by[24], iby[24], win[16], es[64], rs[64], num[32];
	struct event e;

	if ((double)a->bytes < s->amp_bytes || bpp < s->amp_bpp ||
	    (a->in_bytes && ratio < s->amp_ratio))
		return;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "amplifier");
	e.host = a->k.host;
	e.has_peer = true;
	e.peer = a->k.peer;
	snprintf(e.role, sizeof(e.role), "source");
	e.port = a->k.port;
	e.proto = 17;
	e.first_ms = a->first;
	e.last_ms = a->last;
	e.score = (double)a->bytes / 1e6;
	detect_event_counts(&e, a->flows, a->packets, a->bytes, a->n);
	addr_format(&a->k.host, h);
	addr_format(&a->k.peer, p);
	if (a->in_bytes)
		snprintf(rs, sizeof(rs), "%.0fx the %s of requests it received",
			 ratio, detect_bytes_text(a->in_bytes, a->n, iby, sizeof(iby)));
	else
		snprintf(rs, sizeof(rs), "with no requests seen");
	snprintf(e.why, sizeof(e.why),
		 "%s answered %u/udp to %s with %s packets (%s, %.0f bytes/packet) in %s, %s%s: an "
		 "open service used as an amplifier against %s",
		 h, a->k.port, p, detect_count_text(a->packets, a->n, num, sizeof(num)),
		 detect_bytes_text(a->bytes, a->n, by, sizeof(by)), bpp,
		 detect_window_text(d, win, sizeof(win)), rs,
		 detect_estimate_text(a->n, es, sizeof(es)), p);
	detect_event_query(d, &e, "src ip %s and dst ip %s and proto udp and src port %u", h, p,
			   a->k.port);
	detect_emit(d, &e);
}

static void dos_flush(void *st, struct detect *d)
{
	struct dos *s = st;

	for (size_t i = 0; i < s->v.cap; i++) {
		const struct vict *v;

		if (!htab_used(&s->v, i))
			continue;
		v = htab_slot(&s->v, i);
		if (!emit_reflection(s, d, v))
			emit_volume(s, d, v);
	}
	for (size_t i = 0; i < s->a.cap; i++)
		if (htab_used(&s->a, i))
			emit_amplifier(s, d, htab_slot(&s->a, i));
	htab_clear(&s->v);
	htab_clear(&s->a);
	dpool_reset(&s->pool);
}

static size_t dos_memory(const void *st)
{
	const struct dos *s = st;

	return sizeof(*s) + htab_memory(&s->v) + htab_memory(&s->a) +
	       ((size_t)s->pool.cap << s->pool.bits);
}

const struct detector_ops detector_dos = {
	.name = "dos",
	.init = dos_init,
	.prefetch = dos_prefetch,
	.feed = dos_feed,
	.flush = dos_flush,
	.free = dos_free,
	.memory = dos_memory,
};

_Static_assert(sizeof(struct vict) == 256, "vict: four cache lines");
