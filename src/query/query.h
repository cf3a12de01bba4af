/*
 * query.h - the flow query engine behind `vigil flows`: nfdump's filter
 * language compiled once into a flat program and evaluated column-wise over
 * blocks of flows, top-N aggregation (-s), and the table/csv/json writers.
 *
 * Two layers. The filter layer (query_filter_*) is self-contained and can be
 * used by any stage that wants "does this flow match 'proto tcp and dst port
 * 445'": compile once, then evaluate over columns (the fast path, what the
 * store gives) or over struct flow rows (transposed internally, same
 * evaluator, same semantics). The run layer (query_run_*) is the whole of
 * `vigil flows` minus the command line: feed it batches of flows or store
 * blocks, it filters, lists or aggregates, and writes the result.
 */
#ifndef VIGIL_QUERY_QUERY_H
#define VIGIL_QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"
#include "util/addr.h"

/* Rows per evaluation batch: selection vectors are this long at most. */
#define QUERY_BATCH_ROWS 65536u
/* Caps on what a filter can grow: nodes, nesting depth, list entries. */
#define QUERY_MAX_NODES 4096u
#define QUERY_MAX_DEPTH 64u
#define QUERY_MAX_LIST 1000000u
#define QUERY_MAX_FILTER_LEN (1u << 20)

struct query_filter;

/*
 * Compile the filter text (nfdump syntax, see vigil-flows(1)); an empty or
 * all-blank text matches every flow. Returns 0 with *out set (caller frees
 * with query_filter_free), VIGIL_ESYNTAX with a message like
 *   filter:1:17: expected a port number after 'port', got 'x'
 *     proto tcp and port x
 *                        ^
 * written into err (always NUL-terminated when errlen > 0), VIGIL_ELIMIT if
 * a cap above is passed, or VIGIL_ENOMEM.
 */
int query_filter_compile(const char *text, struct query_filter **out, char *err, size_t errlen);
void query_filter_free(struct query_filter *f);

/*
 * Add a row-level time condition: only flows whose [first, last] overlaps
 * [from_ms, to_ms] match (INT64_MIN / INT64_MAX for an open end).
 */
int query_filter_set_time(struct query_filter *f, int64_t from_ms, int64_t to_ms);

/* Bit (1 << c) set for every enum flow_col the filter reads. */
uint64_t query_filter_columns(const struct query_filter *f);

/*
 * Addresses the filter requires as src or dst: every matching flow has one
 * of them as its source or destination (from `host X`, `src ip X and ...`,
 * `ip in [a b]` in the top-level and-chain). Returns the count (0 = no such
 * requirement) and points *hosts into f (valid while f lives). Pass them to
 * store_select.hosts so the store skips segments that cannot match.
 */
size_t query_filter_hosts(const struct query_filter *f, const struct vaddr **hosts);

/* True if the filter matches every flow (empty text or `any`). */
bool query_filter_is_any(const struct query_filter *f);

/*
 * A batch of columns: col[c] points at n elements of the type enum flow_col
 * gives for c; only the columns in query_filter_columns() need be set.
 */
struct query_cols {
	const void *col[FLOW_NCOLS];
	size_t n;
};

/*
 * Evaluate over a batch of at most QUERY_BATCH_ROWS rows. Writes the indices
 * of the matching rows, ascending, into sel (room for n) and returns their
 * number. Not thread-safe on one filter (it holds scratch space); compile one
 * filter per thread.
 */
size_t query_filter_eval(struct query_filter *f, const struct query_cols *c, uint32_t *sel);

/* The same over struct flow rows (any n; sel has room for n). */
size_t query_filter_eval_flows(struct query_filter *f, const struct flow *flows, size_t n,
			       uint32_t *sel);

/* One flow: does it match? (Convenient, not fast.) */
bool query_filter_match(struct query_filter *f, const struct flow *flow);

/* Fill c->col[] for the columns in mask from rows, using scratch (caller
 * provides room for n of each needed column: query_transpose_size(mask, n)
 * bytes). */
size_t query_transpose_size(uint64_t mask, size_t n);
void query_transpose(const struct flow *rows, size_t n, uint64_t mask, void *scratch,
		     struct query_cols *c);

