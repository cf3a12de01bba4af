/*
 * recfmt.c - nfdump's format tokens (see recfmt.h). Each token is written
 * with nfdump 1.7's width and alignment by hand into the output buffer: no
 * printf per field. Tokens for what vigil's record does not carry (MAC
 * addresses, VLANs, MPLS labels, received time, ...) are refused by name.
 */
#include "query/recfmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/proto.h"

enum tok {
	T_TS, T_TE, T_TD, T_TDS, T_PR, T_SA, T_DA, T_SAP, T_DAP, T_SP, T_DP, T_PKT, T_BYT, T_IPKT,
	T_IBYT, T_OPKT, T_OBYT, T_FL, T_FLG, T_TOS, T_STOS, T_IN, T_OUT, T_SAS, T_DAS, T_BPS, T_PPS,
	T_BPP, T_SN, T_DN, T_NH, T_RA, T_SMK, T_DMK, T_IT, T_IC, T_DIR, T_XSA, T_XDA, T_XSP, T_XDP,
	T_XSAP, T_XDAP, T_TSR, T_TER, T_SMP, T_LIT,
};

#define C(x) (1ULL << FLOW_COL_##x)
static const struct {
	const char *name;
	enum tok tok;
	const char *title;
	uint64_t cols;
} toks[] = {
	{ "ts", T_TS, "Date first seen        ", C(FIRST) },
	{ "te", T_TE, "Date last seen         ", C(LAST) },
	{ "td", T_TD, "    Duration    ", C(FIRST) | C(LAST) },
	{ "tds", T_TDS, "    Duration    ", C(FIRST) | C(LAST) },
	{ "tsr", T_TSR, "First seen raw", C(FIRST) },
	{ "ter", T_TER, "Last seen raw ", C(LAST) },
	{ "pr", T_PR, "Proto", C(PROTO) },
	{ "sa", T_SA, "     Src IP Addr", C(SRC) },
	{ "da", T_DA, "     Dst IP Addr", C(DST) },
	{ "sap", T_SAP, "     Src IP Addr:Port ", C(SRC) | C(SPORT) },
	{ "dap", T_DAP, "     Dst IP Addr:Port ", C(DST) | C(DPORT) | C(PROTO) },
	{ "sp", T_SP, "Src Pt", C(SPORT) },
	{ "dp", T_DP, "Dst Pt", C(DPORT) | C(PROTO) },
	{ "pkt", T_PKT, " Packets", C(PACKETS) },
	{ "byt", T_BYT, "   Bytes", C(BYTES) },
	{ "ipkt", T_IPKT, "  In Pkt", C(PACKETS) },
	{ "ibyt", T_IBYT, " In Byte", C(BYTES) },
	{ "opkt", T_OPKT, " Out Pkt", 0 },
	{ "obyt", T_OBYT, "Out Byte", 0 },
	{ "fl", T_FL, "Flows", 0 },
	{ "flg", T_FLG, "   Flags", C(TCP_FLAGS) },
	{ "tos", T_TOS, "Tos", C(TOS) },
	{ "stos", T_STOS, "STos", C(TOS) },
	{ "in", T_IN, " Input", C(IN_IF) },
	{ "out", T_OUT, "Output", C(OUT_IF) },
	{ "sas", T_SAS, "Src AS", C(SRC_AS) },
	{ "das", T_DAS, "Dst AS", C(DST_AS) },
	{ "bps", T_BPS, "     bps", C(FIRST) | C(LAST) | C(BYTES) },
	{ "pps", T_PPS, "     pps", C(FIRST) | C(LAST) | C(PACKETS) },
	{ "bpp", T_BPP, "   Bpp", C(PACKETS) | C(BYTES) },
	{ "sn", T_SN, "        Src Network", C(SRC) | C(SRC_MASK) },
	{ "dn", T_DN, "        Dst Network", C(DST) | C(DST_MASK) },
	{ "nh", T_NH, "     Next-hop IP", C(NEXTHOP) },
	{ "ra", T_RA, "       Router IP", C(EXPORTER) },
	{ "smk", T_SMK, "SMask", C(SRC_MASK) },
	{ "dmk", T_DMK, "DMask", C(DST_MASK) },
	{ "it", T_IT, "ICMP-T", C(DPORT) | C(PROTO) },
	{ "ic", T_IC, "ICMP-C", C(DPORT) | C(PROTO) },
	{ "dir", T_DIR, "Dir", C(DIRECTION) },
	{ "xsa", T_XSA, "   X-late Src IP", C(XSRC) },
	{ "xda", T_XDA, "   X-late Dst IP", C(XDST) },
	{ "xsp", T_XSP, "XsPort", C(XSPORT) },
	{ "xdp", T_XDP, "XdPort", C(XDPORT) },
	{ "xsap", T_XSAP, "   X-Src IP Addr:Port ", C(XSRC) | C(XSPORT) },
	{ "xdap", T_XDAP, "   X-Dst IP Addr:Port ", C(XDST) | C(XDPORT) },
	{ "smp", T_SMP, "Sampling", C(SAMPLING) },
};
#undef C

