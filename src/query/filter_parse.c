/*
 * filter_parse.c - nfdump's filter language, tokenised (filter_lex.c) and parsed by
 * recursive descent straight into the flat node array of filter_int.h.
 *
 * Precedence is nfdump's: not binds tighter than and, and tighter than or;
 * and/or chains become one n-ary node so a long chain costs no depth.
 * Keywords are case-insensitive. A syntax error stops at the first fault and
 * reports its line and column with the offending line and a caret.
 */
#include "query/filter_lex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/proto.h"

static int add_node(struct parser *p, const struct qnode *n)
{
	int r = qfilter_add(p->f, n);
	if (r < 0)
		return qlex_fail(p, p->t.pos, r,
			       r == VIGIL_ELIMIT ? "filter too long (too many terms)" : "out of memory");
	return r;
}

/* Expand nfdump's short IPv4 net forms ("10.0/16" = 10.0.0.0/16). */
static int parse_prefix_word(const char *w, struct vprefix *pf)
{
	char buf[80];
	const char *slash = strchr(w, '/');
	size_t alen = slash ? (size_t)(slash - w) : strlen(w);
	unsigned dots = 0;

	if (prefix_parse(w, pf) == 0)
		return 0;
	if (!slash || memchr(w, ':', alen) || alen == 0 || alen > 15)
		return VIGIL_EINVAL;
	for (size_t i = 0; i < alen; i++)
		dots += w[i] == '.';
	if (dots >= 3)
		return VIGIL_EINVAL;
	size_t o = 0;
	memcpy(buf, w, alen);
	o = alen;
	for (; dots < 3; dots++) {
		memcpy(buf + o, ".0", 2);
		o += 2;
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", slash);
	return prefix_parse(buf, pf);
}

/* A dotted IPv4 netmask as a length, or -1. */
static int netmask_len(const char *w)
{
	struct vaddr a;
	uint32_t m;
	int len = 0;

	if (strchr(w, '/') || addr_parse(w, &a) != 0 || !addr_is_v4(&a))
		return -1;
	m = addr_v4(&a);
	while (m & 0x80000000u) {
		len++;
		m <<= 1;
	}
	return m ? -1 : len;
}

static void set_addr_key(struct qnode *n, const struct vprefix *pf)
{
	uint64_t m[2] = { 0, 0 };
	uint8_t mb[16];

	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		mb[i] = bit >= pf->len ? 0 : bit + 8 <= pf->len ? 0xff : (uint8_t)(0xff << (8 - (pf->len - bit)));
	}
	memcpy(m, mb, 16);
	memcpy(n->key, pf->addr.b, 16);
	n->mask[0] = m[0];
	n->mask[1] = m[1];
	n->key[0] &= m[0];
	n->key[1] &= m[1];
}

struct dirq {
	enum qn_dual dual;
	bool src, dst;     /* which sides were named; neither = both (nfdump default) */
};

static void set_cols(struct qnode *n, const struct dirq *d, enum flow_col s, enum flow_col t)
{
	if (d->src && !d->dst) {
		n->dual = QD_ONE;
		n->col[0] = (uint8_t)s;
	} else if (d->dst && !d->src) {
		n->dual = QD_ONE;
		n->col[0] = (uint8_t)t;
	} else {
		n->dual = d->dual == QD_BOTH ? QD_BOTH : QD_EITHER;
		n->col[0] = (uint8_t)s;
		n->col[1] = (uint8_t)t;
	}
	n->ctype = (uint8_t)qfilter_col_type((enum flow_col)n->col[0]);
}