/* ---- aggregation (-s KEY/ORDER) ---- */

enum query_key {
	QUERY_KEY_SRCIP, QUERY_KEY_DSTIP, QUERY_KEY_IP, QUERY_KEY_SRCPORT, QUERY_KEY_DSTPORT,
	QUERY_KEY_PORT, QUERY_KEY_PROTO, QUERY_KEY_SRCAS, QUERY_KEY_DSTAS, QUERY_KEY_EXPORTER,
	QUERY_KEY_AS, QUERY_KEY_INIF, QUERY_KEY_OUTIF, QUERY_KEY_IF, QUERY_KEY_TOS, QUERY_KEY_NHIP,
};
enum query_order {
	QUERY_ORDER_FLOWS, QUERY_ORDER_PACKETS, QUERY_ORDER_BYTES, QUERY_ORDER_PPS, QUERY_ORDER_BPS,
	QUERY_ORDER_BPP, QUERY_ORDER_TSTART, QUERY_ORDER_TEND,
};

/* Parse "srcip", "dstport/bytes", "ip/packets" (case-insensitive). 0 or VIGIL_EINVAL. */
int query_stat_parse(const char *s, enum query_key *key, enum query_order *order);
const char *query_key_name(enum query_key key);   /* "srcip" */
const char *query_order_name(enum query_order o); /* "flows" */

/* One aggregated key. For integer keys the value is in addr.b[12..15],
 * host order big-endian as in an IPv4-mapped address (see query_agg_key_u32). */
struct query_agg_entry {
	struct vaddr key;
	int64_t first_ms, last_ms;
	uint64_t flows, packets, bytes;
	int proto;  /* the protocol if all flows agree, else -1 */
};

#define QUERY_AGG_MAX_KEYS (64u << 20)

struct query_agg;

/* New aggregation (max_keys 0 = QUERY_AGG_MAX_KEYS). NULL on ENOMEM. */
struct query_agg *query_agg_new(enum query_key key, enum query_order order, size_t max_keys);
void query_agg_free(struct query_agg *a);
/* Columns the aggregation reads (bit per enum flow_col). */
uint64_t query_agg_columns(const struct query_agg *a);
/* Add the rows sel[0..nsel) of c (sel NULL: rows 0..c->n). 0, or VIGIL_ELIMIT
 * when max_keys distinct keys are held (the rows of new keys are counted in
 * query_agg_dropped()). */
int query_agg_add(struct query_agg *a, const struct query_cols *c, const uint32_t *sel, size_t nsel);
uint64_t query_agg_dropped(const struct query_agg *a);
/* Distinct keys held. */
size_t query_agg_count(const struct query_agg *a);
/* The top n entries by the order (ties: smaller key first) into out (room for
 * n); returns how many were written. */
size_t query_agg_top(const struct query_agg *a, size_t n, struct query_agg_entry *out);
/* Totals over everything added (for the percentages). */
void query_agg_totals(const struct query_agg *a, uint64_t *flows, uint64_t *packets, uint64_t *bytes);
/* Merging the tables of several nodes (vigil flows --node): add one entry of
 * another table (summed per key, first/last widened; 0 or VIGIL_ELIMIT),
 * add another table's totals, and visit every entry held (any order). */
int query_agg_merge(struct query_agg *a, const struct query_agg_entry *e);
void query_agg_merge_totals(struct query_agg *a, uint64_t flows, uint64_t packets, uint64_t bytes);
void query_agg_each(const struct query_agg *a, void (*fn)(void *ctx, const struct query_agg_entry *e),
		    void *ctx);
static inline uint32_t query_agg_key_u32(const struct query_agg_entry *e)
{
	return (uint32_t)e->key.b[12] << 24 | (uint32_t)e->key.b[13] << 16 |
	       (uint32_t)e->key.b[14] << 8 | e->key.b[15];
}

/* ---- flow aggregation (-a, -A KEY,..., -b, -B; flowagg.c) ---- */

