/*
 * run.c - one whole query as `vigil flows` runs it: batches of flows (from a
 * capture) or store blocks come in, the compiled filter selects rows, and the
 * selected rows are either listed (table, csv or json) or added to the -s
 * aggregations, whose top-N tables are written at the end with a summary.
 *
 * Store blocks are read column by column: only the columns the filter, the
 * aggregations and the summary need are decoded; a listing materialises the
 * selected rows only.
 */
#include "query/query.h"

#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "query/fmt.h"
#include "query/recfmt.h"
#include "store/store.h"
#include "util/err.h"
#include "util/proto.h"

#include "query/run_int.h"

/* Every column: what a node's partial answer carries of a row. */
#define ALL_COLS ((1ULL << FLOW_NCOLS) - 1)

/* Columns a listed row shows (the rest of struct flow stays zero); the
 * table also shows the TOS, csv and json do not (so it is not decoded). */
#define LIST_COLS                                                                             \
	(1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST | 1ULL << FLOW_COL_SRC |               \
	 1ULL << FLOW_COL_DST | 1ULL << FLOW_COL_SPORT | 1ULL << FLOW_COL_DPORT |              \
	 1ULL << FLOW_COL_PROTO | 1ULL << FLOW_COL_PACKETS | 1ULL << FLOW_COL_BYTES |          \
	 1ULL << FLOW_COL_TCP_FLAGS | 1ULL << FLOW_COL_EXPORTER | 1ULL << FLOW_COL_SAMPLING)
#define TABLE_COLS (LIST_COLS | 1ULL << FLOW_COL_TOS)

/* Columns the summary reads. */
#define SUMMARY_COLS                                                                          \
	(1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST | 1ULL << FLOW_COL_PACKETS |           \
	 1ULL << FLOW_COL_BYTES | 1ULL << FLOW_COL_SAMPLING)

static const struct {
	const char *name;
	enum query_sort sort;
} sort_names[] = {
	{ "tstart", QUERY_SORT_TSTART }, { "tend", QUERY_SORT_TEND }, { "flows", QUERY_SORT_FLOWS },
	{ "packets", QUERY_SORT_PACKETS }, { "ipkg", QUERY_SORT_PACKETS }, { "ipkt", QUERY_SORT_PACKETS },
	{ "bytes", QUERY_SORT_BYTES }, { "ibyte", QUERY_SORT_BYTES }, { "ibyt", QUERY_SORT_BYTES },
	{ "opkg", QUERY_SORT_OPACKETS }, { "opkt", QUERY_SORT_OPACKETS }, { "obyte", QUERY_SORT_OBYTES },
	{ "obyt", QUERY_SORT_OBYTES }, { "pps", QUERY_SORT_PPS }, { "ipps", QUERY_SORT_PPS },
	{ "bps", QUERY_SORT_BPS }, { "ibps", QUERY_SORT_BPS }, { "bpp", QUERY_SORT_BPP },
	{ "ibpp", QUERY_SORT_BPP }, { "duration", QUERY_SORT_DURATION },
};

int query_sort_parse(const char *s, enum query_sort *out)
{
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (!strcmp(s, sort_names[i].name)) {
			*out = sort_names[i].sort;
			return 0;
		}
	return VIGIL_EINVAL;
}

int query_sort_stat_order(enum query_sort s, enum query_order *out)
{
	switch (s) {
	case QUERY_SORT_FLOWS: *out = QUERY_ORDER_FLOWS; return 0;
	case QUERY_SORT_PACKETS: *out = QUERY_ORDER_PACKETS; return 0;
	case QUERY_SORT_BYTES: *out = QUERY_ORDER_BYTES; return 0;
	case QUERY_SORT_PPS: *out = QUERY_ORDER_PPS; return 0;
	case QUERY_SORT_BPS: *out = QUERY_ORDER_BPS; return 0;
	case QUERY_SORT_BPP: *out = QUERY_ORDER_BPP; return 0;
	case QUERY_SORT_TSTART: *out = QUERY_ORDER_TSTART; return 0;
	case QUERY_SORT_TEND: *out = QUERY_ORDER_TEND; return 0;
	default: return VIGIL_EINVAL;
	}
}

const char *query_named_format(const char *name) { return recfmt_named(name); }

int query_run_new(const char *filter_text, const struct query_opts *opts, FILE *out,
		  struct query_run **qrp, char *err, size_t errlen)
{
	struct query_run *qr;
	int rc;

