/*
 * det_score.c - a weighted score per internal host and window, in the
 * JANET CSIRT's manner: every flow crossing the boundary adds the weight of
 * its service (dst port/proto; commonly exploited services weigh most), an
 * outbound SYN-only flow adds score_syn, a flow with a listed peer adds
 * score_list, inbound flows count at score_inbound of their service weight,
 * and the host's fan-out (distinct outside peers) adds score_fanout x log2.
 * Hosts at or over score_threshold are reported with their top factors.
 *
 * Under 1:N packet sampling a record may stand for one probe of N or for one
 * long session, so flows are counted as seen (never multiplied by N): the
 * weighted services, list hits, inbound flows and the fan-out (distinct peers
 * seen) are what the sample shows, a lower bound of the unsampled score. Only
 * SYN-only probes, one packet each, are estimated (seen x N), and only those
 * in excess of the host's established TCP records, since sampling alone turns
 * the first packet of many sessions into a SYN-only record (detect_probes()).
 *
 * [detect] keys: score_threshold (100), score_weights
 * (22/tcp:2,23/tcp:4,135/tcp:3,139/tcp:3,445/tcp:5,1433/tcp:3,3306/tcp:3,
 * 3389/tcp:4,5900/tcp:3,2323/tcp:4,5432/tcp:2,6379/tcp:3,9200/tcp:2,
 * 161/udp:1,1900/udp:1), score_syn (1), score_list (20), score_inbound (0.1),
 * score_fanout (5), score_min_observed (10: sampled probes seen before they
 * are estimated), score_max_keys (131072).
 */
#include "detect/detect_int.h"
#include "util/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WEIGHTS 64
#define SLOTS 4

struct skey {
	struct vaddr host;
};

/* Every flow updates the first two cache lines (tag to syn_obs); the
 * weighted services and list parts after them only for the flows that score.
 * Flow counts are records seen; *_n are sums of the records' sampling rates
 * (the probe estimates before the correction of detect_probes()). */
struct sent {
	_Alignas(64) uint64_t tag; /* a whole number of cache lines (256 bytes) */
	struct skey k;
	struct dcount peers;
	uint64_t flows, packets, bytes; /* records seen; packets, bytes scaled */
	int64_t first, last;
	uint32_t n;
	uint8_t nslots, proto[SLOTS];
	uint16_t port[SLOTS];
	uint32_t syn_obs;               /* outbound SYN-only records */
	uint32_t port_flows[SLOTS], port_syn[SLOTS], port_syn_n[SLOTS];
	double other, inbound;
	uint64_t syn_n, ack_obs, list_flows; /* ack_obs: outbound TCP records with ACK */
};

struct score {
	struct htab t;
	struct dpool pool;
	double thr, w_syn, w_list, w_in, w_fan, min_obs;
	uint16_t wport[MAX_WEIGHTS];
	uint8_t wproto[MAX_WEIGHTS];
	double w[MAX_WEIGHTS];
	size_t nw;
	uint8_t has_weight[65536 / 8]; /* fast reject of unweighted ports */
};

static const char DEFAULT_WEIGHTS[] =
	"22/tcp:2,23/tcp:4,135/tcp:3,139/tcp:3,445/tcp:5,1433/tcp:3,3306/tcp:3,3389/tcp:4,"
	"5900/tcp:3,2323/tcp:4,5432/tcp:2,6379/tcp:3,9200/tcp:2,161/udp:1,1900/udp:1";

static void score_free(void *st)
{
	struct score *s = st;

	if (!s)
		return;
	htab_free(&s->t);
	dpool_free(&s->pool);
	free(s);
}

