/*
 * test_filter.c - the filter language: every construct parses, precedence is
 * nfdump's, malformed filters fail with the right position and message, and
 * the column-wise evaluator agrees with an obviously-correct row-by-row
 * reference (written here, predicate by predicate) on random flows, for a
 * table of ~50 filters and for thousands of random filter trees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "util/err.h"

/* ---- random flows ---- */

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *pool_v4[] = { "10.1.2.3", "10.1.2.4", "10.1.9.9", "163.1.2.3", "192.0.2.1",
				 "8.8.8.8", "10.200.0.1", "172.16.5.5" };
static const char *pool_v6[] = { "2001:db8::1", "2001:db8:1::5", "fe80::1" };
static const uint16_t pool_port[] = { 22, 23, 53, 80, 443, 445, 3389, 1024, 50000, 65535 };

static void rnd_addr(struct vaddr *a)
{
	if (rnd() % 8 == 0)
		addr_parse(pool_v6[rnd() % 3], a);
	else if (rnd() % 6 == 0)
		addr_from_v4(a, (uint32_t)rnd());
	else
		addr_parse(pool_v4[rnd() % 8], a);
}

static void rnd_flow(struct flow *f)
{
	static const uint8_t protos[] = { 1, 6, 6, 6, 17, 17, 47 };
	memset(f, 0, sizeof(*f));
	f->first_ms = 1700000000000LL + (int64_t)(rnd() % 100000);
	f->last_ms = f->first_ms + (int64_t)(rnd() % 5 == 0 ? 0 : rnd() % 20000);
	rnd_addr(&f->src);
	rnd_addr(&f->dst);
	rnd_addr(&f->exporter);
	f->sport = rnd() % 3 ? pool_port[rnd() % 10] : (uint16_t)rnd();
	f->dport = rnd() % 3 ? pool_port[rnd() % 10] : (uint16_t)rnd();
	f->proto = protos[rnd() % 7];
	f->packets = rnd() % 10 == 0 ? 0 : rnd() % 3000;
	f->bytes = f->packets * (40 + rnd() % 1400);
	f->tcp_flags = (uint8_t)rnd();
	f->tos = (uint8_t)(rnd() % 4 * 8);
	f->src_as = (uint32_t)(rnd() % 4 * 1000);
	f->dst_as = (uint32_t)(rnd() % 4 * 1000);
	f->in_if = (uint32_t)(rnd() % 4);
	f->out_if = (uint32_t)(rnd() % 4);
	f->sampling = rnd() % 2 ? 1 : 100;
}

/* ---- reference predicates ---- */

static bool ip_is(const struct vaddr *a, const char *s)
{
	struct vaddr b;
	assert_int_equal(addr_parse(s, &b), 0);
	return addr_eq(a, &b);
}

static bool in_net(const struct vaddr *a, const char *s)
{
	struct vprefix p;
	assert_int_equal(prefix_parse(s, &p), 0);
	return prefix_contains(&p, a);
}

static double dur(const struct flow *f) { return (double)(f->last_ms - f->first_ms); }
static double pps(const struct flow *f)
{
	return f->last_ms > f->first_ms ? (double)f->packets * 1000.0 / dur(f) : 0;
}
static double bps(const struct flow *f)
{
	return f->last_ms > f->first_ms ? (double)f->bytes * 8000.0 / dur(f) : 0;
}
static double bpp(const struct flow *f) { return f->packets ? (double)f->bytes / (double)f->packets : 0; }

