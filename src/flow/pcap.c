/*
 * pcap.c - reading NetFlow/IPFIX exports out of a capture file with
 * libpcap (pcap and pcapng): Ethernet (with VLAN tags), Linux cooked
 * SLL/SLL2, raw IP and BSD loopback/null link types; IPv4 and IPv6 (with
 * extension headers); UDP on any port. IP fragments are skipped and
 * counted, not reassembled. The exporter is the IP source address, the
 * receive time the capture time.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "flow/flow_int.h"
#include "util/err.h"

#define ETH_IP4 0x0800
#define ETH_IP6 0x86dd

enum l3 { L3_NONE, L3_IP4, L3_IP6 };

/* Strip the link layer: *r is left at the IP header; returns which IP. */
static enum l3 link_strip(int dlt, struct rd *r)
{
	uint16_t et = 0;
	uint32_t fam;
	uint8_t v;

	switch (dlt) {
	case DLT_EN10MB:
		if (rd_skip(r, 12) < 0 || rd_u16(r, &et) < 0)
			return L3_NONE;
		while (et == 0x8100 || et == 0x88a8 || et == 0x9100)
			if (rd_skip(r, 2) < 0 || rd_u16(r, &et) < 0)
				return L3_NONE;
		break;
	case DLT_LINUX_SLL: /* type, arphrd, addr len, addr[8], protocol */
		if (rd_skip(r, 14) < 0 || rd_u16(r, &et) < 0)
			return L3_NONE;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2: /* protocol, reserved, ifindex, arphrd, type, addr len, addr[8] */
		if (rd_u16(r, &et) < 0 || rd_skip(r, 18) < 0)
			return L3_NONE;
		break;
#endif
	case DLT_NULL:
	case DLT_LOOP:
		if (rd_u32(r, &fam) < 0)
			return L3_NONE;
		if (dlt == DLT_NULL && (fam & 0xffff) == 0) /* host byte order, written LE */
			fam = __builtin_bswap32(fam);
		if (fam == 2)
			return L3_IP4;
		if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			return L3_IP6;
		return L3_NONE;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
#if defined(DLT_RAW) && DLT_RAW != 12
	case 12:
#endif
	case 14:
		if (rd_left(r) < 1)
			return L3_NONE;
		v = r->p[0] >> 4;
		return v == 4 ? L3_IP4 : v == 6 ? L3_IP6 : L3_NONE;
	default:
		return L3_NONE;
	}
	return et == ETH_IP4 ? L3_IP4 : et == ETH_IP6 ? L3_IP6 : L3_NONE;
}

/*
 * From the IP header at r to the UDP payload: fills src and returns 1 for a
 * UDP datagram, 0 for anything else, -1 for a fragment.
 */
static int ip_to_udp(enum l3 l3, struct rd *r, struct vaddr *src)
{
	uint8_t nh;
	struct rd ip;

	if (l3 == L3_IP4) {
		uint8_t vihl, proto;
		uint16_t tot, frag;
		uint32_t s;

		if (rd_u8(r, &vihl) < 0 || (vihl >> 4) != 4 || (vihl & 15) < 5 ||
		    rd_skip(r, 1) < 0 || rd_u16(r, &tot) < 0 || rd_skip(r, 2) < 0 ||
		    rd_u16(r, &frag) < 0 || rd_skip(r, 1) < 0 || rd_u8(r, &proto) < 0 ||
		    rd_skip(r, 2) < 0 || rd_u32(r, &s) < 0 || rd_skip(r, 4) < 0 ||
		    rd_skip(r, ((vihl & 15) - 5u) * 4) < 0)
			return 0;
		if (frag & 0x3fff)
			return -1;
		if (proto != 17)
			return 0;
		addr_from_v4(src, s);
		/* trust the IP length over trailing link padding, when it fits */
		if (tot >= (vihl & 15) * 4 && (size_t)(tot - (vihl & 15) * 4) < rd_left(r))
			r->end = r->p + (tot - (vihl & 15) * 4);
		return 1;
	}
	if (l3 != L3_IP6)
		return 0;
	{
		uint8_t b[16];
		uint16_t plen;
		uint32_t vtc;

		if (rd_u32(r, &vtc) < 0 || (vtc >> 28) != 6 || rd_u16(r, &plen) < 0 ||
		    rd_u8(r, &nh) < 0 || rd_skip(r, 1) < 0 || rd_bytes(r, b, 16) < 0 ||
		    rd_skip(r, 16) < 0)
			return 0;
		addr_from_v6(src, b);
		if (plen && plen < rd_left(r))
			r->end = r->p + plen;
	}
	for (int hops = 0; hops < 8; hops++) {
		uint8_t next, hlen;

		switch (nh) {
		case 17:
			return 1;
		case 44:
			return -1;
		case 0:
		case 43:
		case 60:
		case 51:
			if (rd_u8(r, &next) < 0 || rd_u8(r, &hlen) < 0)
				return 0;
			if (rd_sub(r, nh == 51 ? (hlen + 2u) * 4 - 2 : hlen * 8u + 6, &ip) < 0)
				return 0;
			nh = next;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/* Does this UDP payload look like an export we can decode? */
static bool looks_like_export(const uint8_t *p, size_t n)
{
	uint16_t v, c;

	if (n < 16)
		return false;
	v = (uint16_t)(p[0] << 8 | p[1]);
	c = (uint16_t)(p[2] << 8 | p[3]);
	if (v == 5)
		return n >= 24 && c >= 1 && c <= 30;
	if (v == 9)
		return n >= 20;
	if (v == 10)
		return c >= 16 && c <= n;
	return false;
}

long flow_pcap_read(const char *path, struct flow_decoder *d, flow_emit_fn emit, void *ctx,
		    char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *pc;
	long total = 0;
	int dlt, rc;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (!pc) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, perr);
		return VIGIL_EIO;
	}
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		struct vaddr src;
		struct rd r;
		enum l3 l3;
		uint16_t sport, dport, ulen;
		int64_t ts;
		int u, n;

		d->pcap.frames++;
		rd_init(&r, data, ph->caplen);
		l3 = link_strip(dlt, &r);
		u = ip_to_udp(l3, &r, &src);
		if (u < 0) {
			d->pcap.fragments++;
			continue;
		}
		if (u == 0 || rd_u16(&r, &sport) < 0 || rd_u16(&r, &dport) < 0 ||
		    rd_u16(&r, &ulen) < 0 || rd_skip(&r, 2) < 0) {
			d->pcap.skipped++;
			continue;
		}
		d->pcap.udp++;
		if (ulen >= 8 && (size_t)(ulen - 8) < rd_left(&r))
			r.end = r.p + (ulen - 8);
		if (!looks_like_export(r.p, rd_left(&r))) {
			d->pcap.skipped++;
			continue;
		}
		d->pcap.exports++;
		ts = (int64_t)ph->ts.tv_sec * 1000 + ph->ts.tv_usec / 1000;
		n = flow_decode(d, &src, ts, r.p, rd_left(&r), emit, ctx);
		if (n > 0)
			total += n;
	}
	if (rc == -1) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, pcap_geterr(pc));
		pcap_close(pc);
		return VIGIL_EIO;
	}
	pcap_close(pc);
	return total;
}