static int parse_weights(struct score *s, const char *spec, char *err, size_t errlen)
{
	char tmp[1024], *p = tmp;

	snprintf(tmp, sizeof(tmp), "%s", spec);
	while (*p) {
		char *colon, *end;
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (p[n])
			p[n++] = '\0';
		colon = strchr(p, ':');
		if (!colon || s->nw >= MAX_WEIGHTS)
			goto bad;
		*colon = '\0';
		if (detect_parse_portproto(p, &s->wport[s->nw], &s->wproto[s->nw], 6) < 0)
			goto bad;
		s->w[s->nw] = strtod(colon + 1, &end);
		if (end == colon + 1 || *end)
			goto bad;
		s->has_weight[s->wport[s->nw] >> 3] |= (uint8_t)(1u << (s->wport[s->nw] & 7));
		s->nw++;
		p += n;
	}
	return 0;
bad:
	snprintf(err, errlen, "score_weights: expected PORT/PROTO:WEIGHT, got \"%s\"", p);
	return VIGIL_EINVAL;
}

static int score_init(struct detect *d, const struct conf *c, void **st, char *err, size_t errlen)
{
	struct score *s = calloc(1, sizeof(*s));
	size_t max = (size_t)detect_conf_num(c, "score_max_keys", 131072);
	int rc = VIGIL_ENOMEM;

	(void)d;
	if (!s)
		goto out;
	s->thr = detect_conf_num(c, "score_threshold", 100);
	s->w_syn = detect_conf_num(c, "score_syn", 1);
	s->w_list = detect_conf_num(c, "score_list", 20);
	s->w_in = detect_conf_num(c, "score_inbound", 0.1);
	s->w_fan = detect_conf_num(c, "score_fanout", 5);
	s->min_obs = detect_conf_num(c, "score_min_observed", 10);
	rc = parse_weights(s, conf_get(c, "detect", "score_weights", DEFAULT_WEIGHTS), err, errlen);
	if (rc < 0)
		goto out;
	rc = VIGIL_ENOMEM;
	if (htab_init(&s->t, sizeof(struct skey), sizeof(struct sent), max ? max : 1) < 0 ||
	    dpool_init(&s->pool, (uint32_t)detect_conf_num(c, "score_sketches", 32768), DC_HLL_BITS_SMALL) < 0)
		goto out;
	*st = s;
	s = NULL;
	rc = 0;
out:
	if (rc == VIGIL_ENOMEM)
		snprintf(err, errlen, "out of memory for the score table");
	score_free(s);
	return rc;
}

static double weight(const struct score *s, uint16_t port, uint8_t proto)
{
	if (!(s->has_weight[port >> 3] & (1u << (port & 7))))
		return 0;
	for (size_t i = 0; i < s->nw; i++)
		if (s->wport[i] == port && s->wproto[i] == proto)
			return s->w[i];
	return 0;
}

static void add_port(struct sent *e, uint16_t port, uint8_t proto, double w, bool syn, uint32_t n)
{
	uint8_t i;

	for (i = 0; i < e->nslots; i++)
		if (e->port[i] == port && e->proto[i] == proto)
			break;
	if (i == e->nslots) {
		if (e->nslots == SLOTS) {
			e->other += w; /* as seen */
			return;
		}
		e->port[i] = port;
		e->proto[i] = proto;
		e->nslots++;
	}
	e->port_flows[i]++;
	if (syn) {
		e->port_syn[i]++;
		e->port_syn_n[i] += n;
	}
}

/* Whether feed adds anything for df's internal host: every outbound flow;
 * inbound only to a weighted service or from a listed peer. */
static inline bool score_wanted(const struct score *s, const struct dflow *df)
{
	if (df->src_in == df->dst_in)
		return false; /* internal traffic does not score */
	return df->src_in || df->hit || weight(s, df->f->dport, df->f->proto) != 0;
}

static inline void score_prefetch_one(void *st, struct dflow *df, int stage)
{
	const struct score *s = st;
	struct sent *e;
	struct skey k;

	if (!score_wanted(s, df))
		return;
	if (stage == 0) {
		htab_prefetch(&s->t, df->src_in ? df->hsrc : df->hdst);
		return;
	}
	if (stage == 1) {
		htab_prefetch_entry(&s->t, df->src_in ? df->hsrc : df->hdst);
		return;
	}
	if (!df->src_in)
		return; /* only outbound flows add to the fan-out sketch */
	k.host = df->f->src;
	e = htab_find16(&s->t, &k, df->hsrc);
	df->score_ent = e;
	if (e)
		dc_prefetch(&e->peers, &s->pool, df->hdst);
}

