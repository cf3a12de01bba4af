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

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "query/fmt.h"
#include "store/store.h"
#include "util/err.h"
#include "util/proto.h"

struct query_run {
	struct query_filter *filter;
	struct query_opts opts;
	struct query_agg *agg[QUERY_MAX_STATS];
	struct qout out;
	uint64_t columns;
	uint64_t list_columns;        /* what a listed row shows in this format */
	uint32_t *sel;
	void *tbuf;
	struct query_run_stats st;
	uint64_t tflows, tpackets, tbytes, spackets, sbytes;
	int64_t tfirst, tlast;
	bool header_done;
	bool want_summary;            /* table with summary: totals are kept */
};

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

int query_run_new(const char *filter_text, const struct query_opts *opts, FILE *out,
		  struct query_run **qrp, char *err, size_t errlen)
{
	struct query_run *qr;
	int rc;

	*qrp = NULL;
	if (opts->nstats > QUERY_MAX_STATS)
		return VIGIL_ELIMIT;
	qr = calloc(1, sizeof(*qr));
	if (!qr)
		return VIGIL_ENOMEM;
	qr->opts = *opts;
	qr->tfirst = INT64_MAX;
	qr->tlast = INT64_MIN;
	rc = query_filter_compile(filter_text, &qr->filter, err, errlen);
	if (rc < 0)
		goto out;
	rc = query_filter_set_time(qr->filter, opts->from_ms, opts->to_ms);
	if (rc < 0)
		goto out;
	qr->want_summary = opts->format == QUERY_OUT_TABLE && opts->summary;
	qr->list_columns = opts->format == QUERY_OUT_TABLE ? TABLE_COLS : LIST_COLS;
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
	*s = qr->st;
	s->agg_dropped = 0;
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
	if (qr->opts.format == QUERY_OUT_CSV)
		qout_str(&qr->out, "first,last,src,dst,sport,dport,proto,packets,bytes,flags,exporter,sampling\n");
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

static void list_row(struct query_run *qr, const struct flow *f)
{
	struct qout *o = &qr->out;
	char pb[8];

	qout_room(o);
	switch (qr->opts.format) {
	case QUERY_OUT_JSON:
		QOUT_LIT(o, "{\"first\":\"");
		qout_time(o, f->first_ms, 'T', 1);
		QOUT_LIT(o, "\",\"last\":\"");
		qout_time(o, f->last_ms, 'T', 1);
		QOUT_LIT(o, "\",\"src\":\"");
		qout_addr(o, &f->src);
		QOUT_LIT(o, "\",\"dst\":\"");
		qout_addr(o, &f->dst);
		QOUT_LIT(o, "\",\"sport\":");
		qout_u64(o, f->sport);
		QOUT_LIT(o, ",\"dport\":");
		qout_u64(o, f->dport);
		QOUT_LIT(o, ",\"proto\":");
		if (proto_name(f->proto)) {
			qout_c(o, '"');
			qout_str(o, proto_name(f->proto));
			qout_c(o, '"');
		} else {
			qout_u64(o, f->proto);
		}
		QOUT_LIT(o, ",\"packets\":");
		qout_u64(o, f->packets);
		QOUT_LIT(o, ",\"bytes\":");
		qout_u64(o, f->bytes);
		QOUT_LIT(o, ",\"flags\":\"");
		qout_flags(o, f->tcp_flags);
		QOUT_LIT(o, "\",\"exporter\":\"");
		qout_addr(o, &f->exporter);
		QOUT_LIT(o, "\",\"sampling\":");
		qout_u64(o, f->sampling);
		QOUT_LIT(o, "}\n");
		break;
	case QUERY_OUT_CSV:
		qout_time(o, f->first_ms, 'T', 1);
		qout_c(o, ',');
		qout_time(o, f->last_ms, 'T', 1);
		qout_c(o, ',');
		qout_addr(o, &f->src);
		qout_c(o, ',');
		qout_addr(o, &f->dst);
		qout_c(o, ',');
		qout_u64(o, f->sport);
		qout_c(o, ',');
		qout_u64(o, f->dport);
		qout_c(o, ',');
		qout_str(o, proto_str(f->proto, pb));
		qout_c(o, ',');
		qout_u64(o, f->packets);
		qout_c(o, ',');
		qout_u64(o, f->bytes);
		qout_c(o, ',');
		qout_flags(o, f->tcp_flags);
		qout_c(o, ',');
		qout_addr(o, &f->exporter);
		qout_c(o, ',');
		qout_u64(o, f->sampling);
		qout_c(o, '\n');
		break;
	default: {
		char s[64], d[64], pk[32], by[32], fl[9];
		ep_str(&f->src, f->sport, s, sizeof(s));
		ep_str(&f->dst, f->dport, d, sizeof(d));
		for (int i = 0; i < 8; i++)
			fl[i] = f->tcp_flags & (0x80 >> i) ? "CEUAPRSF"[i] : '.';
		fl[8] = '\0';
		qout_time(o, f->first_ms, ' ', 0);
		qout_printf(o, " %9.3f %-5s %21s -> %-21s %8s %3u %8s %8s %5u\n",
			    (double)(f->last_ms - f->first_ms) / 1000.0, proto_str(f->proto, pb), s, d,
			    fl, f->tos, qfmt_scaled((double)f->packets, pk),
			    qfmt_scaled((double)f->bytes, by), 1u);
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
	memset(f, 0, sizeof(*f));
	f->first_ms = ((const int64_t *)c->col[FLOW_COL_FIRST])[i];
	f->last_ms = ((const int64_t *)c->col[FLOW_COL_LAST])[i];
	f->src = ((const struct vaddr *)c->col[FLOW_COL_SRC])[i];
	f->dst = ((const struct vaddr *)c->col[FLOW_COL_DST])[i];
	f->exporter = ((const struct vaddr *)c->col[FLOW_COL_EXPORTER])[i];
	f->sport = ((const uint16_t *)c->col[FLOW_COL_SPORT])[i];
	f->dport = ((const uint16_t *)c->col[FLOW_COL_DPORT])[i];
	f->proto = ((const uint8_t *)c->col[FLOW_COL_PROTO])[i];
	f->tcp_flags = ((const uint8_t *)c->col[FLOW_COL_TCP_FLAGS])[i];
	if (c->col[FLOW_COL_TOS])
		f->tos = ((const uint8_t *)c->col[FLOW_COL_TOS])[i];
	f->packets = ((const uint64_t *)c->col[FLOW_COL_PACKETS])[i];
	f->bytes = ((const uint64_t *)c->col[FLOW_COL_BYTES])[i];
	f->sampling = ((const uint32_t *)c->col[FLOW_COL_SAMPLING])[i];
}

/* One batch of columns; rows (captures) or blk (store) give what a listing
 * shows. A store block's listed columns are decoded only if a row matched. */
static int run_batch(struct query_run *qr, struct query_cols *c, const struct flow *rows,
		     struct store_block *blk)
{
	size_t n = query_filter_eval(qr->filter, c, qr->sel);

	qr->st.batches++;
	qr->st.rows_seen += c->n;
	qr->st.rows_matched += n;
	if (qr->want_summary)
		account(qr, c, qr->sel, n);
	if (qr->opts.nstats) {
		for (size_t i = 0; i < qr->opts.nstats; i++)
			query_agg_add(qr->agg[i], c, qr->sel, n);
		return qr->out.failed ? VIGIL_EIO : 0;
	}
	list_header(qr);
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
	for (size_t j = 0; j < n; j++) {
		if (qr->opts.limit && qr->st.rows_printed >= qr->opts.limit)
			return 1;
		if (rows) {
			list_row(qr, &rows[qr->sel[j]]);
		} else {
			struct flow f;
			row_from_cols(c, qr->sel[j], &f);
			list_row(qr, &f);
		}
	}
	if (qr->out.failed)
		return VIGIL_EIO;
	return qr->opts.limit && qr->st.rows_printed >= qr->opts.limit ? 1 : 0;
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
				   "Port", "Protocol", "Src AS", "Dst AS", "Exporter" };
	return t[k];
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

	if (!e) {
		o->failed = 1;
		return;
	}
	n = query_agg_top(a, limit, e);
	query_agg_totals(a, &tf, &tp, &tb);
	if (qr->opts.format == QUERY_OUT_TABLE) {
		qout_printf(o, "Top %zu %s ordered by %s:\n", limit, key_title(k),
			    query_order_name(qr->opts.stat_order[si]));
		qout_printf(o, "%-23s %9s %-5s %20s %15s %16s %16s %8s %8s %5s\n", "Date first seen",
			    "Duration", "Proto", key_title(k), "Flows(%)", "Packets(%)", "Bytes(%)",
			    "pps", "bps", "bpp");
	} else if (qr->opts.format == QUERY_OUT_CSV && si == 0) {
		QOUT_LIT(o, "stat,order,rank,key,first,last,proto,flows,packets,bytes\n");
	}
	for (size_t i = 0; i < n; i++) {
		char ks[ADDR_STRLEN + 8], pb[8], a1[32], a2[32], a3[32], a4[32], a5[32], a6[32];
		const char *ps = e[i].proto < 0 ? "any" : proto_str((uint8_t)e[i].proto, pb);
		double dur = (double)(e[i].last_ms - e[i].first_ms) / 1000.0;
		key_str(&e[i], k, ks, sizeof(ks));
		qout_room(o);
		if (qr->opts.format == QUERY_OUT_TABLE) {
			qout_time(o, e[i].first_ms, ' ', 0);
			qout_printf(o, " %9.3f %-5s %20s %8s(%5.1f) %8s(%5.1f) %8s(%5.1f) %8s %8s %5s\n",
				    dur, ps, ks, qfmt_scaled((double)e[i].flows, a1), pct(e[i].flows, tf),
				    qfmt_scaled((double)e[i].packets, a2), pct(e[i].packets, tp),
				    qfmt_scaled((double)e[i].bytes, a3), pct(e[i].bytes, tb),
				    qfmt_scaled(dur > 0 ? (double)e[i].packets / dur : 0, a4),
				    qfmt_scaled(dur > 0 ? 8.0 * (double)e[i].bytes / dur : 0, a5),
				    e[i].packets ? qfmt_scaled((double)(e[i].bytes / e[i].packets), a6) : "0");
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
	if (qr->opts.format == QUERY_OUT_TABLE)
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

int query_run_finish(struct query_run *qr)
{
	if (!qr->opts.nstats)
		list_header(qr);
	for (size_t i = 0; i < qr->opts.nstats; i++)
		write_stat(qr, i);
	if (qr->opts.format == QUERY_OUT_TABLE && qr->opts.summary)
		summary(qr);
	return qout_flush(&qr->out);
}
