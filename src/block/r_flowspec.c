/*
 * r_flowspec.c - BGP FlowSpec (RFC 8955/8956) rules as ExaBGP API
 * commands: `announce flow route { match { source A/L; } then { discard; } }`
 * and `withdraw flow route { match { source A/L; } }`. Unlike RTBH this
 * drops traffic *from* the blocked prefix at every router that takes the
 * rule. IPv6 sources carry ExaBGP's offset form A/L/0.
 */
#include "block/render_int.h"
#include "util/err.h"

#include <stdio.h>

static void rule(bool add, const struct block_item *it, FILE *out)
{
	char a[ADDR_STRLEN];
	bool v4 = addr_is_v4(&it->p.addr);

	addr_format(&it->p.addr, a);
	if (add)
		fprintf(out, "announce flow route { match { source %s/%u%s; } then { discard; } }\n", a,
			item_len(it), v4 ? "" : "/0");
	else
		fprintf(out, "withdraw flow route { match { source %s/%u%s; } }\n", a, item_len(it),
			v4 ? "" : "/0");
}

static int flowspec_full(const struct block_render_conf *c, const struct block_item *v, size_t n,
			 int64_t seq, FILE *out)
{
	(void)c;
	(void)seq;
	for (size_t i = 0; i < n; i++)
		rule(true, &v[i], out);
	return ferror(out) ? VIGIL_EIO : 0;
}

static int flowspec_change(const struct block_render_conf *c, bool add,
			   const struct block_item *it, FILE *out)
{
	(void)c;
	rule(add, it, out);
	return ferror(out) ? VIGIL_EIO : 0;
}

const struct block_renderer block_flowspec = {
	.name = "flowspec",
	.what = "BGP FlowSpec discard rules in ExaBGP's API syntax",
	.full = flowspec_full,
	.change = flowspec_change,
};
