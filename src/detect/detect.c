/*
 * detect.c - the detector core: reads the [detect] configuration (own
 * networks, scanner allow-list, window), classifies each flow once (which
 * end is inside, list hit on the outside end, SYN-only), hands it to every
 * detector in the table, and closes windows by flow time. Also the helpers
 * detectors use to fill events.
 */
#include "detect/detect_int.h"
#include "util/err.h"
#include "util/lpm.h"
#include "util/proto.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct detector_ops *const detectors[] = {
	&detector_lists, &detector_score, &detector_scan, &detector_dos,
};
#define NDET (sizeof(detectors) / sizeof(detectors[0]))

struct detect {
	/* own IPv4 networks by /16 block, so most addresses need no LPM lookup:
	 * in_all = every address of the block is inside, in_some = part of it
	 * (ask the LPM); neither = outside */
	uint8_t in_all[65536 / 8], in_some[65536 / 8];
	struct lpm *nets;
	struct lpm *allow;
	size_t nnets, nallow;
	const struct intel_set *intel;
	int64_t window_ms, win_start, win_end;
	bool open;
	detect_emit_fn emit;
	void *ctx;
	void *st[NDET];
	bool on[NDET];        /* [detect] detectors: which of the table run */
	const char *cur_source;
	struct detect_stats stats;
};

double detect_conf_num(const struct conf *c, const char *key, double def)
{
	const char *s = conf_get(c, "detect", key, NULL);
	char *end;
	double v;

	if (!s)
		return def;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return def;
	switch (*end) {
	case 'k': case 'K': v *= 1e3; break;
	case 'M': v *= 1e6; break;
	case 'G': v *= 1e9; break;
	default: break;
	}
	return v;
}

int detect_parse_portproto(const char *s, uint16_t *port, uint8_t *proto, uint8_t dflt)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	*proto = dflt;
	if (*end == '/') {
		int p = proto_parse(end + 1);

		if (p < 0)
			return -1;
		*proto = (uint8_t)p;
	} else if (*end) {
		return -1;
	}
	return 0;
}

struct net_ctx {
	struct detect *blocks; /* mark /16 blocks in it (own networks only) */
	struct lpm *t;
	size_t *n;
	const char *what;
	char *err;
	size_t errlen;
};

/* Record p's IPv4 addresses in d's /16 block maps. */
static void mark_blocks(struct detect *d, const struct vprefix *p)
{
	struct vaddr lo, hi, v4lo, v4hi;

	prefix_range(p, &lo, &hi);
	if (addr_is_v4(&lo) && addr_is_v4(&hi)) {
		uint32_t a = addr_v4(&lo), b = addr_v4(&hi);

		for (uint32_t k = a >> 16; k <= b >> 16; k++) {
			uint8_t *map = (k << 16) >= a && (k << 16 | 0xffff) <= b ? d->in_all : d->in_some;

			map[k >> 3] |= (uint8_t)(1u << (k & 7));
		}
		return;
	}
	/* an IPv6 prefix covering all of ::ffff:0:0/96 makes every IPv4 address inside */
	addr_from_v4(&v4lo, 0);
	addr_from_v4(&v4hi, UINT32_MAX);
	if (addr_cmp(&lo, &v4lo) <= 0 && addr_cmp(&hi, &v4hi) >= 0)
		memset(d->in_all, 0xff, sizeof(d->in_all));
}

static int add_net(void *vctx, const char *value)
{
	struct net_ctx *nc = vctx;
	char tmp[256];
	char *s = tmp, *tok;

	/* a value may hold several prefixes separated by commas or spaces */
	snprintf(tmp, sizeof(tmp), "%s", value);
	while (*s) {
		struct vprefix p;
		size_t n;

		s += strspn(s, ", \t");
		n = strcspn(s, ", \t");
		if (n == 0)
			break;
		tok = s;
		s += n;
		if (*s)
			*s++ = '\0';
		if (prefix_parse(tok, &p) < 0) {
			snprintf(nc->err, nc->errlen, "%s: not a prefix: %s", nc->what, tok);
			return VIGIL_EINVAL;
		}
		if (lpm_add(nc->t, &p, 1) < 0)
			return VIGIL_ENOMEM;
		if (nc->blocks)
			mark_blocks(nc->blocks, &p);
		(*nc->n)++;
	}
	return 0;
}

/* Which detectors run: all, or the comma-separated names of list
 * ("lists,scan"), each named in the table; an unknown name is an error. */
