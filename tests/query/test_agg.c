/*
 * test_agg.c - top-N statistics: for every key and order, the hash-table
 * aggregation's top N equals a reference computed here by linear search and
 * a full sort; the key cap drops and counts; -s KEY/ORDER parses; and the
 * whole run (filter + aggregation + writers) produces the expected json.
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

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rnd_flow(struct flow *f)
{
	static const uint8_t protos[] = { 1, 6, 17 };
	memset(f, 0, sizeof(*f));
	f->first_ms = 1700000000000LL + (int64_t)(rnd() % 100000);
	f->last_ms = f->first_ms + (int64_t)(rnd() % 20000);
	addr_from_v4(&f->src, 0x0a000000u + (uint32_t)(rnd() % 300));
	if (rnd() % 10 == 0) {
		uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		b[15] = (uint8_t)(rnd() % 5);
		addr_from_v6(&f->dst, b);
	} else {
		addr_from_v4(&f->dst, 0xc0000200u + (uint32_t)(rnd() % 50));
	}
	addr_from_v4(&f->exporter, 0x7f000001u + (uint32_t)(rnd() % 3));
	f->sport = (uint16_t)(rnd() % 2000);
	f->dport = (uint16_t)(rnd() % 40);
	f->proto = protos[rnd() % 3];
	f->packets = 1 + rnd() % 100;
	f->bytes = f->packets * (40 + rnd() % 1000);
	f->src_as = (uint32_t)(rnd() % 7);
	f->in_if = (uint32_t)(rnd() % 5);
	f->out_if = (uint32_t)(rnd() % 4);
	f->tos = (uint8_t)(rnd() % 3 * 8);
	addr_from_v4(&f->nexthop, 0xc0000201u + (uint32_t)(rnd() % 4));
	f->dst_as = (uint32_t)(rnd() % 70000);
	f->sampling = 1;
}

struct ref {
	struct vaddr key;
	uint64_t flows, packets, bytes;
	int64_t first, last;
};

static enum query_order g_order;

static uint64_t metric(const struct ref *r)
{
	return g_order == QUERY_ORDER_FLOWS ? r->flows : g_order == QUERY_ORDER_PACKETS ? r->packets : r->bytes;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	uint64_t mx = metric(x), my = metric(y);
	if (mx != my)
		return mx > my ? -1 : 1;
	return memcmp(x->key.b, y->key.b, 16);
}

static void key_of(const struct flow *f, enum query_key k, int side, struct vaddr *out)
{
	uint32_t v = 0;
	memset(out, 0, sizeof(*out));
	switch (k) {
	case QUERY_KEY_SRCIP: *out = f->src; return;
	case QUERY_KEY_DSTIP: *out = f->dst; return;
	case QUERY_KEY_IP: *out = side ? f->dst : f->src; return;
	case QUERY_KEY_EXPORTER: *out = f->exporter; return;
	case QUERY_KEY_SRCPORT: v = f->sport; break;
	case QUERY_KEY_DSTPORT: v = f->dport; break;
	case QUERY_KEY_PORT: v = side ? f->dport : f->sport; break;
	case QUERY_KEY_PROTO: v = f->proto; break;
	case QUERY_KEY_SRCAS: v = f->src_as; break;
	case QUERY_KEY_DSTAS: v = f->dst_as; break;
	case QUERY_KEY_AS: v = side ? f->dst_as : f->src_as; break;
	case QUERY_KEY_INIF: v = f->in_if; break;
	case QUERY_KEY_OUTIF: v = f->out_if; break;
	case QUERY_KEY_IF: v = side ? f->out_if : f->in_if; break;
	case QUERY_KEY_TOS: v = f->tos; break;
	case QUERY_KEY_NHIP: *out = f->nexthop; return;
	}
	out->b[12] = (uint8_t)(v >> 24);
	out->b[13] = (uint8_t)(v >> 16);
	out->b[14] = (uint8_t)(v >> 8);
	out->b[15] = (uint8_t)v;
}

#define NF 30000

static void test_top_vs_reference(void **state)
{
	struct flow *flows = malloc(NF * sizeof(*flows));
	struct ref *refs = malloc(2 * NF * sizeof(*refs));
	struct query_agg_entry top[25];
	struct query_filter *filt;
	uint32_t *sel = malloc(NF * sizeof(*sel));
	size_t nsel;

	(void)state;
	assert_non_null(flows);
	assert_non_null(refs);
	assert_non_null(sel);
	for (size_t i = 0; i < NF; i++)
		rnd_flow(&flows[i]);
	/* aggregate only what a filter selects, as the engine does */
	assert_int_equal(query_filter_compile("not proto icmp", &filt, NULL, 0), 0);
	nsel = query_filter_eval_flows(filt, flows, NF, sel);
	assert_true(nsel > NF / 2 && nsel < NF);
	for (int k = QUERY_KEY_SRCIP; k <= QUERY_KEY_NHIP; k++) {
		for (int o = QUERY_ORDER_FLOWS; o <= QUERY_ORDER_BYTES; o++) {
			struct query_agg *a = query_agg_new((enum query_key)k, (enum query_order)o, 0);
			size_t nref = 0;
			int sides = k == QUERY_KEY_IP || k == QUERY_KEY_PORT || k == QUERY_KEY_AS ||
				    k == QUERY_KEY_IF ? 2 : 1;
			size_t tsize = query_transpose_size(query_agg_columns(a), QUERY_BATCH_ROWS);
			void *tb = malloc(tsize);

			assert_non_null(a);
			assert_non_null(tb);
			/* feed in batches, with the selection re-based per batch */
			for (size_t off = 0; off < NF; off += QUERY_BATCH_ROWS) {
				size_t m = NF - off < QUERY_BATCH_ROWS ? NF - off : QUERY_BATCH_ROWS;
				struct query_cols c;
				uint32_t *bsel = malloc(m * sizeof(*bsel));
				size_t nb = 0;
				assert_non_null(bsel);
				for (size_t j = 0; j < nsel; j++)
					if (sel[j] >= off && sel[j] < off + m)
						bsel[nb++] = (uint32_t)(sel[j] - off);
				query_transpose(flows + off, m, query_agg_columns(a), tb, &c);
				assert_int_equal(query_agg_add(a, &c, bsel, nb), 0);
				free(bsel);
			}
			/* reference: linear search, full sort */
			for (size_t j = 0; j < nsel; j++) {
				const struct flow *f = &flows[sel[j]];
				for (int s = 0; s < sides; s++) {
					struct vaddr key;
					size_t r;
					key_of(f, (enum query_key)k, s, &key);
					for (r = 0; r < nref; r++)
						if (addr_eq(&refs[r].key, &key))
							break;
					if (r == nref) {
						memset(&refs[r], 0, sizeof(refs[r]));
						refs[r].key = key;
						refs[r].first = INT64_MAX;
						refs[r].last = INT64_MIN;
						nref++;
					}
					refs[r].flows++;
					refs[r].packets += f->packets;
					refs[r].bytes += f->bytes;
					if (f->first_ms < refs[r].first)
						refs[r].first = f->first_ms;
					if (f->last_ms > refs[r].last)
						refs[r].last = f->last_ms;
				}
			}
			g_order = (enum query_order)o;
			qsort(refs, nref, sizeof(*refs), cmp_ref);
			assert_int_equal(query_agg_count(a), nref);
			size_t n = query_agg_top(a, 25, top);
			assert_int_equal(n, nref < 25 ? nref : 25);
			for (size_t i = 0; i < n; i++) {
				if (!addr_eq(&top[i].key, &refs[i].key))
					fail_msg("key %d order %d rank %zu differs", k, o, i);
				assert_int_equal(top[i].flows, refs[i].flows);
				assert_int_equal(top[i].packets, refs[i].packets);
				assert_int_equal(top[i].bytes, refs[i].bytes);
				assert_int_equal(top[i].first_ms, refs[i].first);
				assert_int_equal(top[i].last_ms, refs[i].last);
			}
			uint64_t tf, tp, tb2;
			query_agg_totals(a, &tf, &tp, &tb2);
			assert_int_equal(tf, nsel);
			free(tb);
			query_agg_free(a);
		}
	}
	query_filter_free(filt);
	free(sel);
	free(refs);
	free(flows);
}