static void score_prefetch(void *st, struct dflow *df, size_t n, int stage)
{
	for (size_t i = 0; i < n; i++)
		score_prefetch_one(st, &df[i], stage);
}

static inline void score_feed_one(void *st, struct detect *d, const struct dflow *df)
{
	struct score *s = st;
	const struct flow *f = df->f;
	const struct vaddr *host;
	struct skey k;
	struct sent *e;
	bool created, out;
	double w;

	if (df->src_in == df->dst_in)
		return; /* internal traffic does not score */
	out = df->src_in;
	host = out ? &f->src : &f->dst;
	w = weight(s, f->dport, f->proto);
	if (w == 0 && !df->hit && !out)
		return; /* nothing to add for this host */
	if ((e = df->score_ent) != NULL) {
		created = false;
	} else {
		k.host = *host;
		e = htab_get16(&s->t, &k, out ? df->hsrc : df->hdst, &created);
		if (!e) {
			detect_count_overflow(d);
			return;
		}
	}
	if (created) {
		e->first = f->first_ms;
		e->last = f->last_ms;
	}
	if (out) {
		if (w > 0)
			add_port(e, f->dport, f->proto, w, df->syn_only, df->n);
		if (df->syn_only) {
			e->syn_obs++;
			e->syn_n += df->n;
		} else if (f->proto == 6 && (f->tcp_flags & TCP_ACK)) {
			e->ack_obs++;
		}
		if (!dc_add(&e->peers, &s->pool, df->hdst))
			detect_count_overflow(d);
	} else if (w > 0) {
		e->inbound += w * s->w_in;
	}
	if (df->hit)
		e->list_flows++;
	e->flows++;
	e->packets += f->packets * df->n;
	e->bytes += f->bytes * df->n;
	if (f->first_ms < e->first)
		e->first = f->first_ms;
	if (f->last_ms > e->last)
		e->last = f->last_ms;
	if (df->n > e->n)
		e->n = df->n;
}

static void score_feed(void *st, struct detect *d, const struct dflow *df, size_t n)
{
	for (size_t i = 0; i < n; i++)
		score_feed_one(st, d, &df[i]);
}

struct factor {
	double v;
	char text[128];
};

static int cmp_factor(const void *a, const void *b)
{
	const struct factor *x = a, *y = b;

	return x->v < y->v ? 1 : x->v > y->v ? -1 : 0;
}