/* nfdump tokens vigil's record has no field for: refused with the reason. */
static const char *const missing[] = {
	"tr", "trr", "tfs", "dtos", "nas", "pas", "nhb", "svln", "dvln", "ismc", "odmc", "idmc",
	"osmc", "mpls1", "mpls2", "mpls3", "mpls4", "mpls5", "mpls6", "mpls7", "mpls8", "mpls9",
	"mpls10", "mpls", "eng", "exp", "fwd", "bfd", "end", "cl", "sl", "al", "nfv", "cnt", "lbl",
	"inam", "onam", "gsa", "gda", "gsap", "gdap", "sc", "dc", "sloc", "dloc", "sasn", "dasn",
	"ipl", "opl", "nbid", "nbnm", "ja3", "sni", "odid", "opid", "evt", "xevt", "nfc", "msec",
	"iacl", "eacl", "uname", "pbstart", "pbend", "pbstep", "pbsize", "vrf", "ivrf", "evrf",
};

struct op {
	uint8_t tok;
	uint32_t off, len;           /* T_LIT: the literal's bytes in r->text */
};

struct recfmt {
	char *text;
	struct op *ops;
	size_t nops;
	bool plain;
	uint64_t cols;
};

static const char *const named[][2] = {
	{ "line", "%ts %td %pr %sap -> %dap %pkt %byt %fl" },
	{ "long", "%ts %td %pr %sap -> %dap %flg %tos %pkt %byt %fl" },
	{ "extended", "%ts %td %pr %sap -> %dap %flg %tos %pkt %byt %pps %bps %bpp %fl" },
	{ "biline", "%ts %td %pr %sap <-> %dap %opkt %ipkt %obyt %ibyt %fl" },
	{ "bilong", "%ts %td %pr %sap <-> %dap %flg %tos %opkt %ipkt %obyt %ibyt %fl" },
};

const char *recfmt_named(const char *name)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(name, named[i][0]))
			return named[i][1];
	return NULL;
}

void recfmt_free(struct recfmt *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->ops);
	free(r);
}

