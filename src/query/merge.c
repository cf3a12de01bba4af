/*
 * merge.c - a node's partial answer (GET /api/v1/query, the R/S/K/T/X/F/E
 * lines of docs/internals/web.md) read and merged into a query run, so that
 * `vigil flows --node ...` answers as if one store held every node's flows.
 */
#include "query/run_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* ---- reading nodes' partial answers (vigil flows --node) ---- */

struct pline {
	const char *p, *end;   /* the rest of the line */
};

static int tok(struct pline *l, const char **s, size_t *n)
{
	const char *q = l->p;
	while (q < l->end && *q != ' ')
		q++;
	if (q == l->p)
		return -1;
	*s = l->p;
	*n = (size_t)(q - l->p);
	l->p = q < l->end ? q + 1 : q;
	return 0;
}

static int tok_u64(struct pline *l, uint64_t max, uint64_t *v)
{
	const char *s;
	size_t n;
	uint64_t x = 0;
	if (tok(l, &s, &n) || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

static int tok_i64(struct pline *l, int64_t *v)
{
	uint64_t x;
	bool neg = l->p < l->end && *l->p == '-';
	if (neg)
		l->p++;
	if (tok_u64(l, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &x))
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int tok_addr(struct pline *l, struct vaddr *a)
{
	const char *s;
	size_t n;
	if (tok(l, &s, &n) || n != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int h = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (h < 0 || lo < 0)
			return -1;
		a->b[i] = (uint8_t)(h << 4 | lo);
	}
	return 0;
}

static int parse_row(struct pline *l, struct flow *f)
{
	struct vaddr *ad[6] = { &f->src, &f->dst, &f->xsrc, &f->xdst, &f->nexthop, &f->exporter };
	uint64_t v[20];
	static const uint64_t max[20] = { UINT64_MAX, UINT64_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
					  UINT32_MAX, UINT32_MAX, UINT32_MAX, 65535, 65535, 65535,
					  65535, 255, 255, 255, 255, 255, 255, 255, 255 };

	memset(f, 0, sizeof(*f));
	if (tok_i64(l, &f->first_ms) || tok_i64(l, &f->last_ms))
		return -1;
	for (int i = 0; i < 6; i++)
		if (tok_addr(l, ad[i]))
			return -1;
	for (int i = 0; i < 20; i++)
		if (tok_u64(l, max[i], &v[i]))
			return -1;
	f->packets = v[0], f->bytes = v[1], f->sampling = (uint32_t)v[2];
	f->src_as = (uint32_t)v[3], f->dst_as = (uint32_t)v[4], f->in_if = (uint32_t)v[5];
	f->out_if = (uint32_t)v[6], f->domain = (uint32_t)v[7];
	f->sport = (uint16_t)v[8], f->dport = (uint16_t)v[9], f->xsport = (uint16_t)v[10];
	f->xdport = (uint16_t)v[11];
	f->proto = (uint8_t)v[12], f->tcp_flags = (uint8_t)v[13], f->tos = (uint8_t)v[14];
	f->nat_event = (uint8_t)v[15], f->src_mask = (uint8_t)v[16], f->dst_mask = (uint8_t)v[17];
	f->direction = (uint8_t)v[18], f->version = (uint8_t)v[19];
	return 0;
}

#define MERGE_BATCH 4096

int query_run_merge_partial(struct query_run *qr, const char *buf, size_t len,
			    struct query_node_stats *ns, char *err, size_t errlen)
{
	struct flow *rows = NULL;
	size_t nrows = 0, lineno = 0;
	const char *p = buf, *end = buf + len;
	int cur = -1, rc = 0;
	bool done = false, stopped = false;

	if (errlen)
		err[0] = '\0';
	if (!qr->opts.merged)
		return VIGIL_EINVAL;
	rows = malloc(MERGE_BATCH * sizeof(*rows));
	if (!rows)
		return VIGIL_ENOMEM;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct pline l;
		if (!nl) {
			snprintf(err, errlen, "line %zu: not ended by a newline", lineno + 1);
			rc = VIGIL_EFORMAT;
			break;
		}
		lineno++;
		l.p = p + 2;
		l.end = nl;
		if (nl == p && nl + 2 < end && nl[1] == 'F' && nl[2] == ' ') {
			p = nl + 1;   /* the empty line before an F line */
			lineno--;
			continue;
		}
		if (done || nl - p < 1 || (nl - p >= 2 && p[1] != ' ') || (nl - p == 1 && p[0] != 'E')) {
			snprintf(err, errlen, "line %zu: %s", lineno, done ? "after the end" : "malformed");
			rc = VIGIL_EFORMAT;
			break;
		}
		if (p[0] != 'R' && nrows) {
			if (!stopped && (rc = query_run_flows(qr, rows, nrows)) == 1) {
				stopped = true;
				rc = 0;
			}
			nrows = 0;
			if (rc < 0)
				break;
		}
		bool bad = false;
		switch (p[0]) {
		case 'R':
			if (cur >= 0 || qr->opts.nstats) {
				bad = true;
				break;
			}
			if (parse_row(&l, &rows[nrows])) {
				bad = true;
				break;
			}
			if (++nrows == MERGE_BATCH) {
				if (!stopped && (rc = query_run_flows(qr, rows, nrows)) == 1) {
					stopped = true;
					rc = 0;
				}
				nrows = 0;
			}
			break;
		case 'S': {
			uint64_t i, tf, tp, tb, dr;
			if (tok_u64(&l, QUERY_MAX_STATS - 1, &i) || i >= qr->opts.nstats ||
			    (int)i != cur + 1 || tok_u64(&l, UINT64_MAX, &tf) ||
			    tok_u64(&l, UINT64_MAX, &tp) || tok_u64(&l, UINT64_MAX, &tb) ||
			    tok_u64(&l, UINT64_MAX, &dr)) {
				bad = true;
				break;
			}
			cur = (int)i;
			query_agg_merge_totals(qr->agg[cur], tf, tp, tb);
			qr->st.agg_dropped += dr;
			break;
		}
		case 'K': {
			struct query_agg_entry e;
			int64_t pr;
			if (cur < 0 || tok_addr(&l, &e.key) || tok_i64(&l, &e.first_ms) ||
			    tok_i64(&l, &e.last_ms) || tok_u64(&l, UINT64_MAX, &e.flows) ||
			    tok_u64(&l, UINT64_MAX, &e.packets) || tok_u64(&l, UINT64_MAX, &e.bytes) ||
			    tok_i64(&l, &pr) || pr < -1 || pr > 255 || e.flows == 0) {
				bad = true;
				break;
			}
			e.proto = (int)pr;
			(void)query_agg_merge(qr->agg[cur], &e); /* a key past the cap: counted as dropped */
			break;
		}
		case 'T': {
			uint64_t v[12];
			int64_t tfirst, tlast;
			for (int i = 0; i < 7 && !bad; i++)
				bad = tok_u64(&l, UINT64_MAX, &v[i]) != 0;
			if (bad || tok_i64(&l, &tfirst) || tok_i64(&l, &tlast) ||
			    tok_u64(&l, UINT32_MAX, &v[9]) || tok_u64(&l, UINT64_MAX, &v[10]) ||
			    tok_u64(&l, UINT64_MAX, &v[11])) {
				bad = true;
				break;
			}
			qr->st.rows_seen += v[0];
			qr->st.rows_matched += v[1];
			qr->tflows += v[2];
			qr->tpackets += v[3];
			qr->tbytes += v[4];
			qr->spackets += v[5];
			qr->sbytes += v[6];
			if (tfirst < qr->tfirst)
				qr->tfirst = tfirst;
			if (tlast > qr->tlast)
				qr->tlast = tlast;
			if (v[9] > qr->st.max_sampling)
				qr->st.max_sampling = (uint32_t)v[9];
			qr->st.bad_blocks += v[10];
			qr->st.agg_dropped += v[11];
			break;
		}
		case 'X': {
			uint64_t v[5];
			for (int i = 0; i < 5 && !bad; i++)
				bad = tok_u64(&l, UINT64_MAX, &v[i]) != 0;
			if (bad)
				break;
			ns->segments += v[0];
			ns->segments_skipped += v[1];
			ns->blocks += v[2];
			ns->bad_blocks += v[3];
			ns->bytes_read += v[4];
			break;
		}
		case 'E':
			done = true;
			break;
		case 'F': {
			/* the node failed after it began to answer: its message */
			int n = (int)(l.end - l.p);
			snprintf(err, errlen, "node error: %.*s", n > 300 ? 300 : n, l.p);
			rc = VIGIL_EIO;
			l.p = l.end;
			break;
		}
		default:
			bad = true;
		}
		if (!bad && l.p < l.end && p[0] != 'E')
			bad = true;    /* fields left over */
		if (bad) {
			snprintf(err, errlen, "line %zu: malformed '%c' line", lineno, p[0]);
			rc = VIGIL_EFORMAT;
		}
		p = nl + 1;
	}
	if (rc == 0 && nrows && !stopped && (rc = query_run_flows(qr, rows, nrows)) == 1) {
		stopped = true;
		rc = 0;
	}
	if (rc == 0 && !done) {
		snprintf(err, errlen, "the answer ends before its end line (truncated)");
		rc = VIGIL_EFORMAT;
	}
	free(rows);
	if (rc < 0 && !err[0] && errlen)
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	return rc < 0 ? rc : stopped ? 1 : 0;
}