	*qrp = NULL;
	if (errlen)
		err[0] = '\0';
	if (opts->nstats > QUERY_MAX_STATS)
		return VIGIL_ELIMIT;
	qr = calloc(1, sizeof(*qr));
	if (!qr)
		return VIGIL_ENOMEM;
	qr->opts = *opts;
	if (opts->partial)
		/* a node's answer is its own output, not one of the formats:
		 * in particular not -o null, which counts rows and writes none */
		qr->opts.format = QUERY_OUT_PARTIAL;
	if (opts->partial && opts->aggregate) {
		/* a node cannot aggregate, sort or cut records whose other
		 * halves may be on another node: it sends every matching row */
		qr->opts.aggregate = false;
		qr->opts.sort = QUERY_SORT_NONE;
		qr->opts.limit = 0;
	}
	opts = &qr->opts;
	qr->tfirst = INT64_MAX;
	qr->tlast = INT64_MIN;
	rc = query_filter_compile(filter_text, &qr->filter, err, errlen);
	if (rc < 0)
		goto out;
	rc = query_filter_set_time(qr->filter, opts->from_ms, opts->to_ms);
	if (rc < 0)
		goto out;
	qr->want_summary = ((opts->format == QUERY_OUT_TABLE || opts->format == QUERY_OUT_FMT) &&
			    opts->summary) || opts->partial;
	qr->list_columns = opts->format == QUERY_OUT_TABLE ? TABLE_COLS
			   : opts->format == QUERY_OUT_NULL ? 0 : LIST_COLS;
	if (opts->format == QUERY_OUT_FMT && !opts->partial) {
		rc = recfmt_compile(opts->fmt ? opts->fmt : "", opts->plain, &qr->rf, err, errlen);
		if (rc < 0)
			goto out;
		qr->list_columns = recfmt_columns(qr->rf);
		qr->generic_rows = true;
	}
	if (opts->aggregate && !opts->nstats) {
		qr->fa = query_flowagg_new(&opts->agg, QUERY_SORT_MAX_ROWS);
		if (!qr->fa) {
			rc = VIGIL_ENOMEM;
			goto out;
		}
		qr->list_columns |= query_aggspec_columns(&opts->agg);
		qr->generic_rows = true;
	}
	if (opts->sort != QUERY_SORT_NONE && !opts->nstats) {
		qr->list_columns |= 1ULL << FLOW_COL_FIRST | 1ULL << FLOW_COL_LAST |
				    1ULL << FLOW_COL_PACKETS | 1ULL << FLOW_COL_BYTES;
		qr->generic_rows = true;
	}
	if (opts->partial) {
		qr->list_columns = ALL_COLS;
		qr->generic_rows = true;
	}
	qr->columns = query_filter_columns(qr->filter) | (qr->want_summary ? SUMMARY_COLS : 0);
	for (size_t i = 0; i < opts->nstats; i++) {
		qr->agg[i] = query_agg_new(opts->stat_key[i], opts->stat_order[i], 0);
		if (!qr->agg[i]) {
			rc = VIGIL_ENOMEM;
			goto out;
		}
		qr->columns |= query_agg_columns(qr->agg[i]);
	}
	qr->sel = malloc(QUERY_BATCH_ROWS * sizeof(*qr->sel));
	qr->tbuf = malloc(query_transpose_size(qr->columns, QUERY_BATCH_ROWS));
	if (!qr->sel || !qr->tbuf || qout_init(&qr->out, out) != 0) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	*qrp = qr;
	qr = NULL;
	rc = 0;
out:
	query_run_free(qr);
	return rc;
}

void query_run_free(struct query_run *qr)
{
	if (!qr)
		return;
	query_filter_free(qr->filter);
	for (size_t i = 0; i < QUERY_MAX_STATS; i++)
		query_agg_free(qr->agg[i]);
	qout_free(&qr->out);
	recfmt_free(qr->rf);
	query_flowagg_free(qr->fa);
	free(qr->held);
	free(qr->sel);
	free(qr->tbuf);
	free(qr);
}

uint64_t query_run_columns(const struct query_run *qr) { return qr->columns; }

size_t query_run_hosts(const struct query_run *qr, const struct vaddr **hosts)
{
	return query_filter_hosts(qr->filter, hosts);
}

void query_run_get_stats(const struct query_run *qr, struct query_run_stats *s)
{
	*s = qr->st;            /* agg_dropped: the -a/-A/-b/-B records not kept */
	for (size_t i = 0; i < qr->opts.nstats; i++)
		s->agg_dropped += query_agg_dropped(qr->agg[i]);
}

static const char *proto_str(uint8_t p, char *buf)
{
	const char *n = proto_name(p);
	if (n)
		return n;
	snprintf(buf, 8, "%u", p);
	return buf;
}

static void list_header(struct query_run *qr)
{
	if (qr->header_done)
		return;
	qr->header_done = true;
	if (qr->opts.partial)
		return;
	if (qr->opts.no_header)
		return;
	if (qr->opts.format == QUERY_OUT_CSV)
		qout_str(&qr->out, !qr->opts.aggregate ? "first,last,src,dst,sport,dport,proto,packets,bytes,flags,exporter,sampling\n"
				   : "first,last,src,dst,sport,dport,proto,packets,bytes,flags,exporter,sampling,flows,opackets,obytes\n");
	else if (qr->opts.format == QUERY_OUT_FMT)
		recfmt_header(qr->rf, &qr->out);
	else if (qr->opts.format == QUERY_OUT_TABLE)
		qout_printf(&qr->out, "%-23s %9s %-5s %21s    %-21s %8s %3s %8s %8s %5s\n",
			    "Date first seen", "Duration", "Proto", "Src IP Addr:Port", "Dst IP Addr:Port",
			    "Flags", "Tos", "Packets", "Bytes", "Flows");
}