static int pick_detectors(struct detect *d, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	for (size_t i = 0; i < NDET; i++)
		d->on[i] = list == NULL;
	while (p && *p) {
		size_t n = strcspn(p, ", \t"), i;

		for (i = 0; i < NDET; i++)
			if (n && strlen(detectors[i]->name) == n && !strncmp(p, detectors[i]->name, n))
				break;
		if (n && i == NDET) {
			snprintf(err, errlen, "detectors: no detector '%.*s' (lists, score, scan, dos)",
				 (int)(n > 32 ? 32 : n), p);
			return VIGIL_EINVAL;
		}
		if (n)
			d->on[i] = true;
		p += n;
		p += strspn(p, ", \t");
	}
	return 0;
}

int detect_new(const struct conf *conf, detect_emit_fn emit, void *ctx, struct detect **out,
	       char *err, size_t errlen)
{
	return detect_new_only(conf, NULL, 0, emit, ctx, out, err, errlen);
}

int detect_new_only(const struct conf *conf, const char *only, int64_t window_ms,
		    detect_emit_fn emit, void *ctx, struct detect **out, char *err, size_t errlen)
{
	struct detect *d = calloc(1, sizeof(*d));
	struct net_ctx nc;
	int rc = VIGIL_ENOMEM;

	*out = NULL;
	if (!d)
		goto out;
	d->emit = emit;
	d->ctx = ctx;
	d->nets = lpm_new();
	d->allow = lpm_new();
	if (!d->nets || !d->allow)
		goto out;
	nc = (struct net_ctx){ d, d->nets, &d->nnets, "network", err, errlen };
	rc = conf_each(conf, "detect", "network", add_net, &nc);
	if (rc < 0)
		goto out;
	if (d->nnets == 0) {
		snprintf(err, errlen, "no constituency networks: give --network CIDR or "
				      "[detect] network = CIDR");
		rc = VIGIL_EINVAL;
		goto out;
	}
	nc = (struct net_ctx){ NULL, d->allow, &d->nallow, "allow", err, errlen };
	rc = conf_each(conf, "detect", "allow", add_net, &nc);
	if (rc < 0)
		goto out;
	if (lpm_build(d->nets) < 0 || lpm_build(d->allow) < 0) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	d->window_ms = window_ms > 0 ? window_ms
				     : conf_get_duration(conf, "detect", "window", 30 * 60 * 1000);
	if (d->window_ms < 1000) {
		snprintf(err, errlen, "window must be at least 1s");
		rc = VIGIL_EINVAL;
		goto out;
	}
	if ((rc = pick_detectors(d, only ? only : conf_get(conf, "detect", "detectors", NULL), err,
				 errlen)) < 0)
		goto out;
	for (size_t i = 0; i < NDET; i++) {
		if (!d->on[i])
			continue;
		rc = detectors[i]->init(d, conf, &d->st[i], err, errlen);
		if (rc < 0)
			goto out;
	}
	*out = d;
	d = NULL;
	rc = 0;
out:
	if (rc == VIGIL_ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	detect_free(d);
	return rc;
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < NDET; i++)
		if (d->st[i])
			detectors[i]->free(d->st[i]);
	lpm_free(d->nets);
	lpm_free(d->allow);
	free(d);
}

void detect_set_intel(struct detect *d, const struct intel_set *set)
{
	d->intel = set;
}

int64_t detect_window_ms(const struct detect *d)
{
	return d->window_ms;
}

int64_t detect_open_start(const struct detect *d)
{
	return d->open ? d->win_start : INT64_MIN;
}

int64_t detect_win_start(const struct detect *d)
{
	return d->win_start;
}

int64_t detect_win_end(const struct detect *d)
{
	return d->win_end;
}

bool detect_is_allowed(const struct detect *d, const struct vaddr *a)
{
	return d->nallow && lpm_lookup(d->allow, a) != LPM_NONE;
}

void detect_count_overflow(struct detect *d)
{
	d->stats.overflow++;
}

void detect_emit(struct detect *d, struct event *e)
{
	snprintf(e->source, sizeof(e->source), "%s", d->cur_source ? d->cur_source : "detect");
	d->stats.events++;
	if (d->emit)
		d->emit(d->ctx, e);
}

static inline bool inside(const struct detect *d, const struct vaddr *a)
{
	if (detect_is_v4(a)) {
		uint32_t v = detect_v4(a), k = v >> 16;
		uint8_t bit = (uint8_t)(1u << (k & 7));

		if (d->in_all[k >> 3] & bit)
			return true;
		if (!(d->in_some[k >> 3] & bit))
			return false;
		return lpm_lookup_v4(d->nets, v) != LPM_NONE;
	}
	return lpm_lookup(d->nets, a) != LPM_NONE;
}

static inline const struct intel_entry *listed(const struct detect *d, const struct vaddr *a)
{
	if (!d->intel)
		return NULL;
	if (detect_is_v4(a))
		return intel_lookup_v4(d->intel, detect_v4(a));
	return intel_lookup(d->intel, a);
}

