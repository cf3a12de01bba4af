/*
 * netflow5.c - NetFlow v5: a 24-byte header (sysUptime, export time,
 * flow_sequence counting flows, engine type/id, sampling_interval whose low
 * 14 bits are the rate and top 2 the mode) and fixed 48-byte IPv4 records.
 * Times are sysUptime-relative and become epoch ms against the header.
 */
#include "flow/flow_int.h"
#include "util/err.h"

#define V5_RECORD 48

static int v5_record(struct fctx *c, struct fexp *e, struct rd *r, int64_t export_ms,
		     uint32_t uptime)
{
	uint32_t src, dst, nh, pkts, octets, first, last;
	uint16_t in_if, out_if, sport, dport, src_as, dst_as;
	uint8_t pad, flags, proto, tos, smask, dmask;
	struct flow *f;

	if (rd_u32(r, &src) < 0 || rd_u32(r, &dst) < 0 || rd_u32(r, &nh) < 0 ||
	    rd_u16(r, &in_if) < 0 || rd_u16(r, &out_if) < 0 || rd_u32(r, &pkts) < 0 ||
	    rd_u32(r, &octets) < 0 || rd_u32(r, &first) < 0 || rd_u32(r, &last) < 0 ||
	    rd_u16(r, &sport) < 0 || rd_u16(r, &dport) < 0 || rd_u8(r, &pad) < 0 ||
	    rd_u8(r, &flags) < 0 || rd_u8(r, &proto) < 0 || rd_u8(r, &tos) < 0 ||
	    rd_u16(r, &src_as) < 0 || rd_u16(r, &dst_as) < 0 || rd_u8(r, &smask) < 0 ||
	    rd_u8(r, &dmask) < 0 || rd_skip(r, 2) < 0)
		return VIGIL_ESHORT;
	f = flow_out(c);
	addr_from_v4(&f->src, src);
	addr_from_v4(&f->dst, dst);
	addr_from_v4(&f->nexthop, nh);
	f->exporter = *c->addr;
	f->first_ms = export_ms - (int64_t)(int32_t)(uptime - first);
	f->last_ms = export_ms - (int64_t)(int32_t)(uptime - last);
	f->packets = pkts;
	f->bytes = octets;
	f->sampling = fexp_rate(c->d, e);
	f->src_as = src_as;
	f->dst_as = dst_as;
	f->in_if = in_if;
	f->out_if = out_if;
	f->domain = e->st.domain;
	f->sport = sport;
	f->dport = dport;
	f->proto = proto;
	f->tcp_flags = flags;
	f->tos = tos;
	f->src_mask = smask;
	f->dst_mask = dmask;
	f->version = 5;
	return 0;
}

/* r is positioned after the version field. */
static int v5_decode(struct fctx *c, struct rd *r)
{
	uint16_t count, samp;
	uint32_t uptime, secs, nsecs, seq;
	uint8_t etype, eid;
	struct fexp *e;
	int64_t export_ms;
	int rc = 0;

	if (rd_u16(r, &count) < 0 || rd_u32(r, &uptime) < 0 || rd_u32(r, &secs) < 0 ||
	    rd_u32(r, &nsecs) < 0 || rd_u32(r, &seq) < 0 || rd_u8(r, &etype) < 0 ||
	    rd_u8(r, &eid) < 0 || rd_u16(r, &samp) < 0) {
		e = fexp_get(c, 5, 0);
		if (e) {
			e->st.packets++;
			e->st.bad_packets++;
		}
		return VIGIL_ESHORT;
	}
	e = fexp_get(c, 5, (uint32_t)etype << 8 | eid);
	if (!e)
		return VIGIL_ELIMIT;
	e->st.packets++;
	e->hdr_rate = samp & 0x3fff;
	export_ms = (int64_t)secs * 1000 + nsecs / 1000000;
	if (count == 0 || count > 30) {
		/* a count no v5 exporter sends: nothing in the packet is trusted */
		e->st.bad_packets++;
		return VIGIL_EFORMAT;
	}
	if (rd_left(r) < (size_t)count * V5_RECORD)
		rc = VIGIL_ESHORT; /* decode the whole records there are, then report */
	fexp_seq(e, seq, count);
	for (uint16_t i = 0; i < count && rd_left(r) >= V5_RECORD; i++) {
		v5_record(c, e, r, export_ms, uptime);
		e->st.records++;
	}
	if (rc < 0)
		e->st.bad_packets++;
	return rc;
}

const struct flow_proto flow_proto_v5 = { 5, "netflow5", v5_decode };