static void emit_host(struct score *s, struct detect *d, const struct sent *e)
{
	struct factor fa[SLOTS + 5];
	size_t nf = 0, len;
	uint32_t n = e->n ? e->n : 1;
	uint64_t peers = dc_estimate(&e->peers, &s->pool);
	/* the share of the SYN-only records that are probes, not sampled session
	 * openings; a handful of them is not blown up by the rate */
	uint64_t probes = detect_probes(e->syn_obs, e->ack_obs, n);
	bool scaled = n > 1 && probes > 0 && (double)probes >= s->min_obs;
	double share = e->syn_obs ? (double)probes / e->syn_obs : 0;
	double syn_est = scaled ? (double)e->syn_n * share : (double)probes;
	double fan = peers ? s->w_fan * log2(1.0 + (double)peers) : 0;
	double list = s->w_list * (double)e->list_flows, syn = s->w_syn * syn_est;
	double total = e->other + syn + list + e->inbound + fan;
	double pflows[SLOTS], pscore[SLOTS];
	char h[ADDR_STRLEN], win[16], es[64], pr[16], num[32];
	const char *seen = detect_seen_text(n);
	struct event ev;

	detect_estimate_text(n, es, sizeof(es));
	for (uint8_t i = 0; i < e->nslots; i++) {
		pflows[i] = (double)(e->port_flows[i] - e->port_syn[i]);
		pflows[i] += (scaled ? (double)e->port_syn_n[i] : (double)e->port_syn[i]) * share;
		pscore[i] = weight(s, e->port[i], e->proto[i]) * pflows[i];
		total += pscore[i];
	}
	if (total < s->thr)
		return;
	for (uint8_t i = 0; i < e->nslots; i++) {
		/* an estimate when sampled probes are part of it */
		bool est = scaled && e->port_syn[i];

		fa[nf].v = pscore[i];
		snprintf(fa[nf++].text, sizeof(fa[0].text), "%s flows to %u/%s%s (%.0f)",
			 detect_count_text((uint64_t)(pflows[i] + 0.5), est ? n : 1, num, sizeof(num)),
			 e->port[i], detect_proto_text(e->proto[i], pr, sizeof(pr)), est ? es : seen,
			 pscore[i]);
	}
	if (e->other > 0) {
		fa[nf].v = e->other;
		snprintf(fa[nf++].text, sizeof(fa[0].text), "other weighted services%s (%.0f)", seen,
			 e->other);
	}
	if (syn > 0) {
		fa[nf].v = syn;
		snprintf(fa[nf++].text, sizeof(fa[0].text), "%s SYN-only flows%s (%.0f)",
			 detect_count_text((uint64_t)(syn_est + 0.5), scaled ? n : 1, num, sizeof(num)),
			 scaled ? es : seen, syn);
	}
	if (list > 0) {
		fa[nf].v = list;
		snprintf(fa[nf++].text, sizeof(fa[0].text), "%llu flows with listed hosts%s (%.0f)",
			 (unsigned long long)e->list_flows, seen, list);
	}
	if (e->inbound > 0) {
		fa[nf].v = e->inbound;
		snprintf(fa[nf++].text, sizeof(fa[0].text), "inbound to weighted services%s (%.0f)",
			 seen, e->inbound);
	}
	if (fan > 0) {
		fa[nf].v = fan;
		snprintf(fa[nf++].text, sizeof(fa[0].text), "fan-out to %llu hosts%s (%.0f)",
			 (unsigned long long)peers, seen, fan);
	}
	qsort(fa, nf, sizeof(fa[0]), cmp_factor);
	event_init(&ev);
	snprintf(ev.kind, sizeof(ev.kind), "score");
	ev.host = e->k.host;
	snprintf(ev.role, sizeof(ev.role), "source");
	ev.first_ms = e->first;
	ev.last_ms = e->last;
	ev.score = floor(total + 0.5);
	detect_event_counts(&ev, e->flows, e->packets, e->bytes, n);
	addr_format(&e->k.host, h);
	if (n > 1)
		len = (size_t)snprintf(ev.why, sizeof(ev.why),
				       "%s scored %.0f (threshold %.0f) in %s of 1:%u sampled flows; "
				       "top: ", h, total, s->thr,
				       detect_window_text(d, win, sizeof(win)), n);
	else
		len = (size_t)snprintf(ev.why, sizeof(ev.why),
				       "%s scored %.0f (threshold %.0f) in %s; top: ", h, total,
				       s->thr, detect_window_text(d, win, sizeof(win)));
	for (size_t i = 0; i < nf && i < 3 && len < sizeof(ev.why); i++)
		len += (size_t)snprintf(ev.why + len, sizeof(ev.why) - len, "%s%s", i ? ", " : "",
					fa[i].text);
	detect_event_query(d, &ev, "host %s", h);
	detect_emit(d, &ev);
}

static void score_flush(void *st, struct detect *d)
{
	struct score *s = st;

	for (size_t i = 0; i < s->t.cap; i++)
		if (htab_used(&s->t, i))
			emit_host(s, d, htab_slot(&s->t, i));
	htab_clear(&s->t);
	dpool_reset(&s->pool);
}

static size_t score_memory(const void *st)
{
	const struct score *s = st;

	return sizeof(*s) + htab_memory(&s->t) + ((size_t)s->pool.cap << s->pool.bits);
}

const struct detector_ops detector_score = {
	.name = "score",
	.init = score_init,
	.prefetch = score_prefetch,
	.feed = score_feed,
	.flush = score_flush,
	.free = score_free,
	.memory = score_memory,
};

_Static_assert(sizeof(struct sent) == 256, "sent: four cache lines");