#define P(name, expr) static bool name(const struct flow *f) { return (expr); }
P(r_any, true)
P(r_tcp, f->proto == 6)
P(r_udp, f->proto == 17)
P(r_proto47, f->proto == 47)
P(r_host, ip_is(&f->src, "10.1.2.3") || ip_is(&f->dst, "10.1.2.3"))
P(r_srcip, ip_is(&f->src, "10.1.2.3"))
P(r_dstip, ip_is(&f->dst, "163.1.2.3"))
P(r_srcanddst, ip_is(&f->src, "10.1.2.3") && ip_is(&f->dst, "10.1.2.3"))
P(r_v6host, ip_is(&f->src, "2001:db8::1") || ip_is(&f->dst, "2001:db8::1"))
P(r_net, in_net(&f->src, "10.1.0.0/16") || in_net(&f->dst, "10.1.0.0/16"))
P(r_srcnet, in_net(&f->src, "10.0.0.0/8"))
P(r_dstnet6, in_net(&f->dst, "2001:db8::/32"))
P(r_netmask, in_net(&f->dst, "10.1.2.0/24"))
P(r_port, f->sport == 445 || f->dport == 445)
P(r_dport, f->dport == 445)
P(r_sportgt, f->sport > 1024)
P(r_dportle, f->dport <= 80)
P(r_portne, f->sport != 80 || f->dport != 80)
P(r_portin, f->dport == 22 || f->dport == 23 || f->dport == 445)
P(r_anyportin, f->sport == 53 || f->dport == 53 || f->sport == 3389 || f->dport == 3389)
P(r_ipin, ip_is(&f->src, "10.1.2.3") || ip_is(&f->src, "8.8.8.8") || in_net(&f->src, "163.1.0.0/16") ||
	  ip_is(&f->dst, "10.1.2.3") || ip_is(&f->dst, "8.8.8.8") || in_net(&f->dst, "163.1.0.0/16"))
P(r_dstipin, ip_is(&f->dst, "192.0.2.1") || ip_is(&f->dst, "2001:db8:1::5"))
P(r_as, f->src_as == 2000 || f->dst_as == 2000)
P(r_srcas, f->src_as > 1000)
P(r_packets, f->packets > 1000)
P(r_packetsk, f->packets >= 2000)
P(r_bytesM, f->bytes < 1000000)
P(r_bytes, f->bytes == 0)
P(r_duration, dur(f) > 10000)
P(r_pps, pps(f) > 100)
P(r_bps, bps(f) < 1000000)
P(r_bpp, bpp(f) > 700)
P(r_flagsS, (f->tcp_flags & 0x02) == 0x02)
P(r_flagsSA, (f->tcp_flags & 0x12) == 0x12)
P(r_tos, f->tos == 8)
P(r_if, f->in_if == 2 || f->out_if == 2)
P(r_inif, f->in_if == 1)
P(r_outif, f->out_if != 3)
P(r_exporter, ip_is(&f->exporter, "10.1.2.4"))
P(r_sampling, f->sampling > 1)
P(r_exporternet, in_net(&f->exporter, "10.1.2.0/24"))
P(r_ipv6, !addr_is_v4(&f->src))
P(r_target1, f->proto == 6 && f->dport == 445)
P(r_target2, f->proto == 6 && f->dport == 445 && !in_net(&f->src, "163.1.0.0/16"))
P(r_prec1, f->proto == 6 || (f->proto == 17 && f->dport == 53))
P(r_prec2, (f->proto == 6 || f->proto == 17) && f->dport == 53)
P(r_prec3, !(f->proto == 6) && f->dport == 53)
P(r_prec4, !(f->proto == 6 && f->dport == 53))
P(r_chain, f->proto == 6 && (f->dport == 22 || f->dport == 23 || f->dport == 445 || f->dport == 3389) &&
	   !ip_is(&f->src, "10.1.2.3") && f->packets > 10)
P(r_eitherport, f->sport == 80 || f->dport == 80)
P(r_bothport, f->sport == 80 && f->dport == 80)
P(r_notnot, f->proto == 6)