/* `[ a b c/24 ... ]` of addresses/prefixes after `ip in`. */
static int addr_list(struct parser *p, struct qnode *n, const char *after)
{
	struct lpm *set = lpm_new();
	struct vaddr *hosts = NULL;
	size_t nh = 0, hcap = 0, count = 0;
	bool all_hosts = true;
	int rc = 0;

	if (!set)
		return qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
	if (p->t.type != T_LB) {
		rc = qlex_expected(p, "'['", after);
		goto out;
	}
	qlex(p);
	while (p->t.type != T_RB) {
		char buf[80];
		struct vprefix pf;

		if (p->t.type == T_COMMA) {
			qlex(p);
			continue;
		}
		if (p->t.type != T_WORD || p->t.len >= sizeof(buf)) {
			rc = qlex_expected(p, "an address, a net or ']'", after);
			goto out;
		}
		qlex_word(p, buf, sizeof(buf));
		if (parse_prefix_word(buf, &pf) != 0) {
			rc = qlex_expected(p, "an address or a net", after);
			goto out;
		}
		if (++count > QUERY_MAX_LIST) {
			rc = qlex_fail(p, p->t.pos, VIGIL_ELIMIT, "list too long");
			goto out;
		}
		if (lpm_add(set, &pf, 1) != 0) {
			rc = qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
			goto out;
		}
		if (pf.len == 128 && all_hosts) {
			if (nh == hcap) {
				size_t nc = hcap ? hcap * 2 : 16;
				struct vaddr *nb = realloc(hosts, nc * sizeof(*nb));
				if (!nb) {
					rc = qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
					goto out;
				}
				hosts = nb;
				hcap = nc;
			}
			hosts[nh++] = pf.addr;
		} else {
			all_hosts = false;
		}
		qlex(p);
	}
	if (count == 0) {
		rc = qlex_expected(p, "at least one address in the list", after);
		goto out;
	}
	qlex(p);
	if (lpm_build(set) != 0) {
		rc = qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
		goto out;
	}
	n->kind = QN_ADDRSET;
	n->set = set;
	set = NULL;
	if (all_hosts) {
		n->hosts = hosts;
		n->nhosts = nh;
		hosts = NULL;
	}
out:
	lpm_free(set);
	free(hosts);
	return rc;
}

/* `[ 22 23 445 ]` after `port in`. */
static int port_list(struct parser *p, struct qnode *n, const char *after)
{
	uint8_t *bm;
	int rc = 0;
	bool any = false;

	if (p->t.type != T_LB)
		return qlex_expected(p, "'['", after);
	bm = calloc(8192, 1);
	if (!bm)
		return qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
	qlex(p);
	while (p->t.type != T_RB) {
		uint64_t v;
		if (p->t.type == T_COMMA) {
			qlex(p);
			continue;
		}
		if ((rc = qlex_number(p, "a port number or ']'", after, 65535, false, &v)) != 0)
			goto out;
		bm[v >> 3] |= (uint8_t)(1u << (v & 7));
		any = true;
	}
	if (!any) {
		rc = qlex_expected(p, "at least one port in the list", after);
		goto out;
	}
	qlex(p);
	n->kind = QN_PORTSET;
	n->bitmap = bm;
	bm = NULL;
out:
	free(bm);
	return rc;
}

/* After ip|host: an address, a prefix, or `in [list]`. */
static int addr_term(struct parser *p, struct qnode *n, const char *after, bool net)
{
	char buf[80];
	struct vprefix pf;

	if (!net && qlex_is_kw(p, "in")) {
		qlex(p);
		return addr_list(p, n, "in");
	}
	if (p->t.type != T_WORD || p->t.len >= sizeof(buf))
		return qlex_expected(p, net ? "a net (A/len)" : "an address", after);
	qlex_word(p, buf, sizeof(buf));
	if (net ? parse_prefix_word(buf, &pf) != 0 : prefix_parse(buf, &pf) != 0)
		return qlex_expected(p, net ? "a net (A/len)" : "an address", after);
	qlex(p);
	if (net && !strchr(buf, '/') && p->t.type == T_WORD) {
		char mb[64];
		int ml;
		qlex_word(p, mb, sizeof(mb));
		ml = netmask_len(mb);
		if (ml >= 0 && addr_is_v4(&pf.addr)) {
			pf.len = (uint8_t)(96 + ml);
			set_addr_key(n, &pf);
			qlex(p);
			n->kind = QN_NET;
			return 0;
		}
	}
	set_addr_key(n, &pf);
	n->kind = pf.len == 128 ? QN_ADDR : QN_NET;
	return 0;
}

