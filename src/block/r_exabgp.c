/*
 * r_exabgp.c - remotely triggered black hole routes (RFC 5635) as ExaBGP
 * API commands: `announce route A/L next-hop NH community [65535:666]`
 * to add, `withdraw route A/L next-hop NH` to remove. The next-hop is the
 * one the routers send to discard (static route to Null0; [block]
 * nexthop, nexthop6), the community RFC 7999's BLACKHOLE by default.
 * A route for a blocked source drops traffic *to* it; with loose uRPF on
 * the border (source-based RTBH) also traffic *from* it.
 */
#include "block/render_int.h"
#include "util/err.h"

#include <stdio.h>

static void route(const struct block_render_conf *c, bool add, const struct block_item *it,
		  FILE *out)
{
	char a[ADDR_STRLEN];
	bool v4 = addr_is_v4(&it->p.addr);

	addr_format(&it->p.addr, a);
	if (add)
		fprintf(out, "announce route %s/%u next-hop %s community [%s]\n", a, item_len(it),
			v4 ? c->nexthop4 : c->nexthop6, c->community);
	else
		fprintf(out, "withdraw route %s/%u next-hop %s\n", a, item_len(it),
			v4 ? c->nexthop4 : c->nexthop6);
}

static int exabgp_full(const struct block_render_conf *c, const struct block_item *v, size_t n,
		       int64_t seq, FILE *out)
{
	(void)seq;
	for (size_t i = 0; i < n; i++)
		route(c, true, &v[i], out);
	return ferror(out) ? VIGIL_EIO : 0;
}

static int exabgp_change(const struct block_render_conf *c, bool add, const struct block_item *it,
			 FILE *out)
{
	route(c, add, it, out);
	return ferror(out) ? VIGIL_EIO : 0;
}

const struct block_renderer block_exabgp = {
	.name = "exabgp",
	.what = "ExaBGP API: RTBH announce/withdraw route lines (community 65535:666)",
	.full = exabgp_full,
	.change = exabgp_change,
};
