/*
 * filter_eval.c - runs a compiled filter column-wise over a batch.
 *
 * Every node maps a selection vector (ascending row indices, or "all rows"
 * when NULL) to the sub-vector of rows it accepts. A leaf is one tight,
 * branch-free loop over one column; `and` feeds each child only the rows its
 * earlier children kept (so cheap, selective terms first make the rest
 * nearly free) and stops when none are left; `or` feeds each child only the
 * rows not yet accepted; `not` is a set difference. Every node may write its
 * output over its input, so `and` needs no scratch; `or` and `not` use two
 * scratch vectors per nesting level. The same evaluator serves struct flow
 * rows after a transpose into columns, so there is one semantics.
 */
#include "query/filter_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

enum qn_ctype qfilter_col_type(enum flow_col c)
{
	if (c <= FLOW_COL_LAST)
		return QT_I64;
	if (c <= FLOW_COL_EXPORTER)
		return QT_ADDR;
	if (c <= FLOW_COL_BYTES)
		return QT_U64;
	if (c <= FLOW_COL_DOMAIN)
		return QT_U32;
	if (c <= FLOW_COL_XDPORT)
		return QT_U16;
	return QT_U8;
}

static size_t col_size(enum flow_col c)
{
	static const size_t sz[] = { [QT_U8] = 1, [QT_U16] = 2, [QT_U32] = 4, [QT_U64] = 8,
				     [QT_I64] = 8, [QT_ADDR] = 16 };
	return sz[qfilter_col_type(c)];
}

int qfilter_add(struct query_filter *f, const struct qnode *n)
{
	if (f->nnodes >= QUERY_MAX_NODES)
		return VIGIL_ELIMIT;
	if (f->nnodes == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct qnode *nn = realloc(f->nodes, nc * sizeof(*nn));
		if (!nn)
			return VIGIL_ENOMEM;
		f->nodes = nn;
		f->cap = nc;
	}
	f->nodes[f->nnodes] = *n;
	return (int)f->nnodes++;
}

static void node_columns(const struct query_filter *f, uint32_t i, uint64_t *mask, unsigned level,
			 unsigned *depth)
{
	const struct qnode *n = &f->nodes[i];

	if (level > *depth)
		*depth = level;
	switch (n->kind) {
	case QN_TRUE:
	case QN_FALSE:
		return;
	case QN_AND:
	case QN_OR:
		for (uint32_t k = 0; k < n->right; k++)
			node_columns(f, f->kids[n->left + k], mask, level + 1, depth);
		return;
	case QN_NOT:
		node_columns(f, n->left, mask, level + 1, depth);
		return;
	case QN_DERIVED:
		if (n->derived != QD_BPP)
			*mask |= 1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST;
		if (n->derived == QD_PPS || n->derived == QD_BPP)
			*mask |= 1ULL << FLOW_COL_PACKETS;
		if (n->derived == QD_BPS || n->derived == QD_BPP)
			*mask |= 1ULL << FLOW_COL_BYTES;
		return;
	case QN_TIME:
		*mask |= 1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST;
		return;
	default:
		*mask |= 1ULL << n->col[0];
		if (n->dual != QD_ONE)
			*mask |= 1ULL << n->col[1];
	}
}

#define MAX_REQ_HOSTS 65536u

/* How many hosts node i requires as src or dst (0 = no requirement). */
static size_t node_hosts_count(const struct query_filter *f, uint32_t i)
{
	const struct qnode *n = &f->nodes[i];
	bool addrcols = n->col[0] == FLOW_COL_SRC || n->col[0] == FLOW_COL_DST;
	size_t best = 0, total = 0;

	switch (n->kind) {
	case QN_ADDR:
		return addrcols ? 1 : 0;
	case QN_ADDRSET:
		return addrcols && n->hosts && n->nhosts <= MAX_REQ_HOSTS ? n->nhosts : 0;
	case QN_AND:
		/* Any one child's requirement holds for the whole; take the smallest. */
		for (uint32_t k = 0; k < n->right; k++) {
			size_t c = node_hosts_count(f, f->kids[n->left + k]);
			if (c && (!best || c < best))
				best = c;
		}
		return best;
	case QN_OR:
		for (uint32_t k = 0; k < n->right; k++) {
			size_t c = node_hosts_count(f, f->kids[n->left + k]);
			if (!c)
				return 0;
			total += c;
		}
		return total <= MAX_REQ_HOSTS ? total : 0;
	default:
		return 0;
	}
}

