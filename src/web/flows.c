/*
 * flows.c - the stored flows the page draws: the top keys of one host's
 * traffic (peer, ports, protocol) and its time series, and a site's top
 * talkers. Read through the store's reader with the host as the segment
 * index selector, so only segments that may hold the host are opened.
 * Counts are estimates of the real traffic: packets and bytes multiplied by
 * the sampling rate, as `vigil flows` says. Everything is capped: keys held,
 * bins, rows read.
 */
#include "web/web_int.h"
#include "store/store.h"
#include "util/err.h"
#include "util/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_MAX_KEYS (1u << 20)
#define SERIES_MAX_BINS 20000
#define SITE_MAX_ROWS (20u * 1000 * 1000)

enum fkey { K_PEER, K_SRCIP, K_DSTIP, K_SRCPORT, K_DSTPORT, K_PORT, K_PROTO };

static const struct {
	const char *name;
	enum fkey key;
} fkeys[] = {
	{ "peer", K_PEER },       { "srcip", K_SRCIP },     { "dstip", K_DSTIP },
	{ "srcport", K_SRCPORT }, { "dstport", K_DSTPORT }, { "port", K_PORT },
	{ "proto", K_PROTO },
};

struct agg_ent {
	struct vaddr key;
	bool used;
	uint64_t flows, packets, bytes;
};

struct agg {
	struct agg_ent *t;
	size_t cap, n;
	bool full;
};

static int agg_init(struct agg *a)
{
	a->cap = 4096;
	a->n = 0;
	a->full = false;
	a->t = calloc(a->cap, sizeof(*a->t));
	return a->t ? 0 : VIGIL_ENOMEM;
}

static int agg_grow(struct agg *a)
{
	struct agg_ent *old = a->t;
	size_t ocap = a->cap;

	a->cap *= 2;
	if (!(a->t = calloc(a->cap, sizeof(*a->t)))) {
		a->t = old;
		a->cap = ocap;
		return VIGIL_ENOMEM;
	}
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		for (size_t j = addr_hash(&old[i].key) & (a->cap - 1);; j = (j + 1) & (a->cap - 1)) {
			if (!a->t[j].used) {
				a->t[j] = old[i];
				break;
			}
		}
	}
	free(old);
	return 0;
}

static void agg_add(struct agg *a, const struct vaddr *k, const struct flow *f)
{
	size_t j;

	if (a->n * 2 >= a->cap && (a->n >= TOP_MAX_KEYS || agg_grow(a))) {
		a->full = true;
		/* keep counting the keys already held */
	}
	for (j = addr_hash(k) & (a->cap - 1);; j = (j + 1) & (a->cap - 1)) {
		if (!a->t[j].used) {
			if (a->n * 2 >= a->cap)
				return;
			a->t[j].used = true;
			a->t[j].key = *k;
			a->n++;
			break;
		}
		if (addr_eq(&a->t[j].key, k))
			break;
	}
	a->t[j].flows++;
	a->t[j].packets += flow_scaled_packets(f);
	a->t[j].bytes += flow_scaled_bytes(f);
}

static int by_bytes(const void *x, const void *y)
{
	const struct agg_ent *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return addr_cmp(&a->key, &b->key);
}

static json_t *agg_top(struct agg *a, size_t n, bool addr_key, enum fkey k)
{
	json_t *arr = json_array();
	size_t m = 0;
	char buf[ADDR_STRLEN];

	for (size_t i = 0; i < a->cap; i++)
		if (a->t[i].used)
			a->t[m++] = a->t[i];
	qsort(a->t, m, sizeof(*a->t), by_bytes);
	for (size_t i = 0; i < m && i < n; i++) {
		json_t *key;

		if (addr_key) {
			key = json_string(addr_format(&a->t[i].key, buf));
		} else {
			uint32_t v = addr_v4(&a->t[i].key);

			key = k == K_PROTO ? json_string(proto_name((uint8_t)v)) : json_integer(v);
		}
		json_array_append_new(arr, json_pack("{s:o, s:I, s:I, s:I}", "key", key, "flows",
						     (json_int_t)a->t[i].flows, "packets",
						     (json_int_t)a->t[i].packets, "bytes",
						     (json_int_t)a->t[i].bytes));
	}
	free(a->t);
	a->t = NULL;
	return arr;
}

static void key_of(enum fkey k, const struct vaddr *host, const struct flow *f, struct vaddr *out,
		   int which)
{
	switch (k) {
	case K_PEER: *out = addr_eq(&f->src, host) ? f->dst : f->src; break;
	case K_SRCIP: *out = f->src; break;
	case K_DSTIP: *out = f->dst; break;
	case K_SRCPORT: addr_from_v4(out, f->sport); break;
	case K_DSTPORT: addr_from_v4(out, f->dport); break;
	case K_PORT: addr_from_v4(out, which ? f->dport : f->sport); break;
	case K_PROTO: addr_from_v4(out, f->proto); break;
	}
}