int recfmt_compile(const char *spec, bool plain, struct recfmt **out, char *err, size_t errlen)
{
	size_t n = strlen(spec);
	struct recfmt *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!r)
		return VIGIL_ENOMEM;
	r->plain = plain;
	r->text = malloc(n + 1);
	r->ops = calloc(n + 1, sizeof(*r->ops));
	if (!r->text || !r->ops) {
		recfmt_free(r);
		return VIGIL_ENOMEM;
	}
	memcpy(r->text, spec, n + 1);
	for (size_t i = 0; i < n;) {
		if (spec[i] != '%') {
			size_t j = i;
			while (j < n && spec[j] != '%')
				j++;
			r->ops[r->nops++] = (struct op){ T_LIT, (uint32_t)i, (uint32_t)(j - i) };
			i = j;
			continue;
		}
		size_t w = 0;
		while (i + 1 + w < n && isalnum((unsigned char)spec[i + 1 + w]))
			w++;
		/* The longest token the letters start with ("%sap" before "%sa"). */
		size_t best = 0, bi = 0;
		for (size_t t = 0; t < sizeof(toks) / sizeof(toks[0]); t++) {
			size_t l = strlen(toks[t].name);
			if (l <= w && l > best && !strncmp(spec + i + 1, toks[t].name, l)) {
				best = l;
				bi = t;
			}
		}
		if (!best || (best < w && isalpha((unsigned char)spec[i + 1 + best]))) {
			const char *why = "unknown format token";
			for (size_t m = 0; m < sizeof(missing) / sizeof(missing[0]); m++)
				if (strlen(missing[m]) == w && !strncmp(spec + i + 1, missing[m], w))
					why = "format token not carried by vigil's flow record";
			if (errlen)
				snprintf(err, errlen, "-o fmt: %s '%%%.*s' at offset %zu", why, (int)w,
					 spec + i + 1, i);
			recfmt_free(r);
			return VIGIL_EINVAL;
		}
		r->ops[r->nops++] = (struct op){ (uint8_t)toks[bi].tok, 0, 0 };
		r->cols |= toks[bi].cols;
		i += 1 + best;
	}
	*out = r;
	return 0;
}

uint64_t recfmt_columns(const struct recfmt *r) { return r->cols; }

static const char *title(enum tok t)
{
	for (size_t i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		if (toks[i].tok == t)
			return toks[i].title;
	return "";
}

static void spaces(struct qout *o, size_t n)
{
	static const char sp[] = "                                                                ";
	while (n) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
		qout_put(o, sp, k);
		n -= k;
	}
}

void recfmt_header(const struct recfmt *r, struct qout *o)
{
	for (size_t i = 0; i < r->nops; i++) {
		if (r->ops[i].tok == T_LIT)
			spaces(o, r->ops[i].len);
		else
			qout_str(o, title((enum tok)r->ops[i].tok));
	}
	qout_c(o, '\n');
}

/* s (n bytes) right-aligned in w columns; longer strings are not cut. */
static inline void right(struct qout *o, const char *s, size_t n, size_t w)
{
	if (n < w)
		spaces(o, w - n);
	qout_put(o, s, n);
}

static inline void left(struct qout *o, const char *s, size_t n, size_t w)
{
	qout_put(o, s, n);
	if (n < w)
		spaces(o, w - n);
}

static inline void num(struct qout *o, uint64_t v, size_t w)
{
	char tmp[24], *p = qfmt_u64_rev(v, tmp + sizeof(tmp));
	right(o, p, (size_t)(tmp + sizeof(tmp) - p), w);
}

/* A counter: scaled ("1.2 M") unless -N. */
static inline void count(struct qout *o, uint64_t v, size_t w, bool plain)
{
	if (plain || v < 1000000) {
		num(o, v, w);
		return;
	}
	char b[32];
	qfmt_scaled((double)v, b);
	right(o, b, strlen(b), w);
}

static inline size_t addr_str(const struct vaddr *a, char *buf)
{
	if (addr_is_v4(a)) {
		char *e = buf + 16, *p = e;
		for (int i = 15; i >= 12; i--) {
			p = qfmt_u64_rev(a->b[i], p);
			if (i > 12)
				*--p = '.';
		}
		size_t n = (size_t)(e - p);
		memmove(buf, p, n);
		buf[n] = '\0';
		return n;
	}
	addr_format(a, buf);
	return strlen(buf);
}

static inline bool is_icmp(uint8_t proto) { return proto == 1 || proto == 58; }