enum {
	QAGG_SRCIP = 1u << 0, QAGG_DSTIP = 1u << 1, QAGG_SRCPORT = 1u << 2, QAGG_DSTPORT = 1u << 3,
	QAGG_PROTO = 1u << 4, QAGG_SRCAS = 1u << 5, QAGG_DSTAS = 1u << 6, QAGG_INIF = 1u << 7,
	QAGG_OUTIF = 1u << 8, QAGG_NEXT = 1u << 9, QAGG_ROUTER = 1u << 10, QAGG_TOS = 1u << 11,
	QAGG_SRCNET = 1u << 12, QAGG_DSTNET = 1u << 13, QAGG_SRCMASK = 1u << 14,
	QAGG_DSTMASK = 1u << 15, QAGG_XSRCIP = 1u << 16, QAGG_XDSTIP = 1u << 17,
	QAGG_XSRCPORT = 1u << 18, QAGG_XDSTPORT = 1u << 19,
};
#define QAGG_5TUPLE (QAGG_SRCIP | QAGG_DSTIP | QAGG_SRCPORT | QAGG_DSTPORT | QAGG_PROTO)
#define QAGG_MAX_TOKS 24

/* What to aggregate by: fields 0 = the 5-tuple keeping the first flow's
 * other fields (-a); bidir 1 (-b) or 2 (-B, client by port) joins a flow and
 * its reverse. Address bits apply to srcip/dstip (srcip4/24). */
struct query_aggspec {
	uint32_t fields;
	int bidir;
	uint8_t src_bits4, dst_bits4, src_bits6, dst_bits6;
	const char *order_tok[QAGG_MAX_TOKS];  /* -o fmt tokens of the keys, in -A order */
	size_t ntok;
};

/* Add the keys of an -A list ("srcip,dstport,srcip4/24") to sp (zeroed
 * first); VIGIL_EINVAL with err naming the unknown key. */
int query_aggspec_parse(const char *s, struct query_aggspec *sp, char *err, size_t errlen);
/* nfdump's automatic -A output format "%ts %td <keys> %pkt %byt %bps %bpp %fl". */
size_t query_aggspec_format(const struct query_aggspec *sp, char *buf, size_t size);
uint64_t query_aggspec_columns(const struct query_aggspec *sp);

struct qrec;
struct query_flowagg;
struct query_flowagg *query_flowagg_new(const struct query_aggspec *sp, size_t max_keys);
void query_flowagg_free(struct query_flowagg *a);
/* 0, or VIGIL_ELIMIT when max_keys records are held (the flow is not counted). */
int query_flowagg_add(struct query_flowagg *a, const struct flow *f);
size_t query_flowagg_count(const struct query_flowagg *a);
/* Records in first-seen order. */
const struct qrec *query_flowagg_rec(const struct query_flowagg *a, size_t i);

/* ---- the whole query (what `vigil flows` runs) ---- */

/* -O holds the matching flows (a few hundred bytes each), -a/-A/-b/-B their
 * records: at most this many (more: VIGIL_ELIMIT, or counted as dropped). */
#define QUERY_SORT_MAX_ROWS (16u << 20)

/* QUERY_OUT_NULL is -o null: rows are counted, never decoded or written.
 * QUERY_OUT_PARTIAL is a node's partial answer (opts.partial sets it,
 * whatever format says): every row is written, with every column. */
enum query_format {
	QUERY_OUT_TABLE, QUERY_OUT_CSV, QUERY_OUT_JSON, QUERY_OUT_FMT, QUERY_OUT_NULL,
	QUERY_OUT_PARTIAL,
};

/* -O: the order records are printed in (nfdump's names). */
enum query_sort {
	QUERY_SORT_NONE, QUERY_SORT_TSTART, QUERY_SORT_TEND, QUERY_SORT_FLOWS, QUERY_SORT_PACKETS,
	QUERY_SORT_BYTES, QUERY_SORT_PPS, QUERY_SORT_BPS, QUERY_SORT_BPP, QUERY_SORT_DURATION,
	QUERY_SORT_OPACKETS, QUERY_SORT_OBYTES,
};
/* Parse an -O name (tstart tend flows packets bytes pps bps bpp duration and
 * nfdump's ipkg ibyte opkg obyte ...). 0 or VIGIL_EINVAL. */
