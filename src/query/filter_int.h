/*
 * filter_int.h - the compiled form of a filter, shared by the parser
 * (filter_parse.c, which builds it) and the evaluator (filter_eval.c, which
 * runs it). Internal to src/query: nothing outside includes this.
 *
 * A compiled filter is a flat array of nodes; inner nodes (and/or/not) name
 * their children by index, the root is the last node added. Each leaf is one
 * test on one column (or on two, for the `src or dst` / `src and dst`
 * qualifiers), chosen so the evaluator runs one tight loop per leaf.
 */
#ifndef VIGIL_QUERY_FILTER_INT_H
#define VIGIL_QUERY_FILTER_INT_H

#include "query/query.h"
#include "util/lpm.h"

enum qn_kind {
	QN_TRUE, QN_FALSE,
	QN_AND, QN_OR, QN_NOT,
	QN_CMP,      /* integer column <op> val (u8/u16/u32/u64/i64 columns) */
	QN_ADDR,     /* address column == addr */
	QN_NET,      /* address column in prefix */
	QN_ADDRSET,  /* address column in lpm set */
	QN_PORTSET,  /* u16 column in bitmap */
	QN_FLAGS,    /* (u8 column & val) == val */
	QN_DERIVED,  /* duration/pps/bps/bpp <op> dval */
	QN_FAMILY,   /* src address family: val 4 or 6 */
	QN_TIME,     /* first <= to && last >= from */
	QN_ICMP,     /* ICMP(v6) flow whose type (derived 0) or code (1) <op> val */
};

enum qn_op { QOP_EQ, QOP_NE, QOP_LT, QOP_GT, QOP_LE, QOP_GE };
enum qn_derived { QD_DURATION, QD_PPS, QD_BPS, QD_BPP };
/* How a two-column leaf combines: one column, either, both. */
enum qn_dual { QD_ONE, QD_EITHER, QD_BOTH };
enum qn_ctype { QT_U8, QT_U16, QT_U32, QT_U64, QT_I64, QT_ADDR };

struct qnode {
	uint8_t kind, op, dual, ctype, derived;
	uint8_t col[2];
	uint32_t left, right;        /* and/or: kids[left .. left+right); not: node left */
	uint64_t val;                /* QN_CMP, QN_FLAGS, QN_FAMILY */
	int64_t from_ms, to_ms;      /* QN_TIME */
	double dval;                 /* QN_DERIVED */
	uint64_t key[2], mask[2];    /* QN_ADDR / QN_NET: address halves, prefix mask */
	struct lpm *set;             /* QN_ADDRSET (owned) */
	uint8_t *bitmap;             /* QN_PORTSET (owned, 8 KiB) */
	struct vaddr *hosts;         /* QN_ADDRSET: the list when all are single hosts (owned) */
	size_t nhosts;
};

struct query_filter {
	struct qnode *nodes;
	size_t nnodes, cap;
	uint32_t root;
	uint32_t *kids;              /* children lists of and/or nodes */
	size_t nkids, kcap;
	uint64_t columns;            /* bit per flow_col read */
	struct vaddr *req_hosts;     /* required hosts (see query_filter_hosts) */
	size_t nreq_hosts;
	bool any;
	/* Evaluation scratch: two selection vectors per nesting level. */
	uint32_t *scratch[2 * QUERY_MAX_DEPTH + 2];
	unsigned depth;              /* deepest nesting of the tree */
	void *tbuf;                  /* transpose buffer for eval_flows */
	size_t tbuf_size;
};

/* Element type of a column. */
enum qn_ctype qfilter_col_type(enum flow_col c);
/* Add a node; returns its index or a negative vigil_err. */
int qfilter_add(struct query_filter *f, const struct qnode *n);
/* Recompute columns, depth and required hosts after the tree changed. */
int qfilter_finish(struct query_filter *f);

#endif