static int parse_flags(struct parser *p, struct qnode *n)
{
	static const char letters[] = "FSRPAUEC";
	char buf[40];
	uint64_t v = 0;

	if (p->t.type != T_WORD || p->t.len >= sizeof(buf))
		return qlex_expected(p, "TCP flags (letters FSRPAUEC)", "flags");
	qlex_word(p, buf, sizeof(buf));
	for (size_t i = 0; buf[i]; i++) {
		char c = (char)toupper((unsigned char)buf[i]);
		const char *at = c ? strchr(letters, c) : NULL;
		if (c == 'X') {
			v |= 0x3f;
			continue;
		}
		if (!at)
			return qlex_expected(p, "TCP flags (letters FSRPAUEC)", "flags");
		v |= 1u << (at - letters);
	}
	qlex(p);
	n->kind = QN_FLAGS;
	n->col[0] = FLOW_COL_TCP_FLAGS;
	n->ctype = QT_U8;
	n->val = v;
	return 0;
}

static int cmp_term(struct parser *p, struct qnode *n, const char *kw, enum flow_col c, uint64_t max,
		    bool scaled)
{
	char what[64];
	n->kind = QN_CMP;
	n->op = (uint8_t)qlex_op(p);
	n->col[0] = (uint8_t)c;
	n->ctype = (uint8_t)qfilter_col_type(c);
	snprintf(what, sizeof(what), "a number");
	return qlex_number(p, what, kw, max, scaled, &n->val);
}

/* A directional term after an optional src/dst qualifier. */
static int dir_term(struct parser *p, struct qnode *n, const struct dirq *d, const char *after)
{
	char kw[16];

	if (qlex_is_kw(p, "ip") || qlex_is_kw(p, "host") || qlex_is_kw(p, "net")) {
		bool net = qlex_is_kw(p, "net");
		qlex_word(p, kw, sizeof(kw));
		qlex(p);
		set_cols(n, d, FLOW_COL_SRC, FLOW_COL_DST);
		return addr_term(p, n, kw, net);
	}
	if (qlex_is_kw(p, "port")) {
		qlex(p);
		set_cols(n, d, FLOW_COL_SPORT, FLOW_COL_DPORT);
		if (qlex_is_kw(p, "in")) {
			qlex(p);
			return port_list(p, n, "in");
		}
		n->kind = QN_CMP;
		n->op = (uint8_t)qlex_op(p);
		return qlex_number(p, "a port number", "port", 65535, false, &n->val);
	}
	if (qlex_is_kw(p, "as")) {
		qlex(p);
		set_cols(n, d, FLOW_COL_SRC_AS, FLOW_COL_DST_AS);
		n->kind = QN_CMP;
		n->op = (uint8_t)qlex_op(p);
		return qlex_number(p, "an AS number", "as", UINT32_MAX, false, &n->val);
	}
	if (qlex_is_kw(p, "mask")) {
		qlex(p);
		set_cols(n, d, FLOW_COL_SRC_MASK, FLOW_COL_DST_MASK);
		n->kind = QN_CMP;
		n->op = (uint8_t)qlex_op(p);
		return qlex_number(p, "a mask length", "mask", 128, false, &n->val);
	}
	return qlex_expected(p, "ip, host, net, port, as or mask", after);
}

