/*
 * stats.c - the collector's counters as an operator reads them: the table
 * of denied exporters (capped, the rest summed), totals, and the summary
 * line plus a per-exporter table (one row per exporter and observation
 * domain: packets, flows, loss from sequence numbers, bad packets, data
 * dropped for want of a template, sampling rate, templates; then one row
 * per exporter refused by the allow-list).
 */
#include "collect/collect_int.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void collect_count_source(struct collect *c, const struct vaddr *a, bool denied)
{
	size_t mask = COLLECT_MAX_SOURCES * 2 - 1;
	size_t i;

	if (denied)
		c->denied++;
	else
		c->bad_packets++;
	if (!c->src_tab)
		goto other;
	for (i = addr_hash(a) & mask;; i = (i + 1) & mask) {
		struct collect_source *d = &c->src_tab[i];
		if (!d->used) {
			if (c->nsrc >= COLLECT_MAX_SOURCES)
				goto other;
			d->used = true;
			d->addr = *a;
			c->nsrc++;
		}
		if (addr_eq(&d->addr, a)) {
			if (denied)
				d->denied++;
			else
				d->bad++;
			return;
		}
	}
other:
	if (denied)
		c->denied_other++;
	else
		c->bad_other++;
}

uint64_t collect_kernel_drops(const struct collect *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->nsocks; i++)
		n += c->socks[i].ovfl;
	return n;
}

struct sum_ctx {
	uint64_t seq_lost, exporters, packets, bad;
};

static void sum_one(void *ctx, const struct flow_exporter_stats *s)
{
	struct sum_ctx *x = ctx;

	x->seq_lost += s->seq_gaps;
	x->packets += s->packets;
	x->bad += s->bad_packets;
	x->exporters++;
}

void collect_get_totals(struct collect *c, struct collect_totals *t)
{
	struct sum_ctx x = { 0, 0, 0, 0 };

	memset(t, 0, sizeof(*t));
	if (c->dec)
		flow_decoder_stats(c->dec, sum_one, &x);
	/* live: datagrams read; captures: what the decoders were given */
	t->packets = c->live ? c->packets : x.packets;
	t->flows = c->flows;
	t->bad_packets = c->live ? c->bad_packets : x.bad;
	t->seq_lost = x.seq_lost;
	t->kernel_drops = collect_kernel_drops(c);
	t->denied = c->denied;
	t->stored = atomic_load(&c->q.stored);
	t->store_errors = atomic_load(&c->q.store_errors);
	t->recv_errors = c->recv_errors;
	t->exporters = x.exporters;
}

/* One row of the per-exporter table. */
struct row {
	struct flow_exporter_stats s;
};

struct rows {
	struct row *r;
	size_t n, cap;
};

static void collect_row(void *ctx, const struct flow_exporter_stats *s)
{
	struct rows *rs = ctx;

	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		struct row *p = realloc(rs->r, nc * sizeof(*p));
		if (!p)
			return;     /* the table is best effort; totals stay exact */
		rs->r = p;
		rs->cap = nc;
	}
	rs->r[rs->n++].s = *s;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = addr_cmp(&x->s.exporter, &y->s.exporter);

	if (c)
		return c;
	return x->s.domain < y->s.domain ? -1 : x->s.domain > y->s.domain;
}

static void print_table(struct collect *c, FILE *out)
{
	struct rows rs = { NULL, 0, 0 };
	char a[ADDR_STRLEN], samp[24];

	if (c->dec)
		flow_decoder_stats(c->dec, collect_row, &rs);
	if (rs.n)
		qsort(rs.r, rs.n, sizeof(*rs.r), row_cmp);
	fprintf(out, "  %-39s %10s %3s %12s %14s %10s %8s %10s %9s %4s\n", "exporter", "domain",
		"ver", "packets", "flows", "lost", "bad", "no-tmpl", "sampling", "tmpl");
	for (size_t i = 0; i < rs.n; i++) {
		const struct flow_exporter_stats *s = &rs.r[i].s;
		snprintf(samp, sizeof(samp), "1:%" PRIu32, s->sampling ? s->sampling : 1);
		fprintf(out, "  %-39s %10" PRIu32 " %3s %12" PRIu64 " %14" PRIu64 " %10" PRIu64
			" %8" PRIu64 " %10" PRIu64 " %9s %4" PRIu32 "\n",
			addr_format(&s->exporter, a), s->domain,
			s->version == 5 ? "v5" : s->version == 9 ? "v9" : s->version == 10 ? "ipf" : "?",
			s->packets, s->records, s->seq_gaps, s->bad_packets,
			s->unknown_template + s->pending_dropped, samp, s->templates);
	}
	if (rs.n)
		fprintf(out, "  (lost: from sequence numbers; flows for v5 and IPFIX, export packets "
			"for v9. no-tmpl: records dropped for want of a template.)\n");
	if (c->nsrc || c->denied_other || c->bad_other) {
		fprintf(out, "  %-39s %12s %12s\n", "source address", "denied", "bad");
		for (size_t i = 0; c->src_tab && i < COLLECT_MAX_SOURCES * 2; i++) {
			const struct collect_source *d = &c->src_tab[i];
			if (d->used)
				fprintf(out, "  %-39s %12" PRIu64 " %12" PRIu64 "\n",
					addr_format(&d->addr, a), d->denied, d->bad);
		}
		if (c->denied_other || c->bad_other)
			fprintf(out, "  %-39s %12" PRIu64 " %12" PRIu64 "\n", "(others, table full)",
				c->denied_other, c->bad_other);
		fprintf(out, "  (denied: not on the allow-list, not decoded; bad: datagrams no "
			"decoder accepted, whatever their version)\n");
	}
	free(rs.r);
}

void collect_stats(struct collect *c, FILE *out, bool per_exporter)
{
	struct collect_totals t;

	collect_get_totals(c, &t);
	fprintf(out, "vigil collect: %" PRIu64 " packets, %" PRIu64 " flows (%" PRIu64 " stored",
		t.packets, t.flows, t.stored);
	if (t.store_errors)
		fprintf(out, ", %" PRIu64 " NOT stored", t.store_errors);
	fprintf(out, ") from %" PRIu64 " exporter%s; %" PRIu64 " bad packets, %" PRIu64
		" lost by sequence, %" PRIu64 " dropped by the kernel, %" PRIu64 " denied\n",
		t.exporters, t.exporters == 1 ? "" : "s", t.bad_packets, t.seq_lost,
		t.kernel_drops, t.denied);
	if (per_exporter) {
		print_table(c, out);
		pthread_mutex_lock(&c->q.mu);
		fprintf(out, "  store queue: at most %u of %u batches (%u flows each) waited for the "
			"store\n", c->q.peak, c->q.cap, COLLECT_BATCH_FLOWS);
		pthread_mutex_unlock(&c->q.mu);
	}
	fflush(out);
}