static const struct {
	const char *text;
	bool (*ref)(const struct flow *);
} cases[] = {
	{ "", r_any },
	{ "any", r_any },
	{ "proto tcp", r_tcp },
	{ "PROTO UDP", r_udp },
	{ "proto 47", r_proto47 },
	{ "tcp", r_tcp },
	{ "host 10.1.2.3", r_host },
	{ "ip 10.1.2.3", r_host },
	{ "src ip 10.1.2.3", r_srcip },
	{ "dst host 163.1.2.3", r_dstip },
	{ "src and dst ip 10.1.2.3", r_srcanddst },
	{ "src or dst ip 10.1.2.3", r_host },
	{ "host 2001:db8::1", r_v6host },
	{ "net 10.1.0.0/16", r_net },
	{ "net 10.1/16", r_net },
	{ "src net 10/8", r_srcnet },
	{ "dst net 2001:db8::/32", r_dstnet6 },
	{ "dst net 10.1.2.0 255.255.255.0", r_netmask },
	{ "port 445", r_port },
	{ "dst port 445", r_dport },
	{ "dst port = 445", r_dport },
	{ "dst port == 445", r_dport },
	{ "dst port eq 445", r_dport },
	{ "src port > 1024", r_sportgt },
	{ "dst port <= 80", r_dportle },
	{ "port != 80", r_portne },
	{ "dst port in [22 23 445]", r_portin },
	{ "port in [53,3389]", r_anyportin },
	{ "ip in [10.1.2.3 8.8.8.8 163.1.0.0/16]", r_ipin },
	{ "dst ip in [ 192.0.2.1, 2001:db8:1::5 ]", r_dstipin },
	{ "as 2000", r_as },
	{ "src as > 1000", r_srcas },
	{ "packets > 1000", r_packets },
	{ "packets >= 2k", r_packetsk },
	{ "bytes < 1M", r_bytesM },
	{ "bytes 0", r_bytes },
	{ "duration > 10000", r_duration },
	{ "pps > 100", r_pps },
	{ "bps < 1m", r_bps },
	{ "bpp > 700", r_bpp },
	{ "flags S", r_flagsS },
	{ "flags SA", r_flagsSA },
	{ "flags as", r_flagsSA },
	{ "tos 8", r_tos },
	{ "if 2", r_if },
	{ "in if 1", r_inif },
	{ "out if != 3", r_outif },
	{ "exporter 10.1.2.4", r_exporter },
	{ "sampling > 1", r_sampling },
	{ "exporter net 10.1.2.0/24", r_exporternet },
	{ "exporter ip 10.1.2.4", r_exporter },
	{ "ipv6", r_ipv6 },
	{ "proto tcp and dst port 445", r_target1 },
	{ "proto tcp && dst port 445", r_target1 },
	{ "proto tcp and dst port 445 and not src net 163.1.0.0/16", r_target2 },
	{ "proto tcp and dst port 445 and ! src net 163.1/16", r_target2 },
	{ "proto tcp or proto udp and dst port 53", r_prec1 },
	{ "proto tcp || proto udp && dst port 53", r_prec1 },
	{ "(proto tcp or proto udp) and dst port 53", r_prec2 },
	{ "not proto tcp and dst port 53", r_prec3 },
	{ "not (proto tcp and dst port 53)", r_prec4 },
	{ "proto tcp and (dst port 22 or dst port 23 or dst port 445 or dst port 3389) and not src ip 10.1.2.3 and packets > 10",
	  r_chain },
	{ "src or dst port 80", r_eitherport },
	{ "src and dst port 80", r_bothport },
	{ "not not proto tcp", r_notnot },
	{ "((((proto tcp))))", r_notnot },
};

#define NFLOWS 20000

static void check(struct query_filter *f, const struct flow *flows, size_t n,
		  bool (*ref)(const struct flow *), const char *text)
{
	uint32_t *sel = malloc(n * sizeof(*sel));
	size_t k, j = 0;

	assert_non_null(sel);
	k = query_filter_eval_flows(f, flows, n, sel);
	for (size_t i = 0; i < n; i++) {
		bool want = ref(&flows[i]);
		bool got = j < k && sel[j] == i;
		if (want != got) {
			char a[ADDR_STRLEN], b[ADDR_STRLEN];
			fail_msg("filter '%s' row %zu: reference %d, engine %d (src %s:%u dst %s:%u proto %u)",
				 text, i, want, got, addr_format(&flows[i].src, a), flows[i].sport,
				 addr_format(&flows[i].dst, b), flows[i].dport, flows[i].proto);
		}
		if (got)
			j++;
	}
	assert_int_equal(j, k);
	free(sel);
}

static struct flow *make_flows(size_t n)
{
	struct flow *flows = malloc(n * sizeof(*flows));
	assert_non_null(flows);
	for (size_t i = 0; i < n; i++)
		rnd_flow(&flows[i]);
	return flows;
}

static void test_table(void **state)
{
	struct flow *flows = make_flows(NFLOWS);
	char err[512];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct query_filter *f = NULL;
		int rc = query_filter_compile(cases[c].text, &f, err, sizeof(err));
		if (rc != 0)
			fail_msg("'%s' did not compile: %s", cases[c].text, err);
		check(f, flows, NFLOWS, cases[c].ref, cases[c].text);
		/* match() is the same evaluator, one row at a time */
		for (size_t i = 0; i < 200; i++)
			assert_int_equal(query_filter_match(f, &flows[i]), cases[c].ref(&flows[i]));
		query_filter_free(f);
	}
	free(flows);
}