static void window_open(struct detect *d, int64_t t)
{
	int64_t w = d->window_ms;
	int64_t k = t >= 0 ? t / w : (t - w + 1) / w;

	d->win_start = k * w;
	d->win_end = d->win_start + w;
	d->open = true;
}

void detect_flush(struct detect *d)
{
	if (!d->open)
		return;
	for (size_t i = 0; i < NDET; i++) {
		if (!d->on[i])
			continue;
		d->cur_source = detectors[i]->name;
		detectors[i]->flush(d->st[i], d);
	}
	d->cur_source = NULL;
	d->stats.windows++;
	d->open = false;
}

#define FEED_CHUNK 64

/* Classify f into df; false when neither end is inside (counted). */
static bool classify(struct detect *d, const struct flow *fl, struct dflow *df)
{
	d->stats.flows++;
	df->src_in = inside(d, &fl->src);
	df->dst_in = inside(d, &fl->dst);
	if (!df->src_in && !df->dst_in) {
		d->stats.flows_external++;
		return false;
	}
	df->f = fl;
	df->n = fl->sampling ? fl->sampling : 1;
	df->hit = NULL;
	df->hit_src = false;
	if (!df->src_in) {
		df->hit = listed(d, &fl->src);
		df->hit_src = df->hit != NULL;
	}
	if (!df->hit && !df->dst_in)
		df->hit = listed(d, &fl->dst);
	if (df->hit)
		d->stats.list_hits++;
	df->syn_only = fl->proto == 6 && (fl->tcp_flags & TCP_SYN) && !(fl->tcp_flags & TCP_ACK);
	df->hsrc = detect_hash_addr(&fl->src);
	df->hdst = detect_hash_addr(&fl->dst);
	df->score_ent = df->dos_ent = NULL;
	return true;
}

static void prefetch_stage(struct detect *d, struct dflow *df, size_t m, int stage)
{
	for (size_t k = 0; k < NDET; k++)
		if (d->on[k] && detectors[k]->prefetch)
			detectors[k]->prefetch(d->st[k], df, m, stage);
}

static void feed_chunk(struct detect *d, const struct dflow *df, size_t m)
{
	/* detectors keep separate state: feeding them one after the other
	 * gives what flow-by-flow interleaving gave */
	for (size_t k = 0; k < NDET; k++)
		if (d->on[k])
			detectors[k]->feed(d->st[k], d, df, m);
}

/*
 * Flows go through a pipeline of PIPE chunks so each prefetch has a chunk's
 * worth of other work to hide behind: a newly classified chunk gets its
 * tables' probe slots prefetched (stage 0), the one before it the entries
 * those slots point to (stage 1, the slots now cached), the one before that
 * its sketch registers (stage 2, the entries now cached), and the oldest is
 * fed. The pipeline is drained, oldest chunk first, before a window closes
 * and at the end of each call (the flows are the caller's only during the
 * call). Prefetching is only a hint, so a drained chunk may skip stages.
 */
#define PIPE 4

void detect_feed(struct detect *d, const struct flow *f, size_t n)
{
	struct dflow ring[PIPE][FEED_CHUNK];
	size_t len[PIPE] = { 0 };
	unsigned head = 0; /* ring[head] is filled next; head+1 is the oldest */

	for (size_t i = 0; i < n;) {
		struct dflow *df = ring[head];
		size_t m = 0;

		/* classify a chunk that stays in the open window */
		while (i < n && m < FEED_CHUNK) {
			const struct flow *fl = &f[i];

			if (d->open && fl->last_ms >= d->win_end && m > 0)
				break; /* feed what we have before closing the window */
			i++;
			if (!classify(d, fl, &df[m]))
				continue;
			if (!d->open) {
				window_open(d, fl->last_ms);
			} else if (fl->last_ms >= d->win_end) {
				/* the chunks in the pipeline belong to the closing window */
				for (unsigned k = 1; k < PIPE; k++) { /* oldest first */
					unsigned r = (head + k) % PIPE;

					if (len[r])
						feed_chunk(d, ring[r], len[r]);
					len[r] = 0;
				}
				detect_flush(d);
				window_open(d, fl->last_ms);
			} else if (fl->last_ms < d->win_start) {
				d->stats.flows_late++;
			}
			m++;
		}
		if (m == 0)
			continue;
		len[head] = m;
		for (unsigned st = 0; st + 1 < PIPE; st++) {
			unsigned r = (head + PIPE - st) % PIPE; /* stage st: the chunk st back */

			if (len[r])
				prefetch_stage(d, ring[r], len[r], (int)st);
		}
		head = (head + 1) % PIPE; /* now the oldest, fed and emptied */
		if (len[head]) {
			feed_chunk(d, ring[head], len[head]);
			len[head] = 0;
		}
	}
	/* drain, oldest first (ring[head] is empty) */
	for (unsigned k = 1; k <= PIPE; k++) {
		unsigned r = (head + k) % PIPE;

		if (len[r])
			feed_chunk(d, ring[r], len[r]);
	}
}