static int term(struct parser *p, struct qnode *n)
{
	char kw[16];

	memset(n, 0, sizeof(*n));
	if (p->t.type != T_WORD)
		return qlex_expected(p, "a filter term", NULL);
	if (qlex_is_kw(p, "any")) {
		qlex(p);
		n->kind = QN_TRUE;
		return 0;
	}
	if (qlex_is_kw(p, "proto")) {
		char buf[32];
		int v;
		qlex(p);
		if (p->t.type == T_OP && p->t.op == QOP_EQ)
			qlex(p);
		if (p->t.type != T_WORD || p->t.len >= sizeof(buf))
			return qlex_expected(p, "a protocol name or number", "proto");
		qlex_word(p, buf, sizeof(buf));
		if ((v = proto_parse(buf)) < 0)
			return qlex_expected(p, "a protocol name or number", "proto");
		qlex(p);
		n->kind = QN_CMP;
		n->col[0] = FLOW_COL_PROTO;
		n->ctype = QT_U8;
		n->val = (uint64_t)v;
		return 0;
	}
	static const struct { const char *w; uint8_t proto; } bare[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 },
	};
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++)
		if (qlex_is_kw(p, bare[i].w)) {
			qlex(p);
			n->kind = QN_CMP;
			n->col[0] = FLOW_COL_PROTO;
			n->ctype = QT_U8;
			n->val = bare[i].proto;
			return 0;
		}
	if (qlex_is_kw(p, "ipv4") || qlex_is_kw(p, "inet") || qlex_is_kw(p, "ipv6") || qlex_is_kw(p, "inet6")) {
		n->val = qlex_is_kw(p, "ipv4") || qlex_is_kw(p, "inet") ? 4 : 6;
		qlex(p);
		n->kind = QN_FAMILY;
		n->col[0] = FLOW_COL_SRC;
		n->ctype = QT_ADDR;
		return 0;
	}
	static const struct { const char *w; enum flow_col c; uint64_t max; bool scaled; } cmps[] = {
		{ "packets", FLOW_COL_PACKETS, UINT64_MAX, true },
		{ "bytes", FLOW_COL_BYTES, UINT64_MAX, true },
		{ "tos", FLOW_COL_TOS, 255, false },
		{ "sampling", FLOW_COL_SAMPLING, UINT32_MAX, true },
		{ "engine", FLOW_COL_DOMAIN, UINT32_MAX, false },
	};
	for (size_t i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (qlex_is_kw(p, cmps[i].w)) {
			qlex(p);
			return cmp_term(p, n, cmps[i].w, cmps[i].c, cmps[i].max, cmps[i].scaled);
		}
	static const struct { const char *w; enum qn_derived d; } der[] = {
		{ "duration", QD_DURATION }, { "pps", QD_PPS }, { "bps", QD_BPS }, { "bpp", QD_BPP },
	};
	for (size_t i = 0; i < sizeof(der) / sizeof(der[0]); i++)
		if (qlex_is_kw(p, der[i].w)) {
			uint64_t v;
			int rc;
			qlex(p);
			n->kind = QN_DERIVED;
			n->derived = (uint8_t)der[i].d;
			n->op = (uint8_t)qlex_op(p);
			if ((rc = qlex_number(p, "a number", der[i].w, UINT64_MAX, true, &v)) != 0)
				return rc;
			n->dval = (double)v;
			return 0;
		}
	if (qlex_is_kw(p, "flags")) {
		qlex(p);
		return parse_flags(p, n);
	}
	if (qlex_is_kw(p, "icmp-type") || qlex_is_kw(p, "icmp-code")) {
		bool code = qlex_is_kw(p, "icmp-code");
		qlex(p);
		n->kind = QN_ICMP;
		n->derived = code;
		n->col[0] = FLOW_COL_PROTO;
		n->col[1] = FLOW_COL_DPORT;
		n->dual = QD_EITHER;     /* reads both columns */
		n->op = (uint8_t)qlex_op(p);
		return qlex_number(p, code ? "an ICMP code" : "an ICMP type", code ? "icmp-code" : "icmp-type",
				   255, false, &n->val);
	}
	if (qlex_is_kw(p, "flowdir")) {
		qlex(p);
		n->kind = QN_CMP;
		n->col[0] = FLOW_COL_DIRECTION;
		n->ctype = QT_U8;
		if (qlex_is_kw(p, "ingress") || qlex_is_kw(p, "egress")) {
			n->val = qlex_is_kw(p, "egress");
			qlex(p);
			return 0;
		}
		return qlex_number(p, "ingress, egress, 0 or 1", "flowdir", 1, false, &n->val);
	}
	if (qlex_is_kw(p, "next") || qlex_is_kw(p, "router")) {
		struct dirq d = { QD_ONE, true, false };
		bool next = qlex_is_kw(p, "next"), net;
		qlex(p);
		if (next && qlex_is_kw(p, "as"))
			return qlex_expected(p, "'ip' (vigil's record has no BGP next AS)", "next");
		net = qlex_is_kw(p, "net");
		if (net || qlex_is_kw(p, "ip") || qlex_is_kw(p, "host"))
			qlex(p);
		set_cols(n, &d, next ? FLOW_COL_NEXTHOP : FLOW_COL_EXPORTER,
			 next ? FLOW_COL_NEXTHOP : FLOW_COL_EXPORTER);
		return addr_term(p, n, next ? "next ip" : "router ip", net);
	}
	if (qlex_is_kw(p, "in") || qlex_is_kw(p, "out")) {
		/* nfdump's "in packets > N" / "in bytes": a flow's counters are the in side */
		struct parser save = *p;
		bool in = qlex_is_kw(p, "in");
		qlex(p);
		if (qlex_is_kw(p, "packets") || qlex_is_kw(p, "bytes")) {
			bool pk = qlex_is_kw(p, "packets");
			if (!in)
				return qlex_expected(p, "'if' (vigil's flows are one-way: no out counters)", "out");
			qlex(p);
			return cmp_term(p, n, pk ? "packets" : "bytes", pk ? FLOW_COL_PACKETS : FLOW_COL_BYTES,
					UINT64_MAX, true);
		}
		*p = save;
	}
	if (qlex_is_kw(p, "if") || qlex_is_kw(p, "in") || qlex_is_kw(p, "out")) {
		bool in = qlex_is_kw(p, "in"), out = qlex_is_kw(p, "out");
		struct dirq d = { QD_EITHER, in, out };
		if (in || out) {
			qlex(p);
			if (!qlex_is_kw(p, "if"))
				return qlex_expected(p, "'if'", in ? "in" : "out");
		}
		qlex(p);
		set_cols(n, &d, FLOW_COL_IN_IF, FLOW_COL_OUT_IF);
		n->kind = QN_CMP;
		n->op = (uint8_t)qlex_op(p);
		return qlex_number(p, "an interface number", "if", UINT32_MAX, false, &n->val);
	}
	if (qlex_is_kw(p, "exporter")) {
		struct dirq d = { QD_ONE, true, false };
		bool net;
		qlex(p);
		net = qlex_is_kw(p, "net");
		if (net || qlex_is_kw(p, "ip"))
			qlex(p);
		set_cols(n, &d, FLOW_COL_EXPORTER, FLOW_COL_EXPORTER);
		return addr_term(p, n, "exporter", net);
	}
	if (qlex_is_kw(p, "src") || qlex_is_kw(p, "dst")) {
		struct dirq d = { QD_ONE, qlex_is_kw(p, "src"), qlex_is_kw(p, "dst") };
		qlex_word(p, kw, sizeof(kw));
		qlex(p);
		/* "src or dst port 80" / "src and dst ip X": a two-sided qualifier,
		 * but "src port 1 or dst port 2" is not; peek two tokens. */
		if (qlex_is_kw(p, "or") || qlex_is_kw(p, "and")) {
			struct parser save = *p;
			bool both = qlex_is_kw(p, "and");
			qlex(p);
			if ((d.src && qlex_is_kw(p, "dst")) || (d.dst && qlex_is_kw(p, "src"))) {
				d.src = d.dst = true;
				d.dual = both ? QD_BOTH : QD_EITHER;
				qlex(p);
				snprintf(kw, sizeof(kw), "%s", d.dual == QD_BOTH ? "and" : "or");
			} else {
				*p = save;
			}
		}
		return dir_term(p, n, &d, kw);
	}
	{
		struct dirq d = { QD_EITHER, false, false };
		if (qlex_is_kw(p, "ip") || qlex_is_kw(p, "host") || qlex_is_kw(p, "net") || qlex_is_kw(p, "port") ||
		    qlex_is_kw(p, "as") || qlex_is_kw(p, "mask"))
			return dir_term(p, n, &d, NULL);
	}
	return qlex_expected(p, "a filter term (proto, ip, host, net, port, as, packets, bytes, flags, ...)",
			NULL);
}

