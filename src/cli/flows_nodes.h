/*
 * flows_nodes.h - `vigil flows --node`: one query over several nodes' stores
 * through their web API (GET /api/v1/query), merged as if all the flows
 * were in one store.
 */
#ifndef VIGIL_CLI_FLOWS_NODES_H
#define VIGIL_CLI_FLOWS_NODES_H

#include <stddef.h>

#include "query/query.h"

struct flows_nodes_req {
	const char *const *nodes;   /* base URLs, http://host:port */
	size_t nnodes;
	const char *filter;         /* the filter text as given */
	const struct query_opts *opts;
	const char *sort_name;      /* the -O as given, or NULL */
	const char *token;          /* Bearer token, or NULL */
	long timeout_s;             /* whole request per node; 0 none */
};

/* Ask every node, merge the answers into qr (a run with opts.merged) and
 * add their store figures to ns. Nodes that fail are named on stderr and
 * counted in *failed. 0, or a negative vigil_err when nothing could be
 * asked at all. */
int flows_nodes_run(const struct flows_nodes_req *rq, struct query_run *qr,
		    struct query_node_stats *ns, size_t *failed);

#endif
