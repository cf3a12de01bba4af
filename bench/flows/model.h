/*
 * model.h - the synthetic traffic model behind the flow benchmark: a seeded,
 * deterministic stream of flows in time order for a university-like
 * constituency (198.18.0.0/16 inside, RFC 2544's benchmarking range, plus
 * 2001:db8:1::/48) talking to a heavy-tailed outside world: clients and
 * servers chosen log-uniformly (Zipf, s = 1), well-known services weighted
 * like a campus border (443, 80, 53, 22, 445, 3389, 123 ...) and ephemeral
 * ports, request/response flow pairs, P2P, a few scanners in both
 * directions and a few busy servers. Packets and bytes are Pareto-tailed.
 * Bench tool only.
 */
#ifndef VIGIL_BENCH_MODEL_H
#define VIGIL_BENCH_MODEL_H

#include <stdint.h>

#include "nf9wr.h"

struct model_opts {
	uint64_t seed;
	uint64_t flows;       /* total flows to produce */
	int64_t start_ms;     /* flow time of the first flow */
	int64_t span_ms;      /* flow time covered by all flows */
	unsigned v6_permille; /* share of IPv6 flows, per mille */
};

struct model;

/* Returns NULL on out-of-memory. */
struct model *model_new(const struct model_opts *o);
void model_free(struct model *m);
/*
 * Produce the next flow (or the two of a request/response pair: returns how
 * many were written to out[0..1], 0 when all flows are out). *now_ms is the
 * flow time at which the flows ended (the export clock).
 */
int model_next(struct model *m, struct genflow out[2], int64_t *now_ms);
/* The rare host that `host X` lookups use: present only a few minutes. */
const char *model_rare_host(void);

#endif