static void ep_str(const struct vaddr *a, uint16_t port, char *buf, size_t size)
{
	char ab[ADDR_STRLEN];
	snprintf(buf, size, addr_is_v4(a) ? "%s:%u" : "[%s]:%u", addr_format(a, ab), port);
}

/* ---- the partial answer of a node (docs/internals/web.md) ---- */

static char *qp_hex(char *p, const struct vaddr *a)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		*p++ = hx[a->b[i] >> 4];
		*p++ = hx[a->b[i] & 15];
	}
	return p;
}

static char *qp_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return qp_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return qp_u64(p, (uint64_t)v);
}

/* "R" and every column of the row, in enum flow_col order. */
static void partial_row(struct qout *o, const struct flow *f)
{
	char *p = o->buf + o->len;
	const struct vaddr *ad[6] = { &f->src, &f->dst, &f->xsrc, &f->xdst, &f->nexthop, &f->exporter };
	const uint64_t nums[] = { f->packets, f->bytes, f->sampling, f->src_as, f->dst_as, f->in_if,
				  f->out_if, f->domain, f->sport, f->dport, f->xsport, f->xdport,
				  f->proto, f->tcp_flags, f->tos, f->nat_event, f->src_mask,
				  f->dst_mask, f->direction, f->version };

	*p++ = 'R';
	*p++ = ' ';
	p = qp_i64(p, f->first_ms);
	*p++ = ' ';
	p = qp_i64(p, f->last_ms);
	for (int i = 0; i < 6; i++) {
		*p++ = ' ';
		p = qp_hex(p, ad[i]);
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		*p++ = ' ';
		p = qp_u64(p, nums[i]);
	}
	*p++ = '\n';
	o->len = (size_t)(p - o->buf);
}

static void partial_entry(void *ctx, const struct query_agg_entry *e)
{
	struct qout *o = ctx;
	char *p;

	qout_room(o);
	p = o->buf + o->len;
	p = QP_LIT(p, "K ");
	p = qp_hex(p, &e->key);
	*p++ = ' ';
	p = qp_i64(p, e->first_ms);
	*p++ = ' ';
	p = qp_i64(p, e->last_ms);
	*p++ = ' ';
	p = qp_u64(p, e->flows);
	*p++ = ' ';
	p = qp_u64(p, e->packets);
	*p++ = ' ';
	p = qp_u64(p, e->bytes);
	*p++ = ' ';
	p = qp_i64(p, e->proto);
	*p++ = '\n';
	o->len = (size_t)(p - o->buf);
}

/* The whole -s tables (not their top N: merging the nodes' top Ns is wrong)
 * and the totals. */
static void partial_finish(struct query_run *qr)
{
	struct qout *o = &qr->out;
	uint64_t tf, tp, tb;

	for (size_t i = 0; i < qr->opts.nstats; i++) {
		query_agg_totals(qr->agg[i], &tf, &tp, &tb);
		qout_printf(o, "S %zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", i, tf, tp, tb,
			    query_agg_dropped(qr->agg[i]));
		query_agg_each(qr->agg[i], partial_entry, o);
	}
	qout_printf(o, "T %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		       " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRIu32 " %" PRIu64 " %" PRIu64 "\n",
		    qr->st.rows_seen, qr->st.rows_matched, qr->tflows, qr->tpackets, qr->tbytes,
		    qr->spackets, qr->sbytes, qr->tfirst, qr->tlast, qr->st.max_sampling,
		    qr->st.bad_blocks, qr->st.agg_dropped);
}