int query_sort_parse(const char *s, enum query_sort *out);
/* The -s order an -O stands for; VIGIL_EINVAL if none (duration, opkg, ...). */
int query_sort_stat_order(enum query_sort s, enum query_order *out);
/* nfdump's named format ("line", "long", "extended", "biline", "bilong") as
 * a format string, or NULL. */
const char *query_named_format(const char *name);

#define QUERY_MAX_STATS 8

struct query_opts {
	enum query_format format;
	size_t limit;                /* -n: flows listed / top entries; 0 = all (list), 10 (top) */
	int64_t from_ms, to_ms;      /* -t; INT64_MIN / INT64_MAX when unset */
	size_t nstats;               /* number of -s */
	enum query_key stat_key[QUERY_MAX_STATS];
	enum query_order stat_order[QUERY_MAX_STATS];
	bool stat_explicit[QUERY_MAX_STATS];  /* the -s named its order (else -O gives it) */
	bool summary;                /* table: print the summary lines (default on via cmd) */
	bool no_header;              /* -q: no header line (table, fmt, csv) */
	bool plain;                  /* -N: numbers unscaled (table, fmt) */
	const char *fmt;             /* QUERY_OUT_FMT: the format string (nfdump tokens) */
	uint64_t max_records;        /* -c: only the first N flows that pass the filter; 0 = all */
	enum query_sort sort;        /* -O */
	bool aggregate;              /* -a, -A, -b, -B: aggregate by agg */
	struct query_aggspec agg;
	/* Queries across nodes (vigil flows --node; docs/internals/web.md):
	 * partial: this run is a node's part; it writes the partial answer
	 * (rows with every column, the whole -s tables, the totals) instead of
	 * the output format; merged: this run's input is nodes' partial
	 * answers (query_run_merge_partial), the totals are theirs. A
	 * partial run's format is QUERY_OUT_PARTIAL, never -o null's "count
	 * only" (a node would send no rows). */
	bool partial;
	bool merged;
};

struct query_run_stats {
	uint64_t rows_seen, rows_matched, rows_printed, batches, bad_blocks;
	uint64_t agg_dropped;
	uint32_t max_sampling;
};

struct query_run;
struct store_block;

/* Compile filter_text and set up the run writing to out. Errors as
 * query_filter_compile (err gets the message). */
int query_run_new(const char *filter_text, const struct query_opts *opts, FILE *out,
		  struct query_run **qr, char *err, size_t errlen);
/* Columns read from every block (filter, aggregation, summary); a listing
 * also reads the shown columns of blocks where a row matched. */
uint64_t query_run_columns(const struct query_run *qr);
/* Hosts for store_select (see query_filter_hosts). */
size_t query_run_hosts(const struct query_run *qr, const struct vaddr **hosts);
/* Feed flows (any n). Returns 0, 1 when the run needs no more input (-n
 * reached while listing), or a negative vigil_err (VIGIL_EIO: write failed). */
int query_run_flows(struct query_run *qr, const struct flow *flows, size_t n);
/* Feed one store block (its columns are fetched as needed). Same returns; a
 * block whose column cannot be decoded is counted in bad_blocks and skipped. */
int query_run_block(struct query_run *qr, struct store_block *b);
/* Write the top-N tables / summary and flush. 0 or VIGIL_EIO. */
int query_run_finish(struct query_run *qr);
void query_run_get_stats(const struct query_run *qr, struct query_run_stats *s);

/* A node's store figures, carried in its partial answer (the X line). */
struct query_node_stats {
	uint64_t segments, segments_skipped, blocks, bad_blocks, bytes_read;
};
/* Feed one node's whole partial answer (len bytes, the wire format of
 * docs/internals/web.md) into a merged run; adds its store figures to ns.
 * 0, 1 when the run needs no more input (-n reached while listing), or a
 * negative vigil_err with err saying what is wrong (VIGIL_EFORMAT for a
 * malformed or truncated answer). */
int query_run_merge_partial(struct query_run *qr, const char *buf, size_t len,
			    struct query_node_stats *ns, char *err, size_t errlen);
void query_run_free(struct query_run *qr);

#endif