/* A port, or for the ICMP destination "type.code" as nfdump. */
static size_t port_str(uint16_t port, bool icmp, char *buf)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p;
	if (icmp) {
		p = qfmt_u64_rev(port & 0xff, e);
		*--p = '.';
		p = qfmt_u64_rev(port >> 8, p);
	} else {
		p = qfmt_u64_rev(port, e);
	}
	memcpy(buf, p, (size_t)(e - p));
	return (size_t)(e - p);
}

/* "%16s:%-5s" for IPv4, "%s.%-5s" for IPv6 (as nfdump: ':' is taken). */
static void addr_port(struct qout *o, const struct vaddr *a, uint16_t port, bool icmp)
{
	char ab[ADDR_STRLEN], pb[24];
	size_t an = addr_str(a, ab), pn = port_str(port, icmp, pb);
	bool v4 = addr_is_v4(a);
	right(o, ab, an, 16);
	qout_c(o, v4 ? ':' : '.');
	left(o, pb, pn, 5);
}

static void masked(struct qout *o, const struct vaddr *a, unsigned bits)
{
	struct vaddr m = *a;
	unsigned total = addr_is_v4(a) ? 32 : 128, base = addr_is_v4(a) ? 96 : 0;
	char ab[ADDR_STRLEN];
	if (bits > total)
		bits = total;
	/* mask 0 = the exporter did not say: the address as it is (as nfdump) */
	for (unsigned b = base + bits; bits && b < 128; b++)
		m.b[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	right(o, ab, addr_str(&m, ab), 16);
	qout_c(o, '/');
	num(o, bits, 0);
	if (bits < 10)
		qout_c(o, ' ');
}

static void duration(struct qout *o, int64_t ms, bool plain)
{
	char b[40], *e = b + sizeof(b), *p = e;
	if (ms < 0)
		ms = 0;
	uint64_t v = (uint64_t)ms;
	unsigned fr = (unsigned)(v % 1000);
	*--p = (char)('0' + fr % 10);
	*--p = (char)('0' + fr / 10 % 10);
	*--p = (char)('0' + fr / 100);
	*--p = '.';
	if (plain) {
		p = qfmt_u64_rev(v / 1000, p);
	} else {
		uint64_t s = v / 1000;
		unsigned ss = (unsigned)(s % 60), mm = (unsigned)(s / 60 % 60);
		*--p = (char)('0' + ss % 10);
		*--p = (char)('0' + ss / 10);
		*--p = ':';
		*--p = (char)('0' + mm % 10);
		*--p = (char)('0' + mm / 10);
		*--p = ':';
		uint64_t hh = s / 3600;
		p = qfmt_u64_rev(hh, p);
		if (hh < 10)
			*--p = '0';
	}
	right(o, p, (size_t)(e - p), 16);
}

static void raw_time(struct qout *o, int64_t ms)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%lld.%03u", (long long)(ms / 1000), (unsigned)(ms % 1000));
	right(o, b, n > 0 ? (size_t)n : 0, 14);
}

static uint64_t per_s(uint64_t v, const struct flow *f)
{
	int64_t d = f->last_ms - f->first_ms;
	return d > 0 ? (uint64_t)((double)v * 1000.0 / (double)d) : 0;
}

static void proto(struct qout *o, uint8_t p, bool plain)
{
	const char *n = plain ? NULL : proto_name(p);
	char up[16];
	if (!n) {
		num(o, p, 0);
		spaces(o, 5 - (p >= 100 ? 3 : p >= 10 ? 2 : 1));
		return;
	}
	size_t l = strlen(n);
	if (l >= sizeof(up))
		l = sizeof(up) - 1;
	for (size_t i = 0; i < l; i++)
		up[i] = (char)toupper((unsigned char)n[i]);
	left(o, up, l, 5);
}