static void list_row(struct query_run *qr, const struct flow *f, uint64_t flows, uint64_t opackets,
		     uint64_t obytes)
{
	struct qout *o = &qr->out;
	char pb[8], *p;

	qout_room(o);
	p = o->buf + o->len;
	if (qr->opts.partial) {
		partial_row(o, f);
		qr->st.rows_printed++;
		return;
	}
	switch (qr->opts.format) {
	case QUERY_OUT_NULL:
	case QUERY_OUT_PARTIAL:   /* written above */
		break;
	case QUERY_OUT_FMT:
		recfmt_row(qr->rf, o, f, flows, opackets, obytes);
		break;
	case QUERY_OUT_JSON:
		p = QP_LIT(p, "{\"first\":\"");
		p = qp_time(o, p, f->first_ms, 'T', 1, 0);
		p = QP_LIT(p, "\",\"last\":\"");
		p = qp_time(o, p, f->last_ms, 'T', 1, 1);
		p = QP_LIT(p, "\",\"src\":\"");
		p = qp_addr(p, &f->src);
		p = QP_LIT(p, "\",\"dst\":\"");
		p = qp_addr(p, &f->dst);
		p = QP_LIT(p, "\",\"sport\":");
		p = qp_u64(p, f->sport);
		p = QP_LIT(p, ",\"dport\":");
		p = qp_u64(p, f->dport);
		p = QP_LIT(p, ",\"proto\":");
		if (proto_name(f->proto)) {
			*p++ = '"';
			p = qp_proto(p, f->proto);
			*p++ = '"';
		} else {
			p = qp_u64(p, f->proto);
		}
		p = QP_LIT(p, ",\"packets\":");
		p = qp_u64(p, f->packets);
		p = QP_LIT(p, ",\"bytes\":");
		p = qp_u64(p, f->bytes);
		p = QP_LIT(p, ",\"flags\":\"");
		p = qp_flags(p, f->tcp_flags);
		p = QP_LIT(p, "\",\"exporter\":\"");
		p = qp_addr(p, &f->exporter);
		p = QP_LIT(p, "\",\"sampling\":");
		p = qp_u64(p, f->sampling);
		if (qr->opts.aggregate) {
			p = QP_LIT(p, ",\"flows\":");
			p = qp_u64(p, flows);
			p = QP_LIT(p, ",\"opackets\":");
			p = qp_u64(p, opackets);
			p = QP_LIT(p, ",\"obytes\":");
			p = qp_u64(p, obytes);
		}
		p = QP_LIT(p, "}\n");
		o->len = (size_t)(p - o->buf);
		break;
	case QUERY_OUT_CSV:
		p = qp_time(o, p, f->first_ms, 'T', 1, 0);
		*p++ = ',';
		p = qp_time(o, p, f->last_ms, 'T', 1, 1);
		*p++ = ',';
		p = qp_addr(p, &f->src);
		*p++ = ',';
		p = qp_addr(p, &f->dst);
		*p++ = ',';
		p = qp_u64(p, f->sport);
		*p++ = ',';
		p = qp_u64(p, f->dport);
		*p++ = ',';
		p = qp_proto(p, f->proto);
		*p++ = ',';
		p = qp_u64(p, f->packets);
		*p++ = ',';
		p = qp_u64(p, f->bytes);
		*p++ = ',';
		p = qp_flags(p, f->tcp_flags);
		*p++ = ',';
		p = qp_addr(p, &f->exporter);
		*p++ = ',';
		p = qp_u64(p, f->sampling);
		if (qr->opts.aggregate) {
			*p++ = ',';
			p = qp_u64(p, flows);
			*p++ = ',';
			p = qp_u64(p, opackets);
			*p++ = ',';
			p = qp_u64(p, obytes);
		}
		*p++ = '\n';
		o->len = (size_t)(p - o->buf);
		break;
	default: {
		char s[64], d[64], pk[32], by[32], fl[9];
		ep_str(&f->src, f->sport, s, sizeof(s));
		ep_str(&f->dst, f->dport, d, sizeof(d));
		for (int i = 0; i < 8; i++)
			fl[i] = f->tcp_flags & (0x80 >> i) ? "CEUAPRSF"[i] : '.';
		fl[8] = '\0';
		if (qr->opts.plain) {
			snprintf(pk, sizeof(pk), "%" PRIu64, f->packets);
			snprintf(by, sizeof(by), "%" PRIu64, f->bytes);
		} else {
			qfmt_scaled((double)f->packets, pk);
			qfmt_scaled((double)f->bytes, by);
		}
		qout_time(o, f->first_ms, ' ', 0);
		qout_printf(o, " %9.3f %-5s %21s -> %-21s %8s %3u %8s %8s %5" PRIu64 "\n",
			    (double)(f->last_ms - f->first_ms) / 1000.0, proto_str(f->proto, pb), s, d,
			    fl, f->tos, pk, by, flows);
	}
	}
	qr->st.rows_printed++;
}

/* Summary totals over the selected rows. */
static void account(struct query_run *qr, const struct query_cols *c, const uint32_t *sel, size_t n)
{
	const int64_t *fi = c->col[FLOW_COL_FIRST], *la = c->col[FLOW_COL_LAST];
	const uint64_t *pk = c->col[FLOW_COL_PACKETS], *by = c->col[FLOW_COL_BYTES];
	const uint32_t *sa = c->col[FLOW_COL_SAMPLING];

	for (size_t j = 0; j < n; j++) {
		uint32_t i = sel[j], s = sa[i] ? sa[i] : 1;
		qr->tpackets += pk[i];
		qr->tbytes += by[i];
		qr->spackets += pk[i] * s;
		qr->sbytes += by[i] * s;
		if (fi[i] < qr->tfirst)
			qr->tfirst = fi[i];
		if (la[i] > qr->tlast)
			qr->tlast = la[i];
		if (s > qr->st.max_sampling)
			qr->st.max_sampling = s;
	}
	qr->tflows += n;
}