/* Write the hosts counted by node_hosts_count() into out. */
static size_t node_hosts(const struct query_filter *f, uint32_t i, struct vaddr *out)
{
	const struct qnode *n = &f->nodes[i];
	size_t want = node_hosts_count(f, i), total = 0;

	if (!want)
		return 0;
	switch (n->kind) {
	case QN_ADDR:
		memcpy(out[0].b, n->key, 16);
		return 1;
	case QN_ADDRSET:
		memcpy(out, n->hosts, n->nhosts * sizeof(*out));
		return n->nhosts;
	case QN_AND:
		for (uint32_t k = 0; k < n->right; k++)
			if (node_hosts_count(f, f->kids[n->left + k]) == want)
				return node_hosts(f, f->kids[n->left + k], out);
		return 0;
	case QN_OR:
		for (uint32_t k = 0; k < n->right; k++)
			total += node_hosts(f, f->kids[n->left + k], out + total);
		return total;
	default:
		return 0;
	}
}

int qfilter_finish(struct query_filter *f)
{
	uint64_t mask = 0;
	unsigned depth = 0;
	size_t nh;
	struct vaddr *h;

	node_columns(f, f->root, &mask, 0, &depth);
	f->columns = mask;
	f->depth = depth;
	if (depth >= QUERY_MAX_DEPTH) /* scratch vectors exist for that many levels */
		return VIGIL_ELIMIT;
	f->any = f->nodes[f->root].kind == QN_TRUE;
	free(f->tbuf); /* sized for the old column set */
	f->tbuf = NULL;
	for (unsigned l = 0; l <= depth && l < QUERY_MAX_DEPTH; l++)
		for (unsigned k = 0; k < 2; k++)
			if (!f->scratch[2 * l + k]) {
				f->scratch[2 * l + k] = malloc(QUERY_BATCH_ROWS * sizeof(uint32_t));
				if (!f->scratch[2 * l + k])
					return VIGIL_ENOMEM;
			}
	free(f->req_hosts);
	f->req_hosts = NULL;
	f->nreq_hosts = 0;
	nh = node_hosts_count(f, f->root);
	if (nh) {
		h = malloc(nh * sizeof(*h));
		if (!h)
			return VIGIL_ENOMEM;
		f->nreq_hosts = node_hosts(f, f->root, h);
		f->req_hosts = h;
	}
	return 0;
}

void query_filter_free(struct query_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nnodes; i++) {
		lpm_free(f->nodes[i].set);
		free(f->nodes[i].bitmap);
		free(f->nodes[i].hosts);
	}
	for (size_t i = 0; i < sizeof(f->scratch) / sizeof(f->scratch[0]); i++)
		free(f->scratch[i]);
	free(f->nodes);
	free(f->kids);
	free(f->req_hosts);
	free(f->tbuf);
	free(f);
}

int query_filter_set_time(struct query_filter *f, int64_t from_ms, int64_t to_ms)
{
	struct qnode t, a;
	int ti, ai;

	if (from_ms == INT64_MIN && to_ms == INT64_MAX)
		return 0;
	memset(&t, 0, sizeof(t));
	t.kind = QN_TIME;
	t.from_ms = from_ms;
	t.to_ms = to_ms;
	if ((ti = qfilter_add(f, &t)) < 0)
		return ti;
	if (f->nkids + 2 > f->kcap) {
		size_t nc = f->kcap ? f->kcap * 2 : 64;
		uint32_t *nk = realloc(f->kids, nc * sizeof(*nk));
		if (!nk)
			return VIGIL_ENOMEM;
		f->kids = nk;
		f->kcap = nc;
	}
	memset(&a, 0, sizeof(a));
	a.kind = QN_AND;
	a.left = (uint32_t)f->nkids;
	a.right = 2;
	f->kids[f->nkids++] = f->root;
	f->kids[f->nkids++] = (uint32_t)ti;
	if ((ai = qfilter_add(f, &a)) < 0)
		return ai;
	f->root = (uint32_t)ai;
	return qfilter_finish(f);
}

uint64_t query_filter_columns(const struct query_filter *f) { return f->columns; }

size_t query_filter_hosts(const struct query_filter *f, const struct vaddr **hosts)
{
	*hosts = f->req_hosts;
	return f->nreq_hosts;
}

bool query_filter_is_any(const struct query_filter *f) { return f->any; }

/* ---- kernels ---- */

