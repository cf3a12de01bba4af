/*
 * check.c - is a block working? Flows in the store whose source is in a
 * block's prefix and which were still going after the block went active
 * (plus [block] check_grace for the routers to apply it) mean the block
 * leaks: wrong router, wrong direction, a path around it. Each check reads
 * the window since the last one (up to now - [block] check_lag, so flows
 * still on their way to the store are not missed) and counts each flow in
 * the window its last packet falls in, so no flow is counted twice. A leak
 * raises a "block-leak" event on the block's incident with the counts and
 * the `vigil flows` command that shows the flows; the window and the event
 * are stored in one transaction, and the event is deduplicated by its id.
 */
#include "block/block_int.h"
#include "desk/desk.h"
#include "query/query.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/event.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct leak {
	int64_t flows, packets, bytes, first, last;
	uint32_t sampling;
};

/* Flows from p whose last packet is in (from, to]. */
static int scan_store(struct block_ctx *b, const struct vprefix *p, int64_t from, int64_t to,
		      struct leak *lk)
{
	struct store_select sel = { .from_ms = from + 1, .to_ms = to };
	struct store_reader *r = NULL;
	const struct flow *fl;
	size_t n;
	int rc;

	memset(lk, 0, sizeof(*lk));
	if (prefix_display_len(p) == (addr_is_v4(&p->addr) ? 32u : 128u)) {
		sel.hosts = &p->addr; /* one host: the segment index can skip what cannot hold it */
		sel.nhosts = 1;
	}
	if ((rc = store_reader_open(b->store_dir, &sel, &r)) < 0)
		return rc;
	while ((rc = store_reader_next(r, &fl, &n)) > 0) {
		for (size_t i = 0; i < n; i++) {
			const struct flow *f = &fl[i];

			if (f->last_ms <= from || f->last_ms > to || !prefix_contains(p, &f->src))
				continue;
			lk->flows++;
			lk->packets += (int64_t)flow_scaled_packets(f);
			lk->bytes += (int64_t)flow_scaled_bytes(f);
			if (!lk->first || f->first_ms < lk->first)
				lk->first = f->first_ms;
			if (f->last_ms > lk->last)
				lk->last = f->last_ms;
			if (f->sampling > lk->sampling)
				lk->sampling = f->sampling;
		}
	}
	store_reader_close(r);
	return rc < 0 ? rc : 0;
}

static void flows_command(const struct block_ctx *b, const char *prefix, int64_t from, int64_t to,
			  char *out, size_t n)
{
	char t1[VTIME_STRLEN], t2[VTIME_STRLEN];

	snprintf(out, n, "-R %.300s -t %s-%s 'src net %s'", b->store_dir[0] ? b->store_dir : "STORE",
		 vtime_format_s(from, t1), vtime_format_s(to, t2), prefix);
}

struct chk {
	struct block_ctx *b;
	int64_t now;
	struct block_stats *st;
	int rc;
};