void detect_get_stats(const struct detect *d, struct detect_stats *s)
{
	*s = d->stats;
	s->memory = 0;
	for (size_t i = 0; i < NDET; i++)
		if (d->st[i] && detectors[i]->memory)
			s->memory += detectors[i]->memory(d->st[i]);
}

/* ---- event helpers ---- */

uint64_t detect_distinct(uint64_t observed, uint64_t packets, uint32_t n)
{
	double q, m, lo = 1, hi = 1e6, k;

	if (n <= 1 || observed == 0)
		return observed;
	/* A target that sent k packets is seen with p(k) = 1 - q^k and then shows
	 * k/n packets on average, i.e. g(k) = (k/n) / p(k) per seen target
	 * (g(1) = 1, increasing). Invert the observed packets per seen target m
	 * into k, then D = observed / p(k). The sketch's few percent of error
	 * is allowed for before m is read as "more than one packet a target". */
	q = 1.0 - 1.0 / n;
	m = (double)packets / n / (double)observed / 1.05;
	if (m <= 1.0) {
		k = 1;
	} else {
		for (int i = 0; i < 80; i++) {
			double mid = (lo + hi) / 2;
			double g = (mid / n) / (1.0 - pow(q, mid));

			if (g < m)
				lo = mid;
			else
				hi = mid;
		}
		k = (lo + hi) / 2;
	}
	return (uint64_t)((double)observed / (1.0 - pow(q, k)) + 0.5);
}

void detect_event_counts(struct event *e, uint64_t flows, uint64_t packets, uint64_t bytes,
			 uint32_t n)
{
	e->flows = flows;
	e->packets = packets;
	e->bytes = bytes;
	e->sampling = n ? n : 1;
	e->estimate = n > 1;
}

static void nf_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y/%m/%d.%H:%M:%S", &tm);
}

void detect_event_query(const struct detect *d, struct event *e, const char *fmt, ...)
{
	char a[32], b[32], filter[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(filter, sizeof(filter), fmt, ap);
	va_end(ap);
	nf_time(d->win_start, a, sizeof(a));
	nf_time(d->win_end, b, sizeof(b));
	snprintf(e->query, sizeof(e->query), "-t %s-%s '%s'", a, b, filter);
}

const char *detect_human_bytes(uint64_t v, char *buf, size_t n)
{
	if (v >= 1000000000ull)
		snprintf(buf, n, "%.1f GB", (double)v / 1e9);
	else if (v >= 1000000ull)
		snprintf(buf, n, "%.1f MB", (double)v / 1e6);
	else if (v >= 1000ull)
		snprintf(buf, n, "%.1f kB", (double)v / 1e3);
	else
		snprintf(buf, n, "%llu bytes", (unsigned long long)v);
	return buf;
}

const char *detect_window_text(const struct detect *d, char *buf, size_t n)
{
	int64_t s = d->window_ms / 1000;

	if (s % 3600 == 0)
		snprintf(buf, n, "%lld h", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(buf, n, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, n, "%lld s", (long long)s);
	return buf;
}

const char *detect_proto_text(uint8_t proto, char *buf, size_t n)
{
	const char *p = proto_name(proto);

	if (p)
		snprintf(buf, n, "%s", p);
	else
		snprintf(buf, n, "proto %u", proto);
	return buf;
}

const char *detect_estimate_text(uint32_t n, char *buf, size_t len)
{
	if (n > 1)
		snprintf(buf, len, " (est. from 1:%u sampling)", n);
	else
		buf[0] = '\0';
	return buf;
}

const char *detect_count_text(uint64_t v, uint32_t n, char *buf, size_t len)
{
	char digits[24];
	size_t nd, o = 0;

	if (n <= 1) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return buf;
	}
	nd = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	if (len < 2) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '~';
	for (size_t i = 0; i < nd && o + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *detect_bytes_text(uint64_t v, uint32_t n, char *buf, size_t len)
{
	char h[16];

	detect_human_bytes(v, h, sizeof(h));
	snprintf(buf, len, "%s%s", n > 1 ? "~" : "", h);
	return buf;
}

const char *detect_seen_text(uint32_t n)
{
	return n > 1 ? " seen" : "";
}
