/*
 * flow_int.h - what the files of src/flow share and nobody else sees: the
 * decoder object, the exporter table entry, compiled templates (the per
 * template "program" a data record is run through), held data sets and the
 * batch the decoders emit into. The public contract is flow.h; this header
 * must never be included from outside src/flow.
 */
#ifndef VIGIL_FLOW_FLOW_INT_H
#define VIGIL_FLOW_FLOW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "util/rd.h"

#define FLOW_BATCH 256             /* flows handed to emit at once */
#define FLOW_MAX_FIELDS 512        /* fields in one template */
#define FLOW_MAX_SAMPLERS 64       /* sampler ids remembered per exporter */
#define FLOW_PEND_MAX_BYTES 65536  /* one held data set */
#define FLOW_PEND_TTL_MS (10 * 60 * 1000)
#define FLOW_PEND_TOTAL_MAX (64u << 20) /* held bytes over all exporters */
#define FLOW_TMPL_BUCKETS 64       /* template hash buckets per exporter */

/* Numeric values a record can carry; a record keeps one slot of each. */
enum fslot {
	S_BYTES, S_PKTS, S_BYTES_TOT, S_PKTS_TOT, S_BYTES_OUT, S_PKTS_OUT,
	S_BYTES_INIT, S_PKTS_INIT,
	S_SPORT, S_DPORT, S_SPORT2, S_DPORT2, S_PROTO, S_FLAGS, S_TOS, S_SRCAS, S_DSTAS, S_INIF, S_OUTIF,
	S_SMASK, S_DMASK, S_DIR, S_XSPORT, S_XDPORT, S_NATEV, S_ICMP, S_ICMP_TYPE, S_ICMP_CODE,
	S_FIRST_UP, S_LAST_UP, S_FIRST_S, S_LAST_S, S_FIRST_MS, S_LAST_MS,
	S_FIRST_US, S_LAST_US, S_FIRST_NS, S_LAST_NS, S_FIRST_DUS, S_LAST_DUS,
	S_SYSINIT,
	S_SAMP_INT, S_SAMPLER_ID, S_SAMP_RAND, S_SAMP_PINT, S_SAMP_PSPACE,
	S_SAMP_SIZE, S_SAMP_POP,
	S_N
};

/* Addresses a record can carry. */
enum faddr { A_SRC, A_DST, A_NH, A_XSRC, A_XDST, A_N };

/* One step of a template's program. */
enum fop_kind {
	OP_SKIP,    /* fixed-length field we do not keep */
	OP_VSKIP,   /* variable-length field (RFC 7011 7) we do not keep */
	OP_UINT,    /* 1..8-byte unsigned integer into slot */
	OP_ADDR4,   /* 4-byte IPv4 address into addr slot */
	OP_ADDR6,   /* 16-byte IPv6 address into addr slot */
};

struct fop {
	uint16_t len;   /* bytes (fixed kinds) */
	uint8_t kind;   /* enum fop_kind */
	uint8_t slot;   /* enum fslot or enum faddr */
};

/* A compiled template. */
struct ftmpl {
	struct ftmpl *next;     /* hash chain */
	int64_t updated_ms;     /* last (re)announced, receive time */
	uint16_t id;
	bool options;
	bool variable;          /* has a variable-length field */
	uint32_t min_len;       /* smallest possible record (> 0) */
	uint16_t nops;
	struct fop ops[];
};

/* A data set held until its template arrives. */
struct fpend {
	struct fpend *next;
	int64_t recv_ms;
	int64_t export_ms;
	uint32_t uptime_ms;
	uint16_t tid;
	uint32_t len;
	uint8_t data[];
};

/* The header facts a data record is decoded against. */
struct fhdr {
	uint8_t version;
	bool has_uptime;        /* v9: first/last are sysUptime-relative */
	uint32_t uptime_ms;
	int64_t export_ms;
	uint32_t domain;
};

struct fsampler {
	uint32_t id;
	uint32_t rate;
};