static int check_one(void *ctx, const struct desk_block *bl)
{
	struct chk *c = ctx;
	struct block_ctx *b = c->b;
	int64_t start = bl->activated + b->grace, from, to;
	struct vprefix p;
	struct leak lk;
	struct event e;
	struct buf raw;
	char t[VTIME_STRLEN], t2[VTIME_STRLEN];
	bool fresh = false;
	int rc;

	if (!bl->activated || prefix_parse(bl->prefix, &p))
		return 0;
	from = bl->checked_to > start ? bl->checked_to : start;
	to = c->now - b->lag;
	if (bl->ended && bl->ended < to)
		to = bl->ended;
	if (to <= from)
		return 0;
	if ((rc = scan_store(b, &p, from, to, &lk))) {
		log_warn("block: check %lld: %s: %s", (long long)bl->id, b->store_dir,
			 vigil_strerror(rc));
		c->rc = rc;
		return 1;
	}
	c->st->checked++;
	buf_init(&raw, 16384);
	if (lk.flows) {
		event_init(&e);
		snprintf(e.kind, sizeof(e.kind), "block-leak");
		e.host = p.addr;
		snprintf(e.role, sizeof(e.role), "source");
		e.first_ms = lk.first;
		e.last_ms = lk.last;
		e.flows = (uint64_t)lk.flows;
		e.packets = (uint64_t)lk.packets;
		e.bytes = (uint64_t)lk.bytes;
		e.score = (double)lk.flows;
		e.sampling = lk.sampling;
		e.estimate = lk.sampling > 1;
		snprintf(e.why, sizeof(e.why),
			 "block not effective: %lld flows from %s after block %lld went active at %s",
			 (long long)lk.flows, bl->prefix, (long long)bl->id,
			 vtime_format_s(bl->activated, t));
		flows_command(b, bl->prefix, from, to, e.query, sizeof(e.query));
		snprintf(e.ref, sizeof(e.ref), "block:%lld", (long long)bl->id);
		snprintf(e.source, sizeof(e.source), "block-check");
		if (event_to_json(&e, &raw)) {
			buf_free(&raw);
			c->rc = VIGIL_ENOMEM;
			return 1;
		}
	}
	rc = desk_block_checked(b->d, bl->id, to, lk.flows, lk.packets, lk.bytes, lk.first, lk.last,
				lk.flows ? &e : NULL, raw.data, &fresh);
	buf_free(&raw);
	if (rc) {
		c->rc = rc;
		return 1;
	}
	if (lk.flows) {
		c->st->leaks++;
		if (fresh)
			c->st->events++;
		log_warn("block: %lld (%s) is not effective: %lld flows from it in %s..%s",
			 (long long)bl->id, bl->prefix, (long long)lk.flows,
			 vtime_format_s(from, t), vtime_format_s(to, t2));
	}
	return 0;
}

int block_check(struct block_ctx *b, int64_t now, struct block_stats *st)
{
	struct block_stats dummy = { 0 };
	struct chk c = { .b = b, .now = now, .st = st ? st : &dummy };
	int rc;

	if (!b->store_dir[0]) {
		log_error("block: no flow store to check blocks against ([store] dir, -R)");
		return VIGIL_EINVAL;
	}
	/* every block that was ever active: an ended one may have a window left */
	if ((rc = desk_block_list(b->d, NULL, check_one, &c)))
		return rc;
	return c.rc;
}

int block_flows(struct block_ctx *b, const struct desk_block *bl, size_t limit, FILE *out,
		char *cmd, size_t cmdlen)
{
	struct query_opts o = { .format = QUERY_OUT_TABLE, .limit = limit, .summary = true };
	struct query_run *qr = NULL;
	struct store_reader *r = NULL;
	struct store_select sel;
	struct store_block *blk;
	char filter[PREFIX_STRLEN + 16], err[256];
	int rc;

	if (cmd && cmdlen)
		cmd[0] = '\0';
	if (!bl->activated)
		return 0;
	o.from_ms = bl->activated + b->grace;
	o.to_ms = bl->ended ? bl->ended : vtime_now_ms();
	if (cmd && cmdlen > 12) {
		snprintf(cmd, cmdlen, "vigil flows ");
		flows_command(b, bl->prefix, o.from_ms, o.to_ms, cmd + 12, cmdlen - 12);
	}
	if (!b->store_dir[0] || o.to_ms <= o.from_ms)
		return 0;
	snprintf(filter, sizeof(filter), "src net %s", bl->prefix);
	if ((rc = query_run_new(filter, &o, out, &qr, err, sizeof(err)))) {
		log_error("block: %s", err);
		return rc;
	}
	sel = (struct store_select){ .from_ms = o.from_ms, .to_ms = o.to_ms };
	sel.nhosts = query_run_hosts(qr, &sel.hosts);
	if ((rc = store_reader_open(b->store_dir, &sel, &r)) < 0)
		goto out;
	while ((rc = store_reader_next_block(r, &blk)) > 0)
		if ((rc = query_run_block(qr, blk)))
			break;
	if (rc >= 0)
		rc = query_run_finish(qr);
out:
	if (r)
		store_reader_close(r);
	query_run_free(qr);
	return rc < 0 ? rc : 0;
}
