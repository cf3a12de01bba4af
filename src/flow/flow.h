/*
 * flow.h - the flow record every stage of vigil passes on, and the wire
 * decoders (NetFlow v5, v9, IPFIX) and capture reader that produce it.
 *
 * A struct flow is what one exporter said about one flow, as exported:
 * packets and bytes are NOT scaled by the sampling rate; `sampling` carries
 * the rate (1 = unsampled) so a consumer can scale honestly
 * (flow_scaled_packets()). Times are ms since the epoch, UTC.
 */
#ifndef VIGIL_FLOW_FLOW_H
#define VIGIL_FLOW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct flow {
	int64_t first_ms, last_ms;
	struct vaddr src, dst;
	struct vaddr xsrc, xdst;     /* post-NAT addresses (IPFIX 225/226, 281/282); zero if none */
	struct vaddr nexthop;
	struct vaddr exporter;       /* address the export came from */
	uint64_t packets, bytes;     /* as exported */
	uint32_t sampling;           /* 1 = unsampled; N = 1:N */
	uint32_t src_as, dst_as;
	uint32_t in_if, out_if;
	uint32_t domain;             /* v9 source id / IPFIX observation domain */
	uint16_t sport, dport;       /* for ICMP, dport = type << 8 | code (as nfdump) */
	uint16_t xsport, xdport;     /* post-NAPT ports (IPFIX 227/228) */
	uint8_t proto, tcp_flags, tos;
	uint8_t nat_event;           /* IPFIX 230; 0 = none */
	uint8_t src_mask, dst_mask;
	uint8_t direction;           /* 0 ingress, 1 egress (field 61) */
	uint8_t version;             /* 5, 9 or 10 */
};

static inline uint64_t flow_scaled_packets(const struct flow *f)
{
	return f->packets * (f->sampling ? f->sampling : 1);
}

static inline uint64_t flow_scaled_bytes(const struct flow *f)
{
	return f->bytes * (f->sampling ? f->sampling : 1);
}

/*
 * The columns of a flow, for stages that work column-wise (the store keeps
 * one compressed column per field; the query engine filters on columns).
 * Each column is an array of the struct flow member's type:
 *   int64_t: FIRST, LAST; struct vaddr: SRC..EXPORTER; uint64_t: PACKETS, BYTES;
 *   uint32_t: SAMPLING..DOMAIN; uint16_t: SPORT..XDPORT; uint8_t: PROTO..VERSION.
 */
enum flow_col {
	FLOW_COL_FIRST, FLOW_COL_LAST,
	FLOW_COL_SRC, FLOW_COL_DST, FLOW_COL_XSRC, FLOW_COL_XDST, FLOW_COL_NEXTHOP, FLOW_COL_EXPORTER,
	FLOW_COL_PACKETS, FLOW_COL_BYTES,
	FLOW_COL_SAMPLING, FLOW_COL_SRC_AS, FLOW_COL_DST_AS, FLOW_COL_IN_IF, FLOW_COL_OUT_IF,
	FLOW_COL_DOMAIN,
	FLOW_COL_SPORT, FLOW_COL_DPORT, FLOW_COL_XSPORT, FLOW_COL_XDPORT,
	FLOW_COL_PROTO, FLOW_COL_TCP_FLAGS, FLOW_COL_TOS, FLOW_COL_NAT_EVENT, FLOW_COL_SRC_MASK,
	FLOW_COL_DST_MASK, FLOW_COL_DIRECTION, FLOW_COL_VERSION,
	FLOW_NCOLS
};

/* Receives decoded flows in batches; the array is only valid during the call. */
typedef void (*flow_emit_fn)(void *ctx, const struct flow *flows, size_t n);

/* Limits against hostile or broken exporters (0 = default). */
struct flow_decoder_opts {
	unsigned max_templates;      /* per (exporter, domain); default 1024 */
	unsigned max_exporters;      /* default 65536 */
	unsigned max_pending;        /* data flowsets held waiting for a template, per exporter; default 256 */
	uint32_t default_sampling;   /* used when the exporter says nothing; default 1 */
	uint64_t template_timeout_ms;/* v9/IPFIX-UDP template lifetime; default 30 min */
};

/* Per-exporter counters, as `vigil collect` reports them. */
struct flow_exporter_stats {
	struct vaddr exporter;
	uint32_t domain;
	uint8_t version;
	uint64_t packets, records, bad_packets;
	uint64_t seq_gaps;           /* estimated lost records (v5/IPFIX) or packets (v9) */
	uint64_t pending_dropped;    /* held data dropped: template never came or cap reached */
	uint64_t unknown_template;   /* records skipped for want of a template */
	uint32_t sampling;           /* rate in force */
	uint32_t templates;
};

struct flow_decoder;

struct flow_decoder *flow_decoder_new(const struct flow_decoder_opts *opts);
void flow_decoder_free(struct flow_decoder *d);
/* Configure the sampling rate for one exporter (overrides what it sends; 0 clears). */
void flow_decoder_set_sampling(struct flow_decoder *d, const struct vaddr *exporter, uint32_t rate);

/*
 * Decode one export packet (the UDP payload) from `exporter`, received at
 * recv_ms. Flows go to emit (possibly later, for data held until its
 * template arrives). Returns the number of flows emitted now, or a negative
 * vigil_err for a malformed packet (counted in the exporter's bad_packets;
 * records decoded before the fault are still emitted).
 */
int flow_decode(struct flow_decoder *d, const struct vaddr *exporter, int64_t recv_ms,
		const uint8_t *pkt, size_t len, flow_emit_fn emit, void *ctx);

/* Visit the counters of every exporter seen. */
void flow_decoder_stats(const struct flow_decoder *d,
			void (*fn)(void *ctx, const struct flow_exporter_stats *s), void *ctx);

/*
 * Read a capture file (pcap or pcapng, via libpcap): every UDP datagram on
 * any port whose payload looks like NetFlow v5/v9 or IPFIX is decoded with
 * d, the exporter being the IP source address, the time the capture time.
 * Returns the number of flows, or a negative vigil_err (err gets a sentence).
 */
long flow_pcap_read(const char *path, struct flow_decoder *d, flow_emit_fn emit, void *ctx,
		    char *err, size_t errlen);

/* What flow_pcap_read saw, summed over the decoder's life. */
struct flow_pcap_stats {
	uint64_t frames;      /* captured frames read */
	uint64_t udp;         /* UDP datagrams found (IPv4 or IPv6) */
	uint64_t exports;     /* datagrams that looked like NetFlow/IPFIX and were decoded */
	uint64_t fragments;   /* IP fragments skipped (not reassembled) */
	uint64_t skipped;     /* frames of other link types/protocols or truncated */
};

void flow_decoder_pcap_stats(const struct flow_decoder *d, struct flow_pcap_stats *out);

#endif
