/*
 * flownat.c - the NAT events routers export in NetFlow v9 / IPFIX (natEvent,
 * IPFIX 230, with the post-NAT source address and port, 225 and 227; Cisco
 * ASA NSEL's xlate fields arrive in the same post-NAT columns) as mapping
 * records. The decoders already keep these fields in struct flow.
 */
#include "flow/flow.h"
#include "nat/nat.h"

#include <string.h>

int nat_from_flow(const struct flow *f, struct nat_rec *out)
{
	bool src_nat = !addr_is_zero(&f->xsrc) && (!addr_eq(&f->xsrc, &f->src) || f->xsport != f->sport);
	bool dst_nat = !addr_is_zero(&f->xdst) && (!addr_eq(&f->xdst, &f->dst) || f->xdport != f->dport);

	if (!src_nat && !dst_nat)
		return 0;
	/* RFC 8158 natEvent: 3 translation failed, 7..16 quota and limit events: no mapping */
	if (f->nat_event == 3 || (f->nat_event >= 7 && f->nat_event <= 16))
		return 0;
	memset(out, 0, sizeof(*out));
	out->proto = f->proto;
	if (src_nat) {
		out->inside = f->src;
		out->inside_port = f->sport;
		out->outside = f->xsrc;
		out->outside_port = f->xsport;
		out->peer = f->dst;
		out->peer_port = f->dport;
	} else { /* a port forward: the outside destination reaches the inside server */
		out->inside = f->xdst;
		out->inside_port = f->xdport;
		out->outside = f->dst;
		out->outside_port = f->dport;
		out->peer = f->src;
		out->peer_port = f->sport;
	}
	out->has_peer = true;
	switch (f->nat_event) {
	case 1: case 4: case 17: case 19: /* NAT44/NAT64 session or BIB create */
		out->ev = NAT_OPEN;
		out->start_ms = f->first_ms;
		break;
	case 2: case 5: case 18: case 20: /* deletes */
		out->ev = NAT_CLOSE;
		out->start_ms = f->first_ms;
		out->end_ms = f->last_ms > f->first_ms ? f->last_ms : f->first_ms;
		break;
	default: /* no event: the flow itself is the mapping's evidence */
		out->ev = NAT_CLOSE;
		out->start_ms = f->first_ms;
		out->end_ms = f->last_ms;
		break;
	}
	return 1;
}