/* ---- random filter trees: text plus a reference tree ---- */

enum { RN_LEAF, RN_AND, RN_OR, RN_NOT };
struct rnode {
	int kind, leaf;
	struct rnode *a, *b;
};

/* buf = a x b y c, failing the test if it does not fit. */
static void join(char *buf, size_t size, const char *a, const char *x, const char *b, const char *y,
		 const char *c)
{
	const char *parts[5] = { a, x, b, y, c };
	size_t len = 0;
	for (int i = 0; i < 5; i++) {
		size_t l = parts[i] ? strlen(parts[i]) : 0;
		if (!l)
			continue;
		assert_true(len + l < size);
		memcpy(buf + len, parts[i], l);
		len += l;
	}
	buf[len] = '\0';
}

static struct rnode *rtree(int depth, char *buf, size_t size)
{
	struct rnode *n = calloc(1, sizeof(*n));
	int k = depth <= 0 ? RN_LEAF : (int)(rnd() % 5);
	char x[4096], y[4096];

	assert_non_null(n);
	if (k >= 4 || k == RN_LEAF) {
		n->kind = RN_LEAF;
		n->leaf = (int)(rnd() % (sizeof(cases) / sizeof(cases[0])));
		snprintf(buf, size, "(%s)", cases[n->leaf].text[0] ? cases[n->leaf].text : "any");
		return n;
	}
	n->kind = k;
	/* An or is written bare (precedence must hold it together under an
	 * or), and parenthesised under and/not. */
	if (k == RN_NOT) {
		n->a = rtree(depth - 1, x, sizeof(x));
		if (n->a->kind == RN_OR || n->a->kind == RN_AND)
			join(buf, size, rnd() % 2 ? "not (" : "!(", x, ")", NULL, NULL);
		else
			join(buf, size, rnd() % 2 ? "not " : "!", x, NULL, NULL, NULL);
		return n;
	}
	n->a = rtree(depth - 1, x, sizeof(x));
	n->b = rtree(depth - 1, y, sizeof(y));
	if (k == RN_AND)
		join(buf, size, "(", x, rnd() % 2 ? ") and (" : ") && (", y, ")");
	else
		join(buf, size, "", x, rnd() % 2 ? " or " : " || ", y, "");
	return n;
}

static bool reval(const struct rnode *n, const struct flow *f)
{
	switch (n->kind) {
	case RN_LEAF: return cases[n->leaf].ref(f);
	case RN_AND: return reval(n->a, f) && reval(n->b, f);
	case RN_OR: return reval(n->a, f) || reval(n->b, f);
	default: return !reval(n->a, f);
	}
}

static void rfree(struct rnode *n)
{
	if (!n)
		return;
	rfree(n->a);
	rfree(n->b);
	free(n);
}

static const struct rnode *cur_tree;
static bool ref_tree(const struct flow *f) { return reval(cur_tree, f); }

static void test_random(void **state)
{
	struct flow *flows = make_flows(4000);
	char text[8192], err[512];

	(void)state;
	for (int t = 0; t < 1500; t++) {
		struct query_filter *f;
		struct rnode *tree = rtree(1 + (int)(rnd() % 4), text, sizeof(text));
		int rc = query_filter_compile(text, &f, err, sizeof(err));
		if (rc != 0)
			fail_msg("random '%s' did not compile: %s", text, err);
		cur_tree = tree;
		check(f, flows, 4000, ref_tree, text);
		query_filter_free(f);
		rfree(tree);
	}
	free(flows);
}

/* Bigger than one batch, and a time condition. */
static bool r_time(const struct flow *f)
{
	return f->proto == 6 && f->first_ms <= 1700000050000LL && f->last_ms >= 1700000040000LL;
}

static void test_batches_and_time(void **state)
{
	size_t n = QUERY_BATCH_ROWS * 2 + 777;
	struct flow *flows = make_flows(n);
	struct query_filter *f;

	(void)state;
	assert_int_equal(query_filter_compile("proto tcp", &f, NULL, 0), 0);
	assert_int_equal(query_filter_set_time(f, 1700000040000LL, 1700000050000LL), 0);
	check(f, flows, n, r_time, "proto tcp + time");
	query_filter_free(f);
	free(flows);
}