/* The loop every leaf runs: keep row i when COND holds, without a branch. */
#define SCAN(COND)                                                                         \
	do {                                                                               \
		size_t k_ = 0;                                                             \
		if (in) {                                                                  \
			for (size_t j_ = 0; j_ < nin; j_++) {                              \
				size_t i = in[j_];                                         \
				out[k_] = (uint32_t)i;                                     \
				k_ += (COND) ? 1 : 0;                                      \
			}                                                                  \
		} else {                                                                   \
			for (size_t i = 0; i < nin; i++) {                                 \
				out[k_] = (uint32_t)i;                                     \
				k_ += (COND) ? 1 : 0;                                      \
			}                                                                  \
		}                                                                          \
		return k_;                                                                 \
	} while (0)

#define SCAN_OPS(X, V)                                                                     \
	switch (op) {                                                                      \
	case QOP_EQ: SCAN(X == V);                                                         \
	case QOP_NE: SCAN(X != V);                                                         \
	case QOP_LT: SCAN(X < V);                                                          \
	case QOP_GT: SCAN(X > V);                                                          \
	case QOP_LE: SCAN(X <= V);                                                         \
	default: SCAN(X >= V);                                                             \
	}

/* One integer column against v. */
#define CMP_TYPED(T)                                                                       \
	static size_t cmp1_##T(const T *c, enum qn_op op, uint64_t v, const uint32_t *in,  \
			       size_t nin, uint32_t *out)                                  \
	{                                                                                  \
		SCAN_OPS((uint64_t)c[i], v)                                                \
	}                                                                                  \
	static size_t cmp2_##T(const T *a, const T *b, enum qn_op op, bool both,           \
			       uint64_t v, const uint32_t *in, size_t nin, uint32_t *out)  \
	{                                                                                  \
		if (both) {                                                                \
			switch (op) {                                                      \
			case QOP_EQ: SCAN((int)(a[i] == v) & (int)(b[i] == v));                      \
			case QOP_NE: SCAN((int)(a[i] != v) & (int)(b[i] != v));                      \
			case QOP_LT: SCAN((int)(a[i] < v) & (int)(b[i] < v));                        \
			case QOP_GT: SCAN((int)(a[i] > v) & (int)(b[i] > v));                        \
			case QOP_LE: SCAN((int)(a[i] <= v) & (int)(b[i] <= v));                      \
			default: SCAN((int)(a[i] >= v) & (int)(b[i] >= v));                         \
			}                                                                  \
		}                                                                          \
		switch (op) {                                                              \
		case QOP_EQ: SCAN((int)(a[i] == v) | (int)(b[i] == v));                              \
		case QOP_NE: SCAN((int)(a[i] != v) | (int)(b[i] != v));                              \
		case QOP_LT: SCAN((int)(a[i] < v) | (int)(b[i] < v));                                \
		case QOP_GT: SCAN((int)(a[i] > v) | (int)(b[i] > v));                                \
		case QOP_LE: SCAN((int)(a[i] <= v) | (int)(b[i] <= v));                              \
		default: SCAN((int)(a[i] >= v) | (int)(b[i] >= v));                                 \
		}                                                                          \
	}

CMP_TYPED(uint8_t)
CMP_TYPED(uint16_t)
CMP_TYPED(uint32_t)
CMP_TYPED(uint64_t)