/* Row i of the listed columns of c into f. */
static void row_from_cols(const struct query_cols *c, size_t i, struct flow *f)
{
	/* Only the fields the table, csv and json rows print: this runs for
	 * listings alone (generic_rows is false), where nothing else is read;
	 * the caller zeroes the rest once a batch (no memset per row). */
	f->first_ms = ((const int64_t *)c->col[FLOW_COL_FIRST])[i];
	f->last_ms = ((const int64_t *)c->col[FLOW_COL_LAST])[i];
	f->src = ((const struct vaddr *)c->col[FLOW_COL_SRC])[i];
	f->dst = ((const struct vaddr *)c->col[FLOW_COL_DST])[i];
	f->exporter = ((const struct vaddr *)c->col[FLOW_COL_EXPORTER])[i];
	f->sport = ((const uint16_t *)c->col[FLOW_COL_SPORT])[i];
	f->dport = ((const uint16_t *)c->col[FLOW_COL_DPORT])[i];
	f->proto = ((const uint8_t *)c->col[FLOW_COL_PROTO])[i];
	f->tcp_flags = ((const uint8_t *)c->col[FLOW_COL_TCP_FLAGS])[i];
	f->tos = c->col[FLOW_COL_TOS] ? ((const uint8_t *)c->col[FLOW_COL_TOS])[i] : 0;
	f->packets = ((const uint64_t *)c->col[FLOW_COL_PACKETS])[i];
	f->bytes = ((const uint64_t *)c->col[FLOW_COL_BYTES])[i];
	f->sampling = ((const uint32_t *)c->col[FLOW_COL_SAMPLING])[i];
}

/* Row i of the columns in mask into f (the rest stays zero). */
static void row_fill(const struct query_cols *c, size_t i, uint64_t mask, struct flow *f)
{
	static const size_t off[FLOW_NCOLS] = {
		offsetof(struct flow, first_ms), offsetof(struct flow, last_ms),
		offsetof(struct flow, src), offsetof(struct flow, dst), offsetof(struct flow, xsrc),
		offsetof(struct flow, xdst), offsetof(struct flow, nexthop),
		offsetof(struct flow, exporter), offsetof(struct flow, packets),
		offsetof(struct flow, bytes), offsetof(struct flow, sampling),
		offsetof(struct flow, src_as), offsetof(struct flow, dst_as),
		offsetof(struct flow, in_if), offsetof(struct flow, out_if),
		offsetof(struct flow, domain), offsetof(struct flow, sport),
		offsetof(struct flow, dport), offsetof(struct flow, xsport),
		offsetof(struct flow, xdport), offsetof(struct flow, proto),
		offsetof(struct flow, tcp_flags), offsetof(struct flow, tos),
		offsetof(struct flow, nat_event), offsetof(struct flow, src_mask),
		offsetof(struct flow, dst_mask), offsetof(struct flow, direction),
		offsetof(struct flow, version),
	};
	memset(f, 0, sizeof(*f));
	for (int col = 0; col < FLOW_NCOLS; col++) {
		if (!(mask & (1ULL << col)) || !c->col[col])
			continue;
		size_t sz = col <= FLOW_COL_LAST ? 8 : col <= FLOW_COL_EXPORTER ? 16
			    : col <= FLOW_COL_BYTES ? 8 : col <= FLOW_COL_DOMAIN ? 4
			    : col <= FLOW_COL_XDPORT ? 2 : 1;
		memcpy((char *)f + off[col], (const char *)c->col[col] + i * sz, sz);
	}
}

/* Keep a row for -O (sorted and printed at the end). */
static int hold(struct query_run *qr, const struct flow *f)
{
	if (qr->nheld == qr->capheld) {
		size_t nc = qr->capheld ? qr->capheld * 2 : 4096;
		if (nc > QUERY_SORT_MAX_ROWS)
			return VIGIL_ELIMIT;
		struct qrec *n = realloc(qr->held, nc * sizeof(*n));
		if (!n)
			return VIGIL_ENOMEM;
		qr->held = n;
		qr->capheld = nc;
	}
	struct qrec *q = &qr->held[qr->nheld++];
	q->f = *f;
	q->flows = 1;
	q->opackets = q->obytes = 0;
	return 0;
}

/* One selected row: listed now, held for -O, or aggregated. */
static int take(struct query_run *qr, const struct flow *f)
{
	int rc;
	if (qr->fa) {
		if ((rc = query_flowagg_add(qr->fa, f)) < 0)
			qr->st.agg_dropped++;
		return 0;
	}
	if (qr->opts.sort != QUERY_SORT_NONE)
		return hold(qr, f);
	list_row(qr, f, 1, 0, 0);
	return 0;
}

/* One batch of columns; rows (captures) or blk (store) give what a listing
 * shows. A store block's listed columns are decoded only if a row matched. */
static int run_batch(struct query_run *qr, struct query_cols *c, const struct flow *rows,
		     struct store_block *blk)
{
	size_t n = query_filter_eval(qr->filter, c, qr->sel);
	bool direct = !qr->fa && qr->opts.sort == QUERY_SORT_NONE;
	int rc;

	uint64_t *taken = qr->opts.merged ? &qr->fed : &qr->st.rows_matched;

