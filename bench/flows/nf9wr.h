/*
 * nf9wr.h - the benchmark's own small NetFlow v9 export writer: a bounded
 * big-endian byte writer, the two data templates (IPv4, IPv6) and the
 * options template the generator uses, packet assembly, and a pcap writer
 * (Ethernet/IPv4/UDP framing) so one file can be replayed to any collector.
 * Bench tool only: never linked into vigil.
 */
#ifndef VIGIL_BENCH_NF9WR_H
#define VIGIL_BENCH_NF9WR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/addr.h"

/* A bounded writer: a write that does not fit sets err and writes nothing. */
struct wr {
	uint8_t *p, *start, *end;
	int err;
};

void wr_init(struct wr *w, void *buf, size_t len);
void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
static inline size_t wr_len(const struct wr *w) { return (size_t)(w->p - w->start); }
static inline size_t wr_room(const struct wr *w) { return (size_t)(w->end - w->p); }

/* One generated flow, in the terms of the export (times in ms since epoch). */
struct genflow {
	int64_t first_ms, last_ms;
	struct vaddr src, dst;
	uint32_t packets, bytes;
	uint16_t sport, dport, in_if, out_if;
	uint8_t proto, tcp_flags, tos, src_mask, dst_mask, direction;
};

#define NF9_TPL_V4 256
#define NF9_TPL_V6 257
#define NF9_TPL_OPT 258
#define NF9_REC_V4 46  /* bytes per IPv4 data record */
#define NF9_REC_V6 66  /* bytes per IPv6 data record */
#define NF9_MAXPKT 1400

/*
 * An exporter: v9 source id, boot time (sysUptime origin), the packet
 * sequence number and the sampling interval it announces (1 = none).
 */
struct nf9_exporter {
	uint32_t source_id;
	int64_t boot_ms;
	uint32_t seq;
	uint32_t sampling;
};

/* Write a packet holding the templates (and the sampling option if the
 * exporter samples) exported at now_ms. Returns its length, 0 on overflow. */
size_t nf9_template_packet(struct nf9_exporter *e, int64_t now_ms, uint8_t *buf, size_t cap);

/*
 * Write a data packet of n flows (all IPv4 or all IPv6, as v6 says) exported
 * at now_ms. The caller sizes n so it fits (nf9_fit()). Returns its length,
 * 0 if it did not fit.
 */
size_t nf9_data_packet(struct nf9_exporter *e, int64_t now_ms, int v6, const struct genflow *f,
		       size_t n, uint8_t *buf, size_t cap);
/* How many records of that family fit in a packet of cap bytes. */
size_t nf9_fit(int v6, size_t cap);

/* pcap output: Ethernet + IPv4 + UDP from exporter to collector. */
struct pcapw {
	FILE *fp;
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport;
	uint16_t ip_id;
	uint64_t packets, bytes;
};

int pcapw_open(struct pcapw *pw, const char *path, uint32_t src_ip, uint32_t dst_ip);
int pcapw_write(struct pcapw *pw, int64_t ts_ms, const uint8_t *payload, size_t len);
int pcapw_close(struct pcapw *pw);

#endif
