/*
 * pktbuild.h - test-only helpers: build export packets byte by byte in
 * network order (with back-patching of length fields) and collect the
 * flows a decoder emits. Header-only, static; included by the flow tests.
 */
#ifndef VIGIL_TESTS_FLOW_PKTBUILD_H
#define VIGIL_TESTS_FLOW_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

struct pb {
	uint8_t b[65536];
	size_t n;
};

static inline void pb_u8(struct pb *p, uint8_t v) { p->b[p->n++] = v; }
static inline void pb_u16(struct pb *p, uint16_t v)
{
	pb_u8(p, (uint8_t)(v >> 8));
	pb_u8(p, (uint8_t)v);
}
static inline void pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, (uint16_t)(v >> 16));
	pb_u16(p, (uint16_t)v);
}
static inline void pb_u64(struct pb *p, uint64_t v)
{
	pb_u32(p, (uint32_t)(v >> 32));
	pb_u32(p, (uint32_t)v);
}
static inline void pb_bytes(struct pb *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}
static inline void pb_put16(struct pb *p, size_t at, uint16_t v)
{
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}
/* Start a v9 flowset / IPFIX set; returns its offset for pb_end_set. */
static inline size_t pb_set(struct pb *p, uint16_t id)
{
	size_t at = p->n;

	pb_u16(p, id);
	pb_u16(p, 0);
	return at;
}
static inline void pb_end_set(struct pb *p, size_t at) { pb_put16(p, at + 2, (uint16_t)(p->n - at)); }

/* Collects up to 4096 emitted flows. */
struct sink {
	struct flow f[4096];
	size_t n;
	size_t calls;
};

static inline void sink_emit(void *ctx, const struct flow *f, size_t n)
{
	struct sink *s = ctx;

	s->calls++;
	for (size_t i = 0; i < n && s->n < 4096; i++)
		s->f[s->n++] = f[i];
}

/* Counters of one exporter (the first seen with this version). */
struct stats_q {
	uint8_t version;
	int found;
	struct flow_exporter_stats st;
};

static inline void stats_cb(void *ctx, const struct flow_exporter_stats *s)
{
	struct stats_q *q = ctx;

	if (s->version == q->version && !q->found) {
		q->st = *s;
		q->found = 1;
	}
}

static inline struct flow_exporter_stats stats_of(struct flow_decoder *d, uint8_t version)
{
	struct stats_q q = { .version = version };

	flow_decoder_stats(d, stats_cb, &q);
	return q.st;
}

#endif