static int parse_or(struct parser *p);

static int primary(struct parser *p)
{
	struct qnode n;
	int rc;

	if (p->t.type == T_LP) {
		size_t at = p->t.pos;
		if (++p->depth > QUERY_MAX_DEPTH - 4)
			return qlex_fail(p, at, VIGIL_ELIMIT, "filter nests too deep");
		qlex(p);
		rc = parse_or(p);
		if (rc < 0)
			return rc;
		if (p->t.type != T_RP)
			return qlex_expected(p, "')' to close the '(' opened before", NULL);
		qlex(p);
		p->depth--;
		return rc;
	}
	if (p->t.type == T_BANG || qlex_is_kw(p, "not")) {
		if (++p->depth > QUERY_MAX_DEPTH - 4)
			return qlex_fail(p, p->t.pos, VIGIL_ELIMIT, "filter nests too deep");
		qlex(p);
		rc = primary(p);
		if (rc < 0)
			return rc;
		p->depth--;
		memset(&n, 0, sizeof(n));
		n.kind = QN_NOT;
		n.left = (uint32_t)rc;
		return add_node(p, &n);
	}
	rc = term(p, &n);
	if (rc < 0) {
		lpm_free(n.set);
		free(n.bitmap);
		free(n.hosts);
		return rc;
	}
	rc = add_node(p, &n);
	if (rc < 0) {
		lpm_free(n.set);
		free(n.bitmap);
		free(n.hosts);
	}
	return rc;
}