static void test_precedence_shape(void **state)
{
	/* "a or b and c" must mean a or (b and c): a flow with a true, c false matches. */
	struct flow fl;
	struct query_filter *f;

	(void)state;
	memset(&fl, 0, sizeof(fl));
	fl.proto = 6;
	fl.dport = 80;
	assert_int_equal(query_filter_compile("proto tcp or proto udp and dst port 53", &f, NULL, 0), 0);
	assert_true(query_filter_match(f, &fl));
	query_filter_free(f);
	assert_int_equal(query_filter_compile("not proto udp and dst port 53", &f, NULL, 0), 0);
	assert_false(query_filter_match(f, &fl));
	query_filter_free(f);
	assert_int_equal(query_filter_compile("not proto tcp or dst port 80", &f, NULL, 0), 0);
	assert_true(query_filter_match(f, &fl));
	query_filter_free(f);
}

static void expect_error(const char *text, const char *msg_prefix)
{
	struct query_filter *f = (void *)1;
	char err[512];
	int rc = query_filter_compile(text, &f, err, sizeof(err));

	if (rc == 0)
		fail_msg("'%s' compiled but should not", text);
	assert_int_equal(rc, VIGIL_ESYNTAX);
	assert_null(f);
	if (strncmp(err, msg_prefix, strlen(msg_prefix)) != 0)
		fail_msg("'%s': got error\n%s\nwanted prefix\n%s", text, err, msg_prefix);
}

static void test_errors(void **state)
{
	char err[512];
	struct query_filter *f;

	(void)state;
	expect_error("proto tcp and port x", "filter:1:20: expected a port number after 'port', got 'x'");
	expect_error("proto tcp and dst port x", "filter:1:24: expected a port number after 'port', got 'x'");
	expect_error("proto", "filter:1:6: expected a protocol name or number after 'proto', got end of filter");
	expect_error("proto foo", "filter:1:7: expected a protocol name or number after 'proto', got 'foo'");
	expect_error("host 10.1.2.300", "filter:1:6: expected an address after 'host', got '10.1.2.300'");
	expect_error("src ip", "filter:1:7: expected an address after 'ip', got end of filter");
	expect_error("src foo 1", "filter:1:5: expected ip, host, net, port, as or mask after 'src', got 'foo'");
	expect_error("(proto tcp", "filter:1:11: expected ')' to close");
	expect_error("proto tcp)", "filter:1:10: expected no ')' without a '(' before it");
	expect_error("proto tcp port 80", "filter:1:11: expected 'and', 'or' or the end of the filter, got 'port'");
	expect_error("proto tcp and", "filter:1:14: expected a filter term, got end of filter");
	expect_error("and proto tcp", "filter:1:1: expected a filter term (proto");
	expect_error("port 70000", "filter:1:6: number out of range");
	expect_error("packets > 5x", "filter:1:11: expected a number after 'packets', got '5x'");
	expect_error("flags SZ", "filter:1:7: expected TCP flags (letters FSRPAUEC) after 'flags', got 'SZ'");
	expect_error("port in [22 x]", "filter:1:13: expected a port number or ']' after 'in', got 'x'");
	expect_error("ip in [10.0.0.1", "filter:1:16: expected an address, a net or ']' after 'in', got end of filter");
	expect_error("ip in []", "filter:1:8: expected at least one address in the list after 'in', got ']'");
	expect_error("net 10.0.0.0/33", "filter:1:5: expected a net (A/len) after 'net', got '10.0.0.0/33'");
	expect_error("proto tcp & port 80", "filter:1:11: expected 'and', 'or' or the end of the filter, got '&'");
	expect_error("proto tcp and\n  port y", "filter:2:8: expected a port number after 'port', got 'y'");
	expect_error("bytes > 99999999999999999999", "filter:1:9: number too large");
	/* caret line */
	assert_int_equal(query_filter_compile("proto tcp and port x", &f, err, sizeof(err)), VIGIL_ESYNTAX);
	assert_string_equal(err, "filter:1:20: expected a port number after 'port', got 'x'\n"
				 "  proto tcp and port x\n"
				 "                     ^");
	/* nesting cap through and/or levels, not only parentheses */
	{
		size_t cap = 50 * 40 + 64, len = 0;
		char *deep = malloc(cap);
		assert_non_null(deep);
		for (int i = 0; i < 50; i++)
			len += (size_t)snprintf(deep + len, cap - len, "(proto tcp or proto udp and ");
		len += (size_t)snprintf(deep + len, cap - len, "port 80");
		for (int i = 0; i < 50; i++)
			deep[len++] = ')';
		deep[len] = '\0';
		assert_int_equal(query_filter_compile(deep, &f, err, sizeof(err)), VIGIL_ELIMIT);
		assert_non_null(strstr(err, "nests too deep"));
		free(deep);
	}
	/* nesting cap */
	{
		char deep[400];
		size_t i;
		for (i = 0; i < 150; i++)
			deep[i] = '(';
		memcpy(deep + i, "any", 4);
		assert_int_equal(query_filter_compile(deep, &f, err, sizeof(err)), VIGIL_ELIMIT);
		assert_non_null(strstr(err, "nests too deep"));
	}
}