	qr->st.batches++;
	if (!qr->opts.merged)
		qr->st.rows_seen += c->n;
	if (qr->opts.max_records) {
		uint64_t left = qr->opts.max_records - *taken;
		if (n >= left) {
			n = (size_t)left;
			qr->full = true;
		}
	}
	*taken += n;
	if (qr->want_summary && !qr->opts.merged)
		account(qr, c, qr->sel, n);
	if (qr->opts.nstats) {
		for (size_t i = 0; i < qr->opts.nstats; i++)
			query_agg_add(qr->agg[i], c, qr->sel, n);
		return qr->out.failed ? VIGIL_EIO : qr->full ? 1 : 0;
	}
	if (direct)
		list_header(qr);
	if (direct && qr->opts.format == QUERY_OUT_NULL) {
		/* -o null shows no column: count the rows (up to -n) and leave
		 * none to decode or list; the common end says when to stop. */
		uint64_t k = n;
		if (qr->opts.limit && qr->st.rows_printed + k > qr->opts.limit)
			k = qr->opts.limit - qr->st.rows_printed;
		qr->st.rows_printed += k;
		n = 0;
	}
	if (n && !rows) {
		for (int col = 0; col < FLOW_NCOLS; col++) {
			if (!(qr->list_columns & (1ULL << col)) || c->col[col])
				continue;
			c->col[col] = store_block_col(blk, (enum flow_col)col);
			if (!c->col[col]) {
				qr->st.bad_blocks++;
				return 0;
			}
		}
	}
	struct flow f;
	memset(&f, 0, sizeof(f));    /* once a batch: row_from_cols sets what it lists */
	for (size_t j = 0; j < n; j++) {
		if (direct && qr->opts.limit && qr->st.rows_printed >= qr->opts.limit)
			return 1;
		if (rows) {
			rc = take(qr, &rows[qr->sel[j]]);
		} else {
			if (qr->generic_rows)
				row_fill(c, qr->sel[j], qr->list_columns, &f);
			else
				row_from_cols(c, qr->sel[j], &f);
			rc = take(qr, &f);
		}
		if (rc < 0)
			return rc;
	}
	if (qr->out.failed)
		return VIGIL_EIO;
	if (qr->full)
		return 1;
	return direct && qr->opts.limit && qr->st.rows_printed >= qr->opts.limit ? 1 : 0;
}

int query_run_flows(struct query_run *qr, const struct flow *flows, size_t n)
{
	for (size_t off = 0; off < n; off += QUERY_BATCH_ROWS) {
		size_t m = n - off < QUERY_BATCH_ROWS ? n - off : QUERY_BATCH_ROWS;
		struct query_cols c;
		int rc;
		query_transpose(flows + off, m, qr->columns, qr->tbuf, &c);
		if ((rc = run_batch(qr, &c, flows + off, NULL)) != 0)
			return rc;
	}
	return 0;
}

int query_run_block(struct query_run *qr, struct store_block *b)
{
	struct query_cols c;
	size_t n = store_block_rows(b);

	memset(&c, 0, sizeof(c));
	if (n > QUERY_BATCH_ROWS) {
		/* The store caps blocks at 65536 rows; anything larger is not ours to read. */
		qr->st.bad_blocks++;
		return 0;
	}
	c.n = n;
	for (int col = 0; col < FLOW_NCOLS; col++) {
		if (!(qr->columns & (1ULL << col)))
			continue;
		c.col[col] = store_block_col(b, (enum flow_col)col);
		if (!c.col[col]) {
			qr->st.bad_blocks++;
			return 0;
		}
	}
	return run_batch(qr, &c, NULL, b);
}

static void key_str(const struct query_agg_entry *e, enum query_key k, char *buf, size_t size)
{
	char pb[8];
	switch (k) {
	case QUERY_KEY_SRCIP:
	case QUERY_KEY_DSTIP:
	case QUERY_KEY_IP:
	case QUERY_KEY_EXPORTER:
	case QUERY_KEY_NHIP:
		addr_format(&e->key, buf);
		break;
	case QUERY_KEY_PROTO:
		snprintf(buf, size, "%s", proto_str((uint8_t)query_agg_key_u32(e), pb));
		break;
	default:
		snprintf(buf, size, "%" PRIu32, query_agg_key_u32(e));
	}
}

static const char *key_title(enum query_key k)
{
	static const char *t[] = { "Src IP Addr", "Dst IP Addr", "IP Addr", "Src Port", "Dst Port",
				   "Port", "Protocol", "Src AS", "Dst AS", "Exporter", "AS",
				   "Input If", "Output If", "Interface", "Tos", "Next-hop IP" };
	return t[k];
}

