/*
 * gen.h - deterministic pseudo-random flows for the store tests: every field
 * set, IPv4 and IPv6 mixed, every third flow the reverse of the one before,
 * so a round trip exercises every column encoding and the pairing.
 * flow i is a pure function of (seed, i) and carries i in `bytes`, so a test
 * can check every row it reads whatever the order.
 */
#ifndef VIGIL_TESTS_STORE_GEN_H
#define VIGIL_TESTS_STORE_GEN_H

#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

static inline uint64_t gen_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Flow number i of a stream; base_ms is the time of flow 0, ~1 ms apart. */
static inline void gen_flow(uint64_t seed, uint64_t i, int64_t base_ms, struct flow *f)
{
	uint64_t r = gen_mix(seed * 1000003u + i), r2 = gen_mix(r), r3 = gen_mix(r2);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(f, 0, sizeof(*f));
	f->first_ms = base_ms + (int64_t)i - (int64_t)(r % 5000);
	f->last_ms = f->first_ms + (int64_t)(r2 % 60000);
	if (r % 8 == 0) {
		memcpy(v6 + 8, &r2, 8);
		addr_from_v6(&f->src, v6);
		memcpy(v6 + 8, &r3, 8);
		addr_from_v6(&f->dst, v6);
	} else {
		addr_from_v4(&f->src, 0x0a000000u | (uint32_t)(r2 & 0xffff));
		addr_from_v4(&f->dst, 0xc6336400u | (uint32_t)(r3 & 0xff));
	}
	if (r % 16 == 1) {
		addr_from_v4(&f->xsrc, 0x64400000u | (uint32_t)(r3 >> 40 & 0xff));
		f->xsport = (uint16_t)(r3 >> 20);
		f->nat_event = 1;
	}
	addr_from_v4(&f->nexthop, 0xc0000201u + (uint32_t)(r % 3));
	addr_from_v4(&f->exporter, 0xc0000301u);
	f->packets = 1 + (r2 >> 40) % 1000;
	f->bytes = i; /* identifies the flow: the store reorders rows within a block */
	f->sampling = (r % 3 == 0) ? 1 : 100;
	f->src_as = (uint32_t)(r3 % 70000);
	f->dst_as = 786;
	f->in_if = (uint32_t)(r % 7);
	f->out_if = (uint32_t)(r2 % 9);
	f->domain = 0;
	f->sport = (uint16_t)(r >> 16);
	f->dport = (uint16_t)((r >> 32) % 4 == 0 ? 445 : (r >> 32) % 1024);
	f->proto = (r >> 48) % 3 == 0 ? 17 : 6;
	f->tcp_flags = (uint8_t)(r3 >> 8);
	f->tos = (uint8_t)(r >> 56) & 0xfc;
	f->src_mask = 24;
	f->dst_mask = (uint8_t)(r % 33);
	f->direction = (uint8_t)(r2 & 1);
	f->version = 10;
	if (i % 3 == 2) { /* the reverse of flow i-1, as a router exports a connection */
		struct flow q;

		gen_flow(seed, i - 1, base_ms, &q);
		f->src = q.dst;
		f->dst = q.src;
		f->sport = q.dport;
		f->dport = q.sport;
		f->proto = q.proto;
	}
}

#endif
