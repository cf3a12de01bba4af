/*
 * det_lists.c - the lists detector: every flow between a listed address and
 * the constituency, in either direction, aggregated per (internal host,
 * listed peer) and window into one event of kind "cc" (C&C feeds) or
 * "blocklist", naming the internal host, the feed and the list line. Under
 * 1:N sampling one sampled record is enough (the peer is listed whatever the
 * volume); flows are the records seen, packets and bytes estimates (x N).
 *
 * [detect] keys: lists_max_keys (65536).
 */
#include "detect/detect_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lkey {
	struct vaddr host, peer;
};

struct lhit {
	uint64_t tag;
	struct lkey k;
	const struct intel_entry *ent;
	uint64_t flows, packets, bytes;
	int64_t first, last;
	uint32_t n;
	uint16_t port;
	uint8_t proto, out, in;
};

struct lists {
	struct htab t;
};

static int lists_init(struct detect *d, const struct conf *c, void **st, char *err, size_t errlen)
{
	struct lists *l = calloc(1, sizeof(*l));
	size_t max = (size_t)detect_conf_num(c, "lists_max_keys", 65536);

	(void)d;
	if (!l || htab_init(&l->t, sizeof(struct lkey), sizeof(struct lhit), max ? max : 1) < 0) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return VIGIL_ENOMEM;
	}
	*st = l;
	return 0;
}

static inline void lists_feed_one(void *st, struct detect *d, const struct dflow *df)
{
	struct lists *l = st;
	const struct flow *f = df->f;
	struct lkey k;
	struct lhit *h;
	bool created;

	if (!df->hit)
		return;
	memset(&k, 0, sizeof(k));
	k.host = df->hit_src ? f->dst : f->src;
	k.peer = df->hit_src ? f->src : f->dst;
	h = htab_get(&l->t, &k, (df->hit_src ? df->hdst : df->hsrc) ^ (df->hit_src ? df->hsrc : df->hdst) * 31, &created);
	if (!h) {
		detect_count_overflow(d);
		return;
	}
	if (created) {
		h->ent = df->hit;
		h->first = f->first_ms;
		h->last = f->last_ms;
		h->port = df->hit_src ? f->sport : f->dport;
		h->proto = f->proto;
	}
	if (df->hit->port >= 0 && (df->hit_src ? f->sport : f->dport) == df->hit->port)
		h->port = (uint16_t)df->hit->port, h->proto = f->proto;
	h->flows++; /* records seen: under sampling a lower bound */
	h->packets += f->packets * df->n;
	h->bytes += f->bytes * df->n;
	if (f->first_ms < h->first)
		h->first = f->first_ms;
	if (f->last_ms > h->last)
		h->last = f->last_ms;
	if (df->n > h->n)
		h->n = df->n;
	if (df->hit_src)
		h->in = 1;
	else
		h->out = 1;
}

static void lists_feed(void *st, struct detect *d, const struct dflow *df, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lists_feed_one(st, d, &df[i]);
}

static void lists_flush(void *st, struct detect *d)
{
	struct lists *l = st;

	for (size_t i = 0; i < l->t.cap; i++) {
		struct lhit *h;
		struct event e;
		char hs[ADDR_STRLEN], ps[ADDR_STRLEN], by[24], est[64], win[16], pr[16], what[160];
		char num[32];
		const struct intel_entry *en;
		bool cc;

		if (!htab_used(&l->t, i))
			continue;
		h = htab_slot(&l->t, i);
		en = h->ent;
		cc = en->kind == INTEL_CC;
		event_init(&e);
		snprintf(e.kind, sizeof(e.kind), "%s", cc ? "cc" : "blocklist");
		e.host = h->k.host;
		e.has_peer = true;
		e.peer = h->k.peer;
		snprintf(e.role, sizeof(e.role), "%s", h->out ? "source" : "destination");
		e.port = h->port;
		e.proto = h->proto;
		e.first_ms = h->first;
		e.last_ms = h->last;
		detect_event_counts(&e, h->flows, h->packets, h->bytes, h->n);
		e.score = cc ? 100 : 50;
		snprintf(e.feed, sizeof(e.feed), "%s", en->feed);
		addr_format(&h->k.host, hs);
		addr_format(&h->k.peer, ps);
		if (cc)
			snprintf(what, sizeof(what), "a C&C server%s%s%s listed in %s line %u",
				 en->family[0] ? " of " : "", en->family, "", en->feed, en->line);
		else
			snprintf(what, sizeof(what), "listed in %s line %u%s%s", en->feed, en->line,
				 en->ref[0] ? ", " : "", en->ref);
		snprintf(e.why, sizeof(e.why),
			 "%s %s %s (%s) on %u/%s: %llu flows%s, %s packets, %s%s in %s",
			 hs, h->out ? (h->in ? "exchanged traffic with" : "contacted") : "was contacted by",
			 ps, what, h->port, detect_proto_text(h->proto, pr, sizeof(pr)),
			 (unsigned long long)h->flows, detect_seen_text(h->n),
			 detect_count_text(h->packets, h->n, num, sizeof(num)),
			 detect_bytes_text(h->bytes, h->n, by, sizeof(by)),
			 detect_estimate_text(h->n, est, sizeof(est)),
			 detect_window_text(d, win, sizeof(win)));
		detect_event_query(d, &e, "host %s and host %s", hs, ps);
		detect_emit(d, &e);
	}
	htab_clear(&l->t);
}

static void lists_free(void *st)
{
	struct lists *l = st;

	htab_free(&l->t);
	free(l);
}

static size_t lists_memory(const void *st)
{
	const struct lists *l = st;

	return htab_memory(&l->t);
}

const struct detector_ops detector_lists = {
	.name = "lists",
	.init = lists_init,
	.feed = lists_feed,
	.flush = lists_flush,
	.free = lists_free,
	.memory = lists_memory,
};