void recfmt_row(const struct recfmt *r, struct qout *o, const struct flow *f, uint64_t flows,
		uint64_t opackets, uint64_t obytes)
{
	bool icmp = is_icmp(f->proto), plain = r->plain;
	char ab[ADDR_STRLEN];

	qout_room(o);
	for (size_t i = 0; i < r->nops; i++) {
		const struct op *op = &r->ops[i];
		switch ((enum tok)op->tok) {
		case T_LIT: qout_put(o, r->text + op->off, op->len); break;
		case T_TS: qout_time(o, f->first_ms, ' ', 0); break;
		case T_TE: qout_time(o, f->last_ms, ' ', 0); break;
		case T_TD: duration(o, f->last_ms - f->first_ms, plain); break;
		case T_TDS: duration(o, f->last_ms - f->first_ms, true); break;
		case T_TSR: raw_time(o, f->first_ms); break;
		case T_TER: raw_time(o, f->last_ms); break;
		case T_PR: proto(o, f->proto, plain); break;
		case T_SA: right(o, ab, addr_str(&f->src, ab), 16); break;
		case T_DA: right(o, ab, addr_str(&f->dst, ab), 16); break;
		case T_NH: right(o, ab, addr_str(&f->nexthop, ab), 16); break;
		case T_RA: right(o, ab, addr_str(&f->exporter, ab), 16); break;
		case T_XSA: right(o, ab, addr_str(&f->xsrc, ab), 16); break;
		case T_XDA: right(o, ab, addr_str(&f->xdst, ab), 16); break;
		case T_SAP: addr_port(o, &f->src, f->sport, false); break;
		case T_DAP: addr_port(o, &f->dst, f->dport, icmp); break;
		case T_XSAP: addr_port(o, &f->xsrc, f->xsport, false); break;
		case T_XDAP: addr_port(o, &f->xdst, f->xdport, false); break;
		case T_SP: num(o, f->sport, 6); break;
		case T_DP: {
			char pb[24];
			right(o, pb, port_str(f->dport, icmp, pb), 6);
			break;
		}
		case T_XSP: num(o, f->xsport, 6); break;
		case T_XDP: num(o, f->xdport, 6); break;
		case T_PKT:
		case T_IPKT: count(o, f->packets, 8, plain); break;
		case T_BYT:
		case T_IBYT: count(o, f->bytes, 8, plain); break;
		case T_OPKT: count(o, opackets, 8, plain); break;
		case T_OBYT: count(o, obytes, 8, plain); break;
		case T_FL: num(o, flows, 5); break;
		case T_FLG: qout_flags(o, f->tcp_flags); break;
		case T_TOS: num(o, f->tos, 3); break;
		case T_STOS: num(o, f->tos, 4); break;
		case T_IN: num(o, f->in_if, 6); break;
		case T_OUT: num(o, f->out_if, 6); break;
		case T_SAS: num(o, f->src_as, 6); break;
		case T_DAS: num(o, f->dst_as, 6); break;
		case T_BPS: count(o, per_s(f->bytes * 8, f), 8, plain); break;
		case T_PPS: count(o, per_s(f->packets, f), 8, plain); break;
		case T_BPP: count(o, f->packets ? f->bytes / f->packets : 0, 6, plain); break;
		case T_SN: masked(o, &f->src, f->src_mask); break;
		case T_DN: masked(o, &f->dst, f->dst_mask); break;
		case T_SMK: num(o, f->src_mask, 5); break;
		case T_DMK: num(o, f->dst_mask, 5); break;
		case T_IT: num(o, icmp ? f->dport >> 8 : 0, 6); break;
		case T_IC: num(o, icmp ? f->dport & 0xff : 0, 6); break;
		case T_DIR: QOUT_LIT(o, "  "); qout_c(o, f->direction ? 'E' : 'I'); break;
		case T_SMP: num(o, f->sampling, 8); break;
		}
	}
	qout_c(o, '\n');
}