static void test_hosts(void **state)
{
	struct query_filter *f;
	const struct vaddr *h;
	char b[ADDR_STRLEN];

	(void)state;
	assert_int_equal(query_filter_compile("host 10.1.2.3", &f, NULL, 0), 0);
	assert_int_equal(query_filter_hosts(f, &h), 1);
	assert_string_equal(addr_format(&h[0], b), "10.1.2.3");
	query_filter_free(f);
	assert_int_equal(query_filter_compile("proto tcp and src ip 10.1.2.3 and port 80", &f, NULL, 0), 0);
	assert_int_equal(query_filter_hosts(f, &h), 1);
	query_filter_free(f);
	assert_int_equal(query_filter_compile("ip in [1.2.3.4 5.6.7.8] and proto udp", &f, NULL, 0), 0);
	assert_int_equal(query_filter_hosts(f, &h), 2);
	assert_string_equal(addr_format(&h[1], b), "5.6.7.8");
	query_filter_free(f);
	assert_int_equal(query_filter_compile("host 1.2.3.4 or host 5.6.7.8", &f, NULL, 0), 0);
	assert_int_equal(query_filter_hosts(f, &h), 2);
	query_filter_free(f);
	/* no requirement: or with a non-host, not, nets, exporter */
	const char *none[] = { "host 1.2.3.4 or proto tcp", "not host 1.2.3.4", "net 10.0.0.0/8",
			       "exporter 1.2.3.4", "ip in [10.0.0.0/8 1.2.3.4]", "proto tcp" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(query_filter_compile(none[i], &f, NULL, 0), 0);
		assert_int_equal(query_filter_hosts(f, &h), 0);
		query_filter_free(f);
	}
	/* columns */
	assert_int_equal(query_filter_compile("proto tcp and dst port 445", &f, NULL, 0), 0);
	assert_int_equal(query_filter_columns(f), 1ULL << FLOW_COL_PROTO | 1ULL << FLOW_COL_DPORT);
	assert_false(query_filter_is_any(f));
	query_filter_free(f);
	assert_int_equal(query_filter_compile("  ", &f, NULL, 0), 0);
	assert_true(query_filter_is_any(f));
	assert_int_equal(query_filter_columns(f), 0);
	query_filter_free(f);
}

/* A big list uses the set, not a chain. */
static void test_big_list(void **state)
{
	size_t n = 5000, len = 0;
	char *text = malloc(n * 20 + 16);
	struct query_filter *f;
	struct flow fl;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, 16, "src ip in [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, 20, "10.%zu.%zu.1 ", i / 256, i % 256);
	snprintf(text + len, 4, "]");
	assert_int_equal(query_filter_compile(text, &f, NULL, 0), 0);
	memset(&fl, 0, sizeof(fl));
	addr_parse("10.19.135.1", &fl.src);
	assert_true(query_filter_match(f, &fl));
	addr_parse("10.19.135.2", &fl.src);
	assert_false(query_filter_match(f, &fl));
	const struct vaddr *h;
	assert_int_equal(query_filter_hosts(f, &h), n);
	query_filter_free(f);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_batches_and_time),
		cmocka_unit_test(test_precedence_shape),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_big_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
