/*
 * hunt.c - retro-hunt: the entries a list gained, looked for in the flows
 * already stored (see detect.h).
 *
 * The store keeps a Bloom filter of the addresses of every segment and of
 * every block, so the hunt asks it for the entries' addresses: a single
 * address or a range of up to HUNT_ENUM addresses (a /24) is enumerated;
 * a wider entry cannot be asked of a filter and makes the hunt read every
 * block of the time range (counted in stats->wide). Of the blocks read, the
 * address columns are decoded and only rows with an end inside an entry are
 * materialised; those are sorted by start and fed to the lists detector.
 */
#include "detect/detect.h"
#include "store/store.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HUNT_ENUM 256u               /* addresses enumerated per entry at most */
#define HUNT_MAX_HOSTS (1u << 20)    /* addresses asked of the filters at most */
#define HUNT_DEFAULT_FLOWS (4u << 20)

struct hosts {
	struct vaddr *a;
	size_t n, cap;
	uint64_t wide;
	bool full;
};

static int push_host(struct hosts *h, const struct vaddr *a)
{
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 1024;
		struct vaddr *na = realloc(h->a, ncap * sizeof(*na));

		if (!na)
			return VIGIL_ENOMEM;
		h->a = na;
		h->cap = ncap;
	}
	h->a[h->n++] = *a;
	return 0;
}

static int add_entry(void *ctx, const struct intel_entry *e)
{
	struct hosts *h = ctx;

	if (addr_is_v4(&e->lo) && addr_is_v4(&e->hi)) {
		uint32_t lo = addr_v4(&e->lo), hi = addr_v4(&e->hi);

		if (hi < lo || hi - lo >= HUNT_ENUM || h->n + (hi - lo + 1) > HUNT_MAX_HOSTS) {
			h->wide++;
			h->full = true;
			return 0;
		}
		for (uint64_t v = lo; v <= hi; v++) {
			struct vaddr a;

			addr_from_v4(&a, (uint32_t)v);
			if (push_host(h, &a))
				return -1;
		}
		return 0;
	}
	if (addr_cmp(&e->lo, &e->hi) == 0 && h->n < HUNT_MAX_HOSTS)
		return push_host(h, &e->lo) ? -1 : 0;
	h->wide++;
	h->full = true;
	return 0;
}

struct matched {
	struct flow *f;
	size_t n, cap, max;
};

static int cmp_first(const void *a, const void *b)
{
	const struct flow *x = a, *y = b;

	return x->first_ms < y->first_ms ? -1 : x->first_ms > y->first_ms;
}

/* Sort what is held and feed it to the detector (which then keeps only its
 * aggregates); the array is reused. */
static void drain(struct matched *m, struct detect *d)
{
	if (!m->n)
		return;
	qsort(m->f, m->n, sizeof(*m->f), cmp_first);
	detect_feed(d, m->f, m->n);
	m->n = 0;
}

static int keep(struct matched *m, struct detect *d, const struct flow *f)
{
	if (m->n == m->cap) {
		if (m->cap >= m->max) {
			drain(m, d);
		} else {
			size_t ncap = m->cap ? m->cap * 2 : 4096;
			struct flow *nf;

			if (ncap > m->max)
				ncap = m->max;
			if (!(nf = realloc(m->f, ncap * sizeof(*nf))))
				return VIGIL_ENOMEM;
			m->f = nf;
			m->cap = ncap;
		}
	}
	m->f[m->n++] = *f;
	return 0;
}

struct relay {
	detect_emit_fn emit;
	void *ctx;
	uint64_t n;
};

static void relay_event(void *ctx, const struct event *e)
{
	struct relay *r = ctx;
	struct event h = *e;

	snprintf(h.source, sizeof(h.source), "hunt");
	snprintf(h.why, sizeof(h.why), "found by hunt: %.490s", e->why);
	r->n++;
	r->emit(r->ctx, &h);
}

int hunt_run(const struct conf *conf, const struct hunt_opts *o, detect_emit_fn emit, void *ctx,
	     struct hunt_stats *st, char *err, size_t errlen)
{
	struct hosts h = { 0 };
	struct matched m = { .max = o->max_flows ? o->max_flows : HUNT_DEFAULT_FLOWS };
	struct relay rl = { emit, ctx, 0 };
	struct store_select sel = { o->from_ms, o->to_ms, NULL, 0 };
	struct store_reader *r = NULL;
	struct store_reader_stats rs;
	struct store_block *b;
	struct detect *d = NULL;
	int64_t t0 = vtime_now_ms();
	int rc;

	memset(st, 0, sizeof(*st));
	st->entries = intel_count(o->entries);
	if (!st->entries)
		return 0;
	intel_each(o->entries, add_entry, &h);
	st->wide = h.wide;
	if (!h.full) {
		sel.hosts = h.a;
		sel.nhosts = h.n;
		st->filter_hosts = h.n;
	}
	rc = detect_new_only(conf, "lists", o->window_ms > 0 ? o->window_ms : 3600 * 1000,
			     relay_event, &rl, &d, err, errlen);
	if (rc < 0)
		goto out;
	detect_set_intel(d, o->entries);
	if ((rc = store_reader_open(o->store_dir, &sel, &r)) < 0) {
		snprintf(err, errlen, "%s: %s", o->store_dir, vigil_strerror(rc));
		goto out;
	}
	while ((rc = store_reader_next_block(r, &b)) > 0) {
		const struct vaddr *src = store_block_col(b, FLOW_COL_SRC);
		const struct vaddr *dst = store_block_col(b, FLOW_COL_DST);
		/* a block wholly inside the range needs no time columns */
		bool inside = store_block_min_first(b) >= o->from_ms &&
			      store_block_max_last(b) <= o->to_ms;
		const int64_t *first = inside ? NULL : store_block_col(b, FLOW_COL_FIRST);
		const int64_t *last = inside ? NULL : store_block_col(b, FLOW_COL_LAST);
		size_t rows = store_block_rows(b);

		if (!src || !dst || (!inside && (!first || !last)))
			continue; /* counted bad by the reader */
		for (size_t i = 0; i < rows; i++) {
			struct flow f;

			if (!inside && (last[i] < o->from_ms || first[i] > o->to_ms))
				continue;
			if (!intel_lookup(o->entries, &src[i]) && !intel_lookup(o->entries, &dst[i]))
				continue;
			store_block_row(b, i, &f);
			st->matched++;
			if ((rc = keep(&m, d, &f)) < 0)
				goto out;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", o->store_dir, vigil_strerror(rc));
		goto out;
	}
	drain(&m, d);
	detect_flush(d);
	rc = 0;
out:
	if (r) {
		store_reader_get_stats(r, &rs);
		st->segments = rs.segments;
		st->segments_skipped = rs.segments_skipped;
		st->blocks = rs.blocks;
		st->blocks_skipped = rs.blocks_skipped;
		st->bad_blocks = rs.bad_blocks;
		st->rows = rs.rows;
		st->bytes_read = rs.bytes_read;
		store_reader_close(r);
	}
	st->events = rl.n;
	st->elapsed_ms = vtime_now_ms() - t0;
	detect_free(d);
	free(m.f);
	free(h.a);
	return rc;
}