static void test_cap(void **state)
{
	struct query_agg *a = query_agg_new(QUERY_KEY_SRCPORT, QUERY_ORDER_FLOWS, 3);
	struct flow fl[5];
	struct query_cols c;
	void *tb = malloc(query_transpose_size(query_agg_columns(a), 5));

	(void)state;
	memset(fl, 0, sizeof(fl));
	for (int i = 0; i < 5; i++)
		fl[i].sport = (uint16_t)(i % 4 + 1); /* ports 1 2 3 4 1 */
	query_transpose(fl, 5, query_agg_columns(a), tb, &c);
	assert_int_equal(query_agg_add(a, &c, NULL, 5), VIGIL_ELIMIT);
	assert_int_equal(query_agg_count(a), 3);
	assert_int_equal(query_agg_dropped(a), 1);
	struct query_agg_entry e[3];
	assert_int_equal(query_agg_top(a, 3, e), 3);
	assert_int_equal(query_agg_key_u32(&e[0]), 1);
	assert_int_equal(e[0].flows, 2);
	free(tb);
	query_agg_free(a);
}

static void test_stat_parse(void **state)
{
	enum query_key k;
	enum query_order o;

	(void)state;
	assert_int_equal(query_stat_parse("srcip", &k, &o), 0);
	assert_int_equal(k, QUERY_KEY_SRCIP);
	assert_int_equal(o, QUERY_ORDER_FLOWS);
	assert_int_equal(query_stat_parse("DstPort/bytes", &k, &o), 0);
	assert_int_equal(k, QUERY_KEY_DSTPORT);
	assert_int_equal(o, QUERY_ORDER_BYTES);
	assert_int_equal(query_stat_parse("ip/packets", &k, &o), 0);
	assert_int_equal(o, QUERY_ORDER_PACKETS);
	assert_int_equal(query_stat_parse("exporter", &k, &o), 0);
	assert_int_equal(k, QUERY_KEY_EXPORTER);
	assert_int_equal(query_stat_parse("srcipx", &k, &o), VIGIL_EINVAL);
	assert_int_equal(query_stat_parse("srcip/foo", &k, &o), VIGIL_EINVAL);
	assert_int_equal(query_stat_parse("", &k, &o), VIGIL_EINVAL);
	assert_string_equal(query_key_name(QUERY_KEY_DSTAS), "dstas");
}