/* Call fn for each flow of host (NULL: every flow) in [from, to]. */
static int each_flow(struct web *w, const struct vaddr *host, int64_t from, int64_t to,
		     uint64_t max_rows, void (*fn)(void *ctx, const struct flow *f), void *ctx,
		     bool *truncated, char *err, size_t errlen)
{
	struct store_select sel = { .from_ms = from, .to_ms = to, .hosts = host,
				    .nhosts = host ? 1 : 0 };
	struct store_reader *rd = NULL;
	const struct flow *fl;
	uint64_t rows = 0;
	size_t n;
	int rc;

	if (!w->store_dir) {
		snprintf(err, errlen, "no flow store configured ([store] dir)");
		return VIGIL_ENOTFOUND;
	}
	if ((rc = store_reader_open(w->store_dir, &sel, &rd)) < 0) {
		snprintf(err, errlen, "flow store %s: %s", w->store_dir, vigil_strerror(rc));
		return rc;
	}
	while ((rc = store_reader_next(rd, &fl, &n)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (!host || addr_eq(&fl[i].src, host) || addr_eq(&fl[i].dst, host))
				fn(ctx, &fl[i]);
		rows += n;
		if (rows >= max_rows) {
			*truncated = true;
			break;
		}
	}
	store_reader_close(rd);
	if (rc < 0) {
		snprintf(err, errlen, "flow store: %s", vigil_strerror(rc));
		return rc;
	}
	return 0;
}

struct top_ctx {
	struct agg a;
	enum fkey k;
	const struct vaddr *host;
};

static void top_one(void *ctx, const struct flow *f)
{
	struct top_ctx *t = ctx;
	struct vaddr k;

	key_of(t->k, t->host, f, &k, 0);
	agg_add(&t->a, &k, f);
	if (t->k == K_PORT && f->sport != f->dport) {
		key_of(t->k, t->host, f, &k, 1);
		agg_add(&t->a, &k, f);
	}
}

int web_flows_top(struct web *w, const struct vaddr *host, int64_t from, int64_t to,
		  const char *key, size_t n, json_t **out, char *err, size_t errlen)
{
	struct top_ctx t = { .host = host };
	bool found = false, trunc = false;
	int rc;

	for (size_t i = 0; i < sizeof(fkeys) / sizeof(fkeys[0]); i++)
		if (!strcmp(key, fkeys[i].name)) {
			t.k = fkeys[i].key;
			found = true;
		}
	if (!found) {
		snprintf(err, errlen, "top: one of peer srcip dstip srcport dstport port proto");
		return VIGIL_EINVAL;
	}
	if (agg_init(&t.a))
		return VIGIL_ENOMEM;
	if ((rc = each_flow(w, host, from, to, UINT64_MAX, top_one, &t, &trunc, err, errlen))) {
		free(t.a.t);
		return rc;
	}
	*out = agg_top(&t.a, n, t.k <= K_DSTIP, t.k);
	return 0;
}

struct series_ctx {
	int64_t from, step;
	size_t nbins;
	uint64_t (*bins)[3]; /* bytes, packets, flows */
};

static void series_one(void *ctx, const struct flow *f)
{
	struct series_ctx *s = ctx;
	int64_t t = f->first_ms < s->from ? s->from : f->first_ms;
	size_t b = (size_t)((t - s->from) / s->step);

	if (b >= s->nbins)
		return;
	s->bins[b][0] += flow_scaled_bytes(f);
	s->bins[b][1] += flow_scaled_packets(f);
	s->bins[b][2]++;
}

int web_flows_series(struct web *w, const struct vaddr *host, int64_t from, int64_t to,
		     int64_t step, json_t **out, char *err, size_t errlen)
{
	struct series_ctx s = { .from = from, .step = step };
	bool trunc = false;
	json_t *pts;
	int rc;

	if (step <= 0 || to <= from || (to - from) / step >= SERIES_MAX_BINS) {
		snprintf(err, errlen, "series: (to - from) / step must be under %d bins",
			 SERIES_MAX_BINS);
		return VIGIL_EINVAL;
	}
	s.nbins = (size_t)((to - from + step - 1) / step);
	if (!(s.bins = calloc(s.nbins, sizeof(*s.bins))))
		return VIGIL_ENOMEM;
	if ((rc = each_flow(w, host, from, to - 1, UINT64_MAX, series_one, &s, &trunc, err,
			    errlen))) {
		free(s.bins);
		return rc;
	}
	pts = json_array();
	for (size_t i = 0; i < s.nbins; i++)
		json_array_append_new(pts, json_pack("[I, I, I, I]", (json_int_t)(from + (int64_t)i * step),
						     (json_int_t)s.bins[i][0], (json_int_t)s.bins[i][1],
						     (json_int_t)s.bins[i][2]));
	free(s.bins);
	*out = pts;
	return 0;
}

struct site_ctx {
	struct web *w;
	const char *site;
	struct agg a;
	/* one-entry memo: consecutive flows often share an address */
	struct vaddr last[2];
	bool last_ok[2], have[2];
};

static bool in_site(struct site_ctx *s, const struct vaddr *a, int i)
{
	char site[128];

	if (s->have[i] && addr_eq(&s->last[i], a))
		return s->last_ok[i];
	s->have[i] = true;
	s->last[i] = *a;
	s->last_ok[i] = s->w->c.site_of &&
			s->w->c.site_of(s->w->c.ctx, a, site, sizeof(site)) == 0 &&
			!strcmp(site, s->site);
	return s->last_ok[i];
}

static void site_one(void *ctx, const struct flow *f)
{
	struct site_ctx *s = ctx;

	if (in_site(s, &f->src, 0))
		agg_add(&s->a, &f->src, f);
	if (in_site(s, &f->dst, 1))
		agg_add(&s->a, &f->dst, f);
}

int web_flows_site_top(struct web *w, const char *site, int64_t from, int64_t to, size_t n,
		       json_t **out, char *err, size_t errlen)
{
	struct site_ctx s = { .w = w, .site = site };
	bool trunc = false;
	int rc;

	if (agg_init(&s.a))
		return VIGIL_ENOMEM;
	if ((rc = each_flow(w, NULL, from, to, SITE_MAX_ROWS, site_one, &s, &trunc, err,
			    errlen))) {
		free(s.a.t);
		return rc;
	}
	*out = agg_top(&s.a, n, true, K_SRCIP);
	return 0;
}