/* A count as nfdump prints it: scaled ("1.2 M") unless -N. */
static const char *num_str(uint64_t v, bool plain, char *buf)
{
	if (plain || v < 1000000) {
		snprintf(buf, 32, "%" PRIu64, v);
		return buf;
	}
	return qfmt_scaled((double)v, buf);
}

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static void write_stat(struct query_run *qr, size_t si)
{
	struct query_agg *a = qr->agg[si];
	enum query_key k = qr->opts.stat_key[si];
	size_t limit = qr->opts.limit ? qr->opts.limit : 10, n;
	uint64_t tf, tp, tb;
	struct query_agg_entry *e = calloc(limit < query_agg_count(a) ? limit : query_agg_count(a) + 1,
					   sizeof(*e));
	struct qout *o = &qr->out;
	bool table = qr->opts.format != QUERY_OUT_CSV && qr->opts.format != QUERY_OUT_JSON;

	if (!e) {
		o->failed = 1;
		return;
	}
	n = query_agg_top(a, limit, e);
	query_agg_totals(a, &tf, &tp, &tb);
	if (table && !qr->opts.no_header) {
		qout_printf(o, "Top %zu %s ordered by %s:\n", limit, key_title(k),
			    query_order_name(qr->opts.stat_order[si]));
		qout_printf(o, "Date first seen                 Duration Proto %17s    Flows(%%)     "
			       "Packets(%%)       Bytes(%%)         pps      bps   bpp\n", key_title(k));
	} else if (qr->opts.format == QUERY_OUT_CSV && si == 0) {
		QOUT_LIT(o, "stat,order,rank,key,first,last,proto,flows,packets,bytes\n");
	}
	for (size_t i = 0; i < n; i++) {
		char ks[ADDR_STRLEN + 8], pb[8], a1[32], a2[32], a3[32], a4[32], a5[32], a6[32];
		const char *ps = e[i].proto < 0 ? "any" : proto_str((uint8_t)e[i].proto, pb);
		key_str(&e[i], k, ks, sizeof(ks));
		qout_room(o);
		if (table) {
			/* nfdump's -s line: the protocol only for -s proto, "any" otherwise */
			bool pl = qr->opts.plain;
			char ds[40], tp5[16];
			const char *tps = "any";
			int64_t dms = e[i].last_ms - e[i].first_ms;
			if (k == QUERY_KEY_PROTO) {
				uint8_t pv = (uint8_t)query_agg_key_u32(&e[i]);
				const char *nm = proto_name(pv);
				size_t j = 0;
				if (pl || !nm)
					snprintf(tp5, sizeof(tp5), "%u", pv);
				else
					for (; nm[j] && j < sizeof(tp5) - 1; j++)
						tp5[j] = (char)toupper((unsigned char)nm[j]);
				if (!pl && nm)
					tp5[j] = '\0';
				tps = tp5;
				snprintf(ks, sizeof(ks), "%u", pv);
			}
			if (dms < 0)
				dms = 0;
			if (pl)
				snprintf(ds, sizeof(ds), "%.3f", (double)dms / 1000.0);
			else
				snprintf(ds, sizeof(ds), "%02lld:%02u:%02u.%03u", (long long)(dms / 3600000),
					 (unsigned)(dms / 60000 % 60), (unsigned)(dms / 1000 % 60),
					 (unsigned)(dms % 1000));
			uint64_t pps = dms > 0 ? (uint64_t)((double)e[i].packets * 1000.0 / (double)dms) : 0;
			uint64_t bps = dms > 0 ? (uint64_t)((double)e[i].bytes * 8000.0 / (double)dms) : 0;
			qout_time(o, e[i].first_ms, ' ', 0);
			qout_printf(o, " %16s %-5s %17s %8s(%4.1f) %8s(%4.1f) %8s(%4.1f) %8s %8s %5s\n",
				    ds, tps, ks, num_str(e[i].flows, pl, a1), pct(e[i].flows, tf),
				    num_str(e[i].packets, pl, a2), pct(e[i].packets, tp),
				    num_str(e[i].bytes, pl, a3), pct(e[i].bytes, tb), num_str(pps, pl, a4),
				    num_str(bps, pl, a5),
				    num_str(e[i].packets ? e[i].bytes / e[i].packets : 0, pl, a6));
			continue;
		}
		if (qr->opts.format == QUERY_OUT_JSON) {
			QOUT_LIT(o, "{\"stat\":\"");
			qout_str(o, query_key_name(k));
			QOUT_LIT(o, "\",\"order\":\"");
			qout_str(o, query_order_name(qr->opts.stat_order[si]));
			QOUT_LIT(o, "\",\"rank\":");
			qout_u64(o, i + 1);
			QOUT_LIT(o, ",\"key\":\"");
			qout_str(o, ks);
			QOUT_LIT(o, "\",\"first\":\"");
			qout_time(o, e[i].first_ms, 'T', 1);
			QOUT_LIT(o, "\",\"last\":\"");
			qout_time(o, e[i].last_ms, 'T', 1);
			QOUT_LIT(o, "\",\"proto\":\"");
			qout_str(o, ps);
			QOUT_LIT(o, "\",\"flows\":");
		} else {
			qout_str(o, query_key_name(k));
			qout_c(o, ',');
			qout_str(o, query_order_name(qr->opts.stat_order[si]));
			qout_c(o, ',');
			qout_u64(o, i + 1);
			qout_c(o, ',');
			qout_str(o, ks);
			qout_c(o, ',');
			qout_time(o, e[i].first_ms, 'T', 1);
			qout_c(o, ',');
			qout_time(o, e[i].last_ms, 'T', 1);
			qout_c(o, ',');
			qout_str(o, ps);
			qout_c(o, ',');
		}
		bool js = qr->opts.format == QUERY_OUT_JSON;
		qout_u64(o, e[i].flows);
		qout_str(o, js ? ",\"packets\":" : ",");
		qout_u64(o, e[i].packets);
		qout_str(o, js ? ",\"bytes\":" : ",");
		qout_u64(o, e[i].bytes);
		qout_str(o, js ? "}\n" : "\n");
	}
	if (table)
		qout_c(o, '\n');
	free(e);
}