/* The run layer end to end on memory: listing json and -s json. */
static char *run_to_string(const char *filter, const struct query_opts *o, const struct flow *f, size_t n)
{
	char *data = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&data, &size);
	struct query_run *qr;
	char err[256];

	assert_non_null(mem);
	assert_int_equal(query_run_new(filter, o, mem, &qr, err, sizeof(err)), 0);
	assert_true(query_run_flows(qr, f, n) >= 0);
	assert_int_equal(query_run_finish(qr), 0);
	query_run_free(qr);
	fclose(mem);
	return data;
}

static void test_run(void **state)
{
	struct flow f[3];
	struct query_opts o;
	char *s;

	(void)state;
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		f[i].first_ms = 1700000000123LL + i * 1000;
		f[i].last_ms = f[i].first_ms + 500;
		addr_parse(i == 2 ? "2001:db8::1" : "10.0.0.1", &f[i].src);
		addr_parse("192.0.2.7", &f[i].dst);
		addr_parse("127.0.0.1", &f[i].exporter);
		f[i].sport = 40000;
		f[i].dport = (uint16_t)(i ? 445 : 80);
		f[i].proto = i == 1 ? 6 : 132;
		f[i].packets = 3;
		f[i].bytes = 180;
		f[i].tcp_flags = 0x1b; /* ...AP.SF */
		f[i].sampling = 10;
	}
	memset(&o, 0, sizeof(o));
	o.format = QUERY_OUT_JSON;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	s = run_to_string("dst port 445", &o, f, 3);
	assert_string_equal(s,
		"{\"first\":\"2023-11-14T22:13:21.123Z\",\"last\":\"2023-11-14T22:13:21.623Z\",\"src\":\"10.0.0.1\","
		"\"dst\":\"192.0.2.7\",\"sport\":40000,\"dport\":445,\"proto\":\"tcp\",\"packets\":3,\"bytes\":180,"
		"\"flags\":\"...AP.SF\",\"exporter\":\"127.0.0.1\",\"sampling\":10}\n"
		"{\"first\":\"2023-11-14T22:13:22.123Z\",\"last\":\"2023-11-14T22:13:22.623Z\",\"src\":\"2001:db8::1\","
		"\"dst\":\"192.0.2.7\",\"sport\":40000,\"dport\":445,\"proto\":\"sctp\",\"packets\":3,\"bytes\":180,"
		"\"flags\":\"...AP.SF\",\"exporter\":\"127.0.0.1\",\"sampling\":10}\n");
	free(s);
	o.limit = 1;
	s = run_to_string("", &o, f, 3);
	assert_non_null(strstr(s, "\"dport\":80,"));
	assert_null(strchr(strchr(s, '\n') + 1, '{'));
	free(s);
	o.limit = 0;
	o.format = QUERY_OUT_CSV;
	s = run_to_string("proto tcp", &o, f, 3);
	assert_string_equal(s, "first,last,src,dst,sport,dport,proto,packets,bytes,flags,exporter,sampling\n"
			       "2023-11-14T22:13:21.123Z,2023-11-14T22:13:21.623Z,10.0.0.1,192.0.2.7,40000,445,tcp,3,180,...AP.SF,127.0.0.1,10\n");
	free(s);
	o.format = QUERY_OUT_JSON;
	o.nstats = 1;
	o.stat_key[0] = QUERY_KEY_SRCIP;
	o.stat_order[0] = QUERY_ORDER_FLOWS;
	s = run_to_string("", &o, f, 3);
	assert_string_equal(s,
		"{\"stat\":\"srcip\",\"order\":\"flows\",\"rank\":1,\"key\":\"10.0.0.1\",\"first\":\"2023-11-14T22:13:20.123Z\","
		"\"last\":\"2023-11-14T22:13:21.623Z\",\"proto\":\"any\",\"flows\":2,\"packets\":6,\"bytes\":360}\n"
		"{\"stat\":\"srcip\",\"order\":\"flows\",\"rank\":2,\"key\":\"2001:db8::1\",\"first\":\"2023-11-14T22:13:22.123Z\","
		"\"last\":\"2023-11-14T22:13:22.623Z\",\"proto\":\"sctp\",\"flows\":1,\"packets\":3,\"bytes\":180}\n");
	free(s);
	o.format = QUERY_OUT_TABLE;
	o.summary = true;
	s = run_to_string("", &o, f, 3);
	assert_non_null(strstr(s, "Top 10 Src IP Addr ordered by flows:"));
	assert_non_null(strstr(s, "Summary: total flows: 3, total bytes: 540, total packets: 9"));
	assert_non_null(strstr(s, "estimated real traffic: 90 packets, 5400 bytes"));
	free(s);
}