/* One exporter: a UDP source address plus v9 source id / IPFIX domain. */
struct fexp {
	struct fexp *next;      /* hash chain */
	struct flow_exporter_stats st;
	uint32_t cfg_rate;      /* flow_decoder_set_sampling (0 = none) */
	uint32_t opt_rate;      /* from options data without a sampler id */
	uint32_t hdr_rate;      /* v5 header */
	int64_t sysinit_ms;     /* IPFIX systemInitTimeMilliseconds, 0 = unknown */
	bool seq_valid;
	uint32_t seq_next;
	unsigned nsamplers;
	struct fsampler samplers[FLOW_MAX_SAMPLERS];
	unsigned ntmpl;
	struct ftmpl *tmpl[FLOW_TMPL_BUCKETS];
	unsigned npend;
	struct fpend *pend_head, *pend_tail;
};

struct fcfg_rate {
	struct vaddr addr;
	uint32_t rate;
};

struct flow_decoder {
	struct flow_decoder_opts o;
	struct fexp **ebuckets;
	size_t nbuckets, nexp;
	struct fcfg_rate *cfg;
	size_t ncfg, capcfg;
	uint64_t exporters_refused;
	size_t pend_bytes;         /* held data over all exporters */
	struct flow_pcap_stats pcap;
	struct flow batch[FLOW_BATCH];
};

/* The context of one flow_decode call. */
struct fctx {
	struct flow_decoder *d;
	const struct vaddr *addr;
	int64_t recv_ms;
	flow_emit_fn emit;
	void *ectx;
	size_t n;        /* flows in d->batch */
	long emitted;    /* flows emitted in this call */
};

/* Per-version decoders, chosen by a table in decoder.c. */
struct flow_proto {
	uint16_t version;
	const char *name;
	int (*decode)(struct fctx *c, struct rd *r);
};

extern const struct flow_proto flow_proto_v5, flow_proto_v9, flow_proto_ipfix;

/* decoder.c: the next free slot in the batch (flushing when full), zeroed. */
struct flow *flow_out(struct fctx *c);
void flow_flush(struct fctx *c);

/* exporter.c */
struct fexp *fexp_get(struct fctx *c, uint8_t version, uint32_t domain);
void fexp_free(struct flow_decoder *d, struct fexp *e);
uint32_t fexp_rate(const struct flow_decoder *d, const struct fexp *e);
void fexp_seq(struct fexp *e, uint32_t seq, uint32_t advance);
void fexp_sampler_set(struct fexp *e, uint32_t id, uint32_t rate);
uint32_t fexp_sampler_rate(const struct fexp *e, uint32_t id);

/* template.c */
int ftmpl_parse(struct rd *r, bool ipfix, bool options, uint16_t id, uint16_t nfields,
		uint16_t nscope, struct ftmpl **out);
int ftmpl_store(struct flow_decoder *d, struct fexp *e, struct ftmpl *t, int64_t now);
struct ftmpl *ftmpl_find(struct flow_decoder *d, struct fexp *e, uint16_t id, int64_t now);
void ftmpl_withdraw(struct fexp *e, uint16_t id);
void ftmpl_withdraw_all(struct fexp *e, bool options);
void ftmpl_free_all(struct fexp *e);

/* record.c: decode the records of one data set; returns records or -err. */
long frec_decode_set(struct fctx *c, struct fexp *e, const struct ftmpl *t, const struct fhdr *h,
		     const uint8_t *p, size_t len);

long frec_data_set(struct fctx *c, struct fexp *e, const struct fhdr *h, uint16_t tid,
		   const uint8_t *p, size_t len, bool *held);
int frec_template_arrived(struct fctx *c, struct fexp *e, struct ftmpl *t);

/* pending.c */
void fpend_hold(struct flow_decoder *d, struct fexp *e, const struct fhdr *h, int64_t recv_ms,
		uint16_t tid, const uint8_t *p, size_t len);
void fpend_release(struct fctx *c, struct fexp *e, const struct ftmpl *t);
void fpend_expire(struct flow_decoder *d, struct fexp *e, int64_t now);
void fpend_free_all(struct flow_decoder *d, struct fexp *e);

/* A data/template set walk shared by v9 and IPFIX (set id, body). */
bool flow_all_zero(const uint8_t *p, size_t n);

#endif
