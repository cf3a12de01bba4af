/*
 * r_cisco.c - Cisco IOS / IOS-XE extended named ACLs. IPv4 blocks go into
 * `ip access-list extended NAME` as `deny ip host A any` (a /32) or
 * `deny ip A WILDCARD any` (a shorter prefix, the wildcard being the
 * inverted mask), IPv6 into `ipv6 access-list NAME6` as `deny ipv6 host A
 * any` or `deny ipv6 A/L any`. Each entry carries the block's id as its
 * sequence number, so a change can add or remove exactly one line
 * (`ID deny ...`, `no ID`), and the list ends with a permit at the highest
 * sequence number IOS allows, so a block never falls after it. Apply the
 * lists inbound on the border interfaces (`ip access-group NAME in`,
 * `ipv6 traffic-filter NAME6 in`).
 */
#include "block/render_int.h"
#include "util/err.h"

#include <stdio.h>

#define CISCO_LAST_SEQ 2147483647LL

static void deny_line(const struct block_item *it, FILE *out)
{
	char a[ADDR_STRLEN];
	unsigned len = item_len(it);

	addr_format(&it->p.addr, a);
	if (addr_is_v4(&it->p.addr)) {
		uint32_t wild = len >= 32 ? 0 : (len == 0 ? 0xffffffffu : (0xffffffffu >> len));

		if (len == 32)
			fprintf(out, " %lld deny ip host %s any\n", (long long)it->id, a);
		else
			fprintf(out, " %lld deny ip %s %u.%u.%u.%u any\n", (long long)it->id, a,
				wild >> 24, (wild >> 16) & 255, (wild >> 8) & 255, wild & 255);
	} else if (len == 128) {
		fprintf(out, " sequence %lld deny ipv6 host %s any\n", (long long)it->id, a);
	} else {
		fprintf(out, " sequence %lld deny ipv6 %s/%u any\n", (long long)it->id, a, len);
	}
}

static int cisco_full(const struct block_render_conf *c, const struct block_item *v, size_t n,
		      int64_t seq, FILE *out)
{
	fprintf(out, "! vigil blocks, change %lld: %zu active\n", (long long)seq, n);
	fprintf(out, "no ip access-list extended %s\n", c->acl4);
	fprintf(out, "ip access-list extended %s\n", c->acl4);
	for (size_t i = 0; i < n; i++)
		if (addr_is_v4(&v[i].p.addr))
			deny_line(&v[i], out);
	fprintf(out, " %lld permit ip any any\n", CISCO_LAST_SEQ);
	fprintf(out, "no ipv6 access-list %s\n", c->acl6);
	fprintf(out, "ipv6 access-list %s\n", c->acl6);
	for (size_t i = 0; i < n; i++)
		if (!addr_is_v4(&v[i].p.addr))
			deny_line(&v[i], out);
	fprintf(out, " sequence %lld permit ipv6 any any\n", CISCO_LAST_SEQ);
	fprintf(out, "end\n");
	return ferror(out) ? VIGIL_EIO : 0;
}

static int cisco_change(const struct block_render_conf *c, bool add, const struct block_item *it,
			FILE *out)
{
	bool v4 = addr_is_v4(&it->p.addr);

	if (v4)
		fprintf(out, "ip access-list extended %s\n", c->acl4);
	else
		fprintf(out, "ipv6 access-list %s\n", c->acl6);
	if (add)
		deny_line(it, out);
	else if (v4)
		fprintf(out, " no %lld\n", (long long)it->id);
	else
		fprintf(out, " no sequence %lld\n", (long long)it->id);
	fprintf(out, "end\n");
	return ferror(out) ? VIGIL_EIO : 0;
}

const struct block_renderer block_cisco = {
	.name = "cisco",
	.what = "Cisco IOS/IOS-XE extended named ACLs (ip and ipv6 access-list)",
	.full = cisco_full,
	.change = cisco_change,
};