static size_t count_lines(const char *s, const char *prefix)
{
	size_t n = 0, l = strlen(prefix);
	for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, l);
	return n;
}

/* A node's partial answer writes its rows whatever the format says: -o null
 * counts rows and writes none, and a node whose run took that path sent
 * empty answers (an -a listing over --node printed "No matching flows"). */
static void test_partial_not_null(void **state)
{
	struct flow f[3];
	struct query_opts o;
	char *s;

	(void)state;
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		f[i].first_ms = 1700000000000LL + i;
		f[i].last_ms = f[i].first_ms + 10;
		addr_parse("10.0.0.1", &f[i].src);
		addr_parse("192.0.2.7", &f[i].dst);
		f[i].dport = (uint16_t)(443 + i);
		f[i].proto = 6;
		f[i].packets = 1;
		f[i].bytes = 40;
		f[i].sampling = 1;
	}
	for (int null = 0; null < 2; null++) {
		memset(&o, 0, sizeof(o));
		o.format = null ? QUERY_OUT_NULL : QUERY_OUT_PARTIAL;
		o.partial = true;
		o.from_ms = INT64_MIN;
		o.to_ms = INT64_MAX;
		/* a plain listing cut to n on the node */
		o.limit = 2;
		s = run_to_string("", &o, f, 3);
		assert_int_equal(count_lines(s, "R "), 2);
		assert_int_equal(count_lines(s, "T 3 3 "), 1);
		free(s);
		/* -A: the node sends every matching row, uncut and unsorted */
		o.aggregate = true;
		assert_int_equal(query_aggspec_parse("dstport,proto", &o.agg, NULL, 0), 0);
		o.sort = QUERY_SORT_FLOWS;
		o.limit = 1;
		s = run_to_string("proto tcp", &o, f, 3);
		assert_int_equal(count_lines(s, "R "), 3);
		free(s);
		/* -O without aggregation: the node's top n */
		o.aggregate = false;
		o.sort = QUERY_SORT_TSTART;
		o.limit = 2;
		s = run_to_string("", &o, f, 3);
		assert_int_equal(count_lines(s, "R "), 2);
		free(s);
	}
	/* and -o null itself still writes no row */
	memset(&o, 0, sizeof(o));
	o.format = QUERY_OUT_NULL;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	s = run_to_string("", &o, f, 3);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_vs_reference),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_partial_not_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