static size_t cmp_i64(const int64_t *c, enum qn_op op, uint64_t uv, const uint32_t *in, size_t nin,
		      uint32_t *out)
{
	int64_t v = (int64_t)uv;
	SCAN_OPS(c[i], v)
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static size_t eval_addr(const struct qnode *n, const struct query_cols *c, const uint32_t *in,
			size_t nin, uint32_t *out)
{
	const struct vaddr *a = c->col[n->col[0]];
	const struct vaddr *b = n->dual != QD_ONE ? c->col[n->col[1]] : NULL;
	const uint64_t k0 = n->key[0], k1 = n->key[1], m0 = n->mask[0], m1 = n->mask[1];

#define AM(x) ((int)((ld64((x).b) & m0) == k0) & (int)((ld64((x).b + 8) & m1) == k1))
	if (n->kind == QN_ADDR) {
		/* A host: compare the low half first, it differs most often. */
#define AE(x) ((int)(ld64((x).b + 8) == k1) & (int)(ld64((x).b) == k0))
		if (!b)
			SCAN(AE(a[i]));
		if (n->dual == QD_BOTH)
			SCAN((int)AE(a[i]) & (int)AE(b[i]));
		SCAN(AE(a[i]) | AE(b[i]));
#undef AE
	}
	if (!b)
		SCAN(AM(a[i]));
	if (n->dual == QD_BOTH)
		SCAN(AM(a[i]) & AM(b[i]));
	SCAN(AM(a[i]) | AM(b[i]));
#undef AM
}

static size_t eval_set(const struct qnode *n, const struct query_cols *c, const uint32_t *in,
		       size_t nin, uint32_t *out)
{
	const struct lpm *s = n->set;
	const struct vaddr *a = c->col[n->col[0]];
	const struct vaddr *b = n->dual != QD_ONE ? c->col[n->col[1]] : NULL;

#define IN(x) (lpm_lookup(s, &(x)) != LPM_NONE)
	if (!b)
		SCAN(IN(a[i]));
	if (n->dual == QD_BOTH)
		SCAN(IN(a[i]) && IN(b[i]));
	SCAN(IN(a[i]) || IN(b[i]));
#undef IN
}

static size_t eval_portset(const struct qnode *n, const struct query_cols *c, const uint32_t *in,
			   size_t nin, uint32_t *out)
{
	const uint8_t *bm = n->bitmap;
	const uint16_t *a = c->col[n->col[0]];
	const uint16_t *b = n->dual != QD_ONE ? c->col[n->col[1]] : NULL;

#define PIN(x) ((bm[(x) >> 3] >> ((x) & 7)) & 1)
	if (!b)
		SCAN(PIN(a[i]));
	if (n->dual == QD_BOTH)
		SCAN(PIN(a[i]) & PIN(b[i]));
	SCAN(PIN(a[i]) | PIN(b[i]));
#undef PIN
}

/* duration in ms; pps = packets per second, bps = bits per second (0 when
 * the duration is 0); bpp = bytes per packet (0 without packets). */
static size_t eval_derived(const struct qnode *n, const struct query_cols *c, const uint32_t *in,
			   size_t nin, uint32_t *out)
{
	const int64_t *fi = c->col[FLOW_COL_FIRST], *la = c->col[FLOW_COL_LAST];
	const uint64_t *pk = c->col[FLOW_COL_PACKETS], *by = c->col[FLOW_COL_BYTES];
	const double v = n->dval;
	enum qn_op op = (enum qn_op)n->op;

#define DUR(i) ((double)(la[i] - fi[i]))
#define PER_S(x, i) (la[i] > fi[i] ? (double)(x) * 1000.0 / DUR(i) : 0.0)
	switch (n->derived) {
	case QD_DURATION: SCAN_OPS(DUR(i), v)
	case QD_PPS: SCAN_OPS(PER_S(pk[i], i), v)
	case QD_BPS: SCAN_OPS(PER_S(by[i] * 8.0, i), v)
	default: SCAN_OPS((pk[i] ? (double)by[i] / (double)pk[i] : 0.0), v)
	}
#undef PER_S
#undef DUR
}

static size_t eval_leaf(const struct qnode *n, const struct query_cols *c, const uint32_t *in,
			size_t nin, uint32_t *out)
{
	enum qn_op op = (enum qn_op)n->op;
	uint64_t v = n->val;

	switch (n->kind) {
	case QN_TRUE:
		if (in) {
			if (out != in)
				memmove(out, in, nin * sizeof(*out));
		} else {
			for (size_t i = 0; i < nin; i++)
				out[i] = (uint32_t)i;
		}
		return nin;
	case QN_FALSE:
		return 0;
	case QN_CMP: {
		const void *a = c->col[n->col[0]], *b = n->dual != QD_ONE ? c->col[n->col[1]] : NULL;
		bool both = n->dual == QD_BOTH;
		switch (n->ctype) {
		case QT_U8:
			return b ? cmp2_uint8_t(a, b, op, both, v, in, nin, out)
				 : cmp1_uint8_t(a, op, v, in, nin, out);
		case QT_U16:
			return b ? cmp2_uint16_t(a, b, op, both, v, in, nin, out)
				 : cmp1_uint16_t(a, op, v, in, nin, out);
		case QT_U32:
			return b ? cmp2_uint32_t(a, b, op, both, v, in, nin, out)
				 : cmp1_uint32_t(a, op, v, in, nin, out);
		case QT_U64:
			return b ? cmp2_uint64_t(a, b, op, both, v, in, nin, out)
				 : cmp1_uint64_t(a, op, v, in, nin, out);
		default:
			return cmp_i64(a, op, v, in, nin, out);
		}
	}
	case QN_ADDR:
	case QN_NET:
		return eval_addr(n, c, in, nin, out);
	case QN_ADDRSET:
		return eval_set(n, c, in, nin, out);
	case QN_PORTSET:
		return eval_portset(n, c, in, nin, out);
	case QN_DERIVED:
		return eval_derived(n, c, in, nin, out);
	case QN_FLAGS: {
		const uint8_t *a = c->col[n->col[0]];
		SCAN((a[i] & v) == v);
	}
	case QN_FAMILY: {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		const struct vaddr *a = c->col[n->col[0]];
		bool want4 = v == 4;
		SCAN((memcmp(a[i].b, mapped, 12) == 0) == want4);
	}
	case QN_TIME: {
		const int64_t *fi = c->col[FLOW_COL_FIRST], *la = c->col[FLOW_COL_LAST];
		const int64_t from = n->from_ms, to = n->to_ms;
		SCAN((int)(fi[i] <= to) & (int)(la[i] >= from));
	}
	case QN_ICMP: {
		/* vigil keeps ICMP type << 8 | code in the destination port (as nfdump) */
		const uint8_t *pr = c->col[FLOW_COL_PROTO];
		const uint16_t *dp = c->col[FLOW_COL_DPORT];
		unsigned shift = n->derived ? 0 : 8;
#define ICMP_F(i) ((uint64_t)((dp[i] >> shift) & 0xff))
#define IS_ICMP(i) (pr[i] == 1 || pr[i] == 58)
		switch (op) {
		case QOP_EQ: SCAN(IS_ICMP(i) && ICMP_F(i) == v);
		case QOP_NE: SCAN(IS_ICMP(i) && ICMP_F(i) != v);
		case QOP_LT: SCAN(IS_ICMP(i) && ICMP_F(i) < v);
		case QOP_GT: SCAN(IS_ICMP(i) && ICMP_F(i) > v);
		case QOP_LE: SCAN(IS_ICMP(i) && ICMP_F(i) <= v);
		default: SCAN(IS_ICMP(i) && ICMP_F(i) >= v);
		}
#undef IS_ICMP
#undef ICMP_F
	}
	default:
		return 0;
	}
}

/* out = in minus sub (both ascending; sub a subset of in). in NULL = 0..nin. */
static size_t diff(const uint32_t *in, size_t nin, const uint32_t *sub, size_t nsub, uint32_t *out)
{
	size_t k = 0, s = 0;

	for (size_t j = 0; j < nin; j++) {
		uint32_t i = in ? in[j] : (uint32_t)j;
		if (s < nsub && sub[s] == i) {
			s++;
			continue;
		}
		out[k++] = i;
	}
	return k;
}

static size_t eval_node(struct query_filter *f, uint32_t idx, const struct query_cols *c,
			const uint32_t *in, size_t nin, uint32_t *out, unsigned level)
{
	const struct qnode *n = &f->nodes[idx];

	switch (n->kind) {
	case QN_AND: {
		size_t cnt = eval_node(f, f->kids[n->left], c, in, nin, out, level + 1);
		for (uint32_t k = 1; k < n->right && cnt; k++)
			cnt = eval_node(f, f->kids[n->left + k], c, out, cnt, out, level + 1);
		return cnt;
	}
	case QN_OR: {
		uint32_t *rem = f->scratch[2 * level], *hit = f->scratch[2 * level + 1];
		size_t nrem, nhit;
		if (in)
			memcpy(rem, in, nin * sizeof(*rem));
		else
			for (size_t i = 0; i < nin; i++)
				rem[i] = (uint32_t)i;
		nrem = nin;
		for (uint32_t k = 0; k < n->right && nrem; k++) {
			nhit = eval_node(f, f->kids[n->left + k], c, rem, nrem, hit, level + 1);
			nrem = diff(rem, nrem, hit, nhit, rem);
		}
		return diff(in, nin, rem, nrem, out);
	}
	case QN_NOT: {
		uint32_t *hit = f->scratch[2 * level];
		size_t nhit = eval_node(f, n->left, c, in, nin, hit, level + 1);
		return diff(in, nin, hit, nhit, out);
	}
	default:
		return eval_leaf(n, c, in, nin, out);
	}
}

size_t query_filter_eval(struct query_filter *f, const struct query_cols *c, uint32_t *sel)
{
	size_t n = c->n > QUERY_BATCH_ROWS ? QUERY_BATCH_ROWS : c->n;
	return eval_node(f, f->root, c, NULL, n, sel, 0);
}

size_t query_transpose_size(uint64_t mask, size_t n)
{
	size_t total = 0;
	for (int c = 0; c < FLOW_NCOLS; c++)
		if (mask & (1ULL << c))
			total += (col_size((enum flow_col)c) * n + 15) & ~(size_t)15;
	return total;
}

void query_transpose(const struct flow *rows, size_t n, uint64_t mask, void *scratch,
		     struct query_cols *c)
{
	uint8_t *p = scratch;

	memset(c, 0, sizeof(*c));
	c->n = n;
	for (int col = 0; col < FLOW_NCOLS; col++) {
		if (!(mask & (1ULL << col)))
			continue;
		c->col[col] = p;
#define T(type, member)                                                                    \
	do {                                                                               \
		type *d = (type *)(void *)p;                                               \
		for (size_t i = 0; i < n; i++)                                             \
			d[i] = rows[i].member;                                             \
	} while (0)
		switch ((enum flow_col)col) {
		case FLOW_COL_FIRST: T(int64_t, first_ms); break;
		case FLOW_COL_LAST: T(int64_t, last_ms); break;
		case FLOW_COL_SRC: T(struct vaddr, src); break;
		case FLOW_COL_DST: T(struct vaddr, dst); break;
		case FLOW_COL_XSRC: T(struct vaddr, xsrc); break;
		case FLOW_COL_XDST: T(struct vaddr, xdst); break;
		case FLOW_COL_NEXTHOP: T(struct vaddr, nexthop); break;
		case FLOW_COL_EXPORTER: T(struct vaddr, exporter); break;
		case FLOW_COL_PACKETS: T(uint64_t, packets); break;
		case FLOW_COL_BYTES: T(uint64_t, bytes); break;
		case FLOW_COL_SAMPLING: T(uint32_t, sampling); break;
		case FLOW_COL_SRC_AS: T(uint32_t, src_as); break;
		case FLOW_COL_DST_AS: T(uint32_t, dst_as); break;
		case FLOW_COL_IN_IF: T(uint32_t, in_if); break;
		case FLOW_COL_OUT_IF: T(uint32_t, out_if); break;
		case FLOW_COL_DOMAIN: T(uint32_t, domain); break;
		case FLOW_COL_SPORT: T(uint16_t, sport); break;
		case FLOW_COL_DPORT: T(uint16_t, dport); break;
		case FLOW_COL_XSPORT: T(uint16_t, xsport); break;
		case FLOW_COL_XDPORT: T(uint16_t, xdport); break;
		case FLOW_COL_PROTO: T(uint8_t, proto); break;
		case FLOW_COL_TCP_FLAGS: T(uint8_t, tcp_flags); break;
		case FLOW_COL_TOS: T(uint8_t, tos); break;
		case FLOW_COL_NAT_EVENT: T(uint8_t, nat_event); break;
		case FLOW_COL_SRC_MASK: T(uint8_t, src_mask); break;
		case FLOW_COL_DST_MASK: T(uint8_t, dst_mask); break;
		case FLOW_COL_DIRECTION: T(uint8_t, direction); break;
		case FLOW_COL_VERSION: T(uint8_t, version); break;
		default: break;
		}
#undef T
		p += (col_size((enum flow_col)col) * n + 15) & ~(size_t)15;
	}
}

size_t query_filter_eval_flows(struct query_filter *f, const struct flow *flows, size_t n,
			       uint32_t *sel)
{
	size_t total = 0;

	if (f->any) {
		for (size_t i = 0; i < n; i++)
			sel[i] = (uint32_t)i;
		return n;
	}
	if (!f->tbuf) {
		f->tbuf_size = query_transpose_size(f->columns, QUERY_BATCH_ROWS);
		f->tbuf = malloc(f->tbuf_size ? f->tbuf_size : 1);
		if (!f->tbuf)
			return 0;
	}
	for (size_t off = 0; off < n; off += QUERY_BATCH_ROWS) {
		size_t m = n - off < QUERY_BATCH_ROWS ? n - off : QUERY_BATCH_ROWS;
		struct query_cols c;
		query_transpose(flows + off, m, f->columns, f->tbuf, &c);
		size_t k = query_filter_eval(f, &c, sel + total);
		for (size_t j = 0; j < k; j++)
			sel[total + j] += (uint32_t)off;
		total += k;
	}
	return total;
}

bool query_filter_match(struct query_filter *f, const struct flow *flow)
{
	uint32_t sel[1];
	return query_filter_eval_flows(f, flow, 1, sel) == 1;
}