static void summary(struct query_run *qr)
{
	struct qout *o = &qr->out;
	char a1[32], a2[32], a3[32], a4[32], a5[32];
	double dur = qr->tlast > qr->tfirst ? (double)(qr->tlast - qr->tfirst) / 1000.0 : 0;

	qout_printf(o, "Summary: total flows: %" PRIu64 ", total bytes: %s, total packets: %s, "
		       "avg bps: %s, avg pps: %s, avg bpp: %s\n",
		    qr->tflows, qfmt_scaled((double)qr->tbytes, a1), qfmt_scaled((double)qr->tpackets, a2),
		    qfmt_scaled(dur > 0 ? 8.0 * (double)qr->tbytes / dur : 0, a3),
		    qfmt_scaled(dur > 0 ? (double)qr->tpackets / dur : 0, a4),
		    qfmt_scaled(qr->tpackets ? (double)qr->tbytes / (double)qr->tpackets : 0, a5));
	if (qr->tflows) {
		qout_str(o, "Time window: ");
		qout_time(o, qr->tfirst, ' ', 0);
		qout_str(o, " - ");
		qout_time(o, qr->tlast, ' ', 0);
		qout_c(o, '\n');
	}
	qout_printf(o, "Total flows processed: %" PRIu64 ", matched: %" PRIu64 "\n", qr->st.rows_seen,
		    qr->st.rows_matched);
	if (qr->st.max_sampling > 1)
		qout_printf(o, "Sampled (up to 1:%" PRIu32 "): counts above are as exported; "
			       "estimated real traffic: %s packets, %s bytes\n",
			    qr->st.max_sampling, qfmt_scaled((double)qr->spackets, a1),
			    qfmt_scaled((double)qr->sbytes, a2));
}

/* -O: the sort key of a record; ascending for times, descending otherwise. */
static double sort_key(const struct qrec *q, enum query_sort s)
{
	const struct flow *f = &q->f;
	double d = (double)(f->last_ms - f->first_ms);
	switch (s) {
	case QUERY_SORT_TSTART: return (double)f->first_ms;
	case QUERY_SORT_TEND: return (double)f->last_ms;
	case QUERY_SORT_FLOWS: return -(double)q->flows;
	case QUERY_SORT_PACKETS: return -(double)(f->packets + q->opackets); /* both ways (as nfdump) */
	case QUERY_SORT_BYTES: return -(double)(f->bytes + q->obytes);
	case QUERY_SORT_OPACKETS: return -(double)q->opackets;
	case QUERY_SORT_OBYTES: return -(double)q->obytes;
	case QUERY_SORT_PPS: return d > 0 ? -(double)f->packets * 1000.0 / d : 0;
	case QUERY_SORT_BPS: return d > 0 ? -(double)f->bytes * 8000.0 / d : 0;
	case QUERY_SORT_BPP: return f->packets ? -(double)f->bytes / (double)f->packets : 0;
	case QUERY_SORT_DURATION: return -d;
	default: return 0;
	}
}

struct sortent {
	double key;
	const struct qrec *q;        /* records lie in one array in arrival order: ties keep it */
};

static int sortent_cmp(const void *a, const void *b)
{
	const struct sortent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->q < y->q ? -1 : x->q > y->q;
}

/* The held or aggregated records, sorted if -O, listed up to -n. */
static int write_records(struct query_run *qr)
{
	size_t n = qr->fa ? query_flowagg_count(qr->fa) : qr->nheld;
	size_t limit = qr->opts.limit && qr->opts.limit < n ? qr->opts.limit : n;
	struct sortent *v = NULL;

	list_header(qr);
	if (qr->opts.sort != QUERY_SORT_NONE && n) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return VIGIL_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			v[i].q = qr->fa ? query_flowagg_rec(qr->fa, i) : &qr->held[i];
			v[i].key = sort_key(v[i].q, qr->opts.sort);
		}
		qsort(v, n, sizeof(*v), sortent_cmp);
	}
	for (size_t i = 0; i < limit && !qr->out.failed; i++) {
		const struct qrec *q = v ? v[i].q : qr->fa ? query_flowagg_rec(qr->fa, i) : &qr->held[i];
		list_row(qr, &q->f, q->flows, q->opackets, q->obytes);
	}
	free(v);
	return 0;
}

int query_run_finish(struct query_run *qr)
{
	if (qr->opts.partial) {
		if (!qr->opts.nstats && qr->opts.sort != QUERY_SORT_NONE) {
			int rc = write_records(qr);
			if (rc < 0)
				return rc;
		}
		partial_finish(qr);
		return qout_flush(&qr->out);
	}
	if (!qr->opts.nstats) {
		if (qr->fa || qr->opts.sort != QUERY_SORT_NONE) {
			int rc = write_records(qr);
			if (rc < 0)
				return rc;
		}
		list_header(qr);
	}
	if (!qr->opts.nstats && qr->opts.format == QUERY_OUT_FMT && !qr->st.rows_printed)
		qout_str(&qr->out, "No matching flows\n"); /* as nfdump */
	for (size_t i = 0; i < qr->opts.nstats; i++)
		write_stat(qr, i);
	if (qr->want_summary)
		summary(qr);
	return qout_flush(&qr->out);
}