/* Parse a chain `x (sep x)*` into one n-ary node of kind. */
static int chain(struct parser *p, enum qn_kind kind, int (*sub)(struct parser *))
{
	uint32_t local[32];
	uint32_t *items = local;
	size_t n = 0, cap = 32;
	int rc;

	rc = sub(p);
	if (rc < 0)
		return rc;
	items[n++] = (uint32_t)rc;
	for (;;) {
		bool sep = kind == QN_AND ? (p->t.type == T_ANDAND || qlex_is_kw(p, "and"))
					  : (p->t.type == T_OROR || qlex_is_kw(p, "or"));
		if (!sep)
			break;
		qlex(p);
		rc = sub(p);
		if (rc < 0)
			goto out;
		if (n == cap) {
			size_t nc = cap * 2;
			uint32_t *ni = items == local ? malloc(nc * sizeof(*ni))
						      : realloc(items, nc * sizeof(*ni));
			if (!ni) {
				rc = qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
				goto out;
			}
			if (items == local)
				memcpy(ni, local, sizeof(local));
			items = ni;
			cap = nc;
		}
		items[n++] = (uint32_t)rc;
	}
	if (n == 1) {
		rc = (int)items[0];
		goto out;
	}
	struct query_filter *f = p->f;
	if (f->nkids + n > f->kcap) {
		size_t nc = f->kcap ? f->kcap : 64;
		while (nc < f->nkids + n)
			nc *= 2;
		uint32_t *nk = realloc(f->kids, nc * sizeof(*nk));
		if (!nk) {
			rc = qlex_fail(p, p->t.pos, VIGIL_ENOMEM, "out of memory");
			goto out;
		}
		f->kids = nk;
		f->kcap = nc;
	}
	struct qnode node;
	memset(&node, 0, sizeof(node));
	node.kind = (uint8_t)kind;
	node.left = (uint32_t)f->nkids;
	node.right = (uint32_t)n;
	memcpy(f->kids + f->nkids, items, n * sizeof(*items));
	f->nkids += n;
	rc = add_node(p, &node);
out:
	if (items != local)
		free(items);
	return rc;
}

static int parse_and(struct parser *p) { return chain(p, QN_AND, primary); }
static int parse_or(struct parser *p) { return chain(p, QN_OR, parse_and); }

int query_filter_compile(const char *text, struct query_filter **out, char *err, size_t errlen)
{
	struct parser p;
	struct query_filter *f;
	size_t len = text ? strlen(text) : 0;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > QUERY_MAX_FILTER_LEN) {
		if (err && errlen)
			snprintf(err, errlen, "filter: longer than %u bytes", QUERY_MAX_FILTER_LEN);
		return VIGIL_ELIMIT;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return VIGIL_ENOMEM;
	memset(&p, 0, sizeof(p));
	p.s = text ? text : "";
	p.n = len;
	p.f = f;
	p.err = err;
	p.errlen = errlen;
	qlex(&p);
	if (p.t.type == T_EOF) {
		struct qnode n;
		memset(&n, 0, sizeof(n));
		n.kind = QN_TRUE;
		rc = add_node(&p, &n);
	} else {
		rc = parse_or(&p);
		if (rc >= 0 && p.t.type != T_EOF)
			rc = qlex_expected(&p, p.t.type == T_RP ? "no ')' without a '(' before it"
							   : "'and', 'or' or the end of the filter",
				      NULL);
	}
	if (rc < 0)
		goto out;
	f->root = (uint32_t)rc;
	rc = qfilter_finish(f);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, rc == VIGIL_ELIMIT ? "filter: nests too deep (at most %u levels)"
								: "filter: out of memory",
				 QUERY_MAX_DEPTH);
		goto out;
	}
	*out = f;
	f = NULL;
	rc = 0;
out:
	query_filter_free(f);
	return rc;
}
