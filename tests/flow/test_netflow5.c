/*
 * test_netflow5.c - NetFlow v5 decoding on hand-built packets: every field
 * of a record, times against sysUptime, the header's sampling interval,
 * sequence gaps, per-exporter configured sampling, bad versions, and a
 * packet truncated at every length (never a crash, always counted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "util/err.h"

#define SECS 1700000000u

static void v5_header(struct pb *p, uint16_t count, uint32_t seq, uint16_t samp)
{
	pb_u16(p, 5);
	pb_u16(p, count);
	pb_u32(p, 100000);      /* sysUptime ms */
	pb_u32(p, SECS);
	pb_u32(p, 500000000);   /* + 500 ms */
	pb_u32(p, seq);
	pb_u8(p, 1);            /* engine type */
	pb_u8(p, 2);            /* engine id */
	pb_u16(p, samp);
}

static void v5_record(struct pb *p, uint32_t src, uint16_t sport)
{
	pb_u32(p, src);
	pb_u32(p, 0xc0000201);  /* 192.0.2.1 */
	pb_u32(p, 0x0a000001);  /* nexthop 10.0.0.1 */
	pb_u16(p, 3);           /* input */
	pb_u16(p, 4);           /* output */
	pb_u32(p, 10);          /* packets */
	pb_u32(p, 1500);        /* bytes */
	pb_u32(p, 90000);       /* first: 10 s before export */
	pb_u32(p, 99000);       /* last: 1 s before */
	pb_u16(p, sport);
	pb_u16(p, 443);
	pb_u8(p, 0);
	pb_u8(p, 0x1b);         /* flags */
	pb_u8(p, 6);
	pb_u8(p, 0x20);         /* tos */
	pb_u16(p, 64500);
	pb_u16(p, 64501);
	pb_u8(p, 24);
	pb_u8(p, 16);
	pb_u16(p, 0);
}

static struct vaddr exporter(void)
{
	struct vaddr a;

	addr_parse("198.51.100.7", &a);
	return a;
}

static void test_good(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	char buf[ADDR_STRLEN];
	int n;

	(void)state;
	p.n = 0;
	s.n = 0;
	v5_header(&p, 2, 1000, 0);
	v5_record(&p, 0x0a010203, 40000);
	v5_record(&p, 0x0a010204, 40001);
	n = flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s);
	assert_int_equal(n, 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(addr_format(&s.f[0].src, buf), "10.1.2.3");
	assert_string_equal(addr_format(&s.f[0].dst, buf), "192.0.2.1");
	assert_string_equal(addr_format(&s.f[0].nexthop, buf), "10.0.0.1");
	assert_string_equal(addr_format(&s.f[0].exporter, buf), "198.51.100.7");
	assert_int_equal(s.f[0].first_ms, (int64_t)SECS * 1000 + 500 - 10000);
	assert_int_equal(s.f[0].last_ms, (int64_t)SECS * 1000 + 500 - 1000);
	assert_int_equal(s.f[0].packets, 10);
	assert_int_equal(s.f[0].bytes, 1500);
	assert_int_equal(s.f[0].sport, 40000);
	assert_int_equal(s.f[1].sport, 40001);
	assert_int_equal(s.f[0].dport, 443);
	assert_int_equal(s.f[0].proto, 6);
	assert_int_equal(s.f[0].tcp_flags, 0x1b);
	assert_int_equal(s.f[0].tos, 0x20);
	assert_int_equal(s.f[0].in_if, 3);
	assert_int_equal(s.f[0].out_if, 4);
	assert_int_equal(s.f[0].src_as, 64500);
	assert_int_equal(s.f[0].dst_as, 64501);
	assert_int_equal(s.f[0].src_mask, 24);
	assert_int_equal(s.f[0].dst_mask, 16);
	assert_int_equal(s.f[0].sampling, 1);
	assert_int_equal(s.f[0].version, 5);
	assert_int_equal(s.f[0].domain, 1 << 8 | 2);
	struct flow_exporter_stats st = stats_of(d, 5);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.bad_packets, 0);
	flow_decoder_free(d);
}

static void test_sampling_and_sequence(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();

	(void)state;
	/* mode 1 (deterministic) in the top 2 bits, interval 100 */
	p.n = 0;
	s.n = 0;
	v5_header(&p, 1, 0, 0x4000 | 100);
	v5_record(&p, 0x0a000001, 1);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 1);
	assert_int_equal(s.f[0].sampling, 100);
	assert_int_equal(flow_scaled_packets(&s.f[0]), 1000);
	assert_int_equal(flow_scaled_bytes(&s.f[0]), 150000);
	/* next packet should carry sequence 1; 5 means 4 flows were lost */
	p.n = 0;
	v5_header(&p, 1, 5, 0x4000 | 100);
	v5_record(&p, 0x0a000001, 2);
	assert_int_equal(flow_decode(d, &e, 2, p.b, p.n, sink_emit, &s), 1);
	struct flow_exporter_stats st = stats_of(d, 5);
	assert_int_equal(st.seq_gaps, 4);
	assert_int_equal(st.sampling, 100);
	/* configured rate overrides what the exporter says; 0 clears it */
	flow_decoder_set_sampling(d, &e, 7);
	p.n = 0;
	v5_header(&p, 1, 6, 0x4000 | 100);
	v5_record(&p, 0x0a000001, 3);
	flow_decode(d, &e, 3, p.b, p.n, sink_emit, &s);
	assert_int_equal(s.f[2].sampling, 7);
	flow_decoder_set_sampling(d, &e, 0);
	flow_decode(d, &e, 3, p.b, p.n, sink_emit, &s);
	assert_int_equal(s.f[3].sampling, 100);
	flow_decoder_free(d);
}

static void test_default_sampling_option(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder_opts o = { .default_sampling = 64 };
	struct flow_decoder *d = flow_decoder_new(&o);
	struct vaddr e = exporter();

	(void)state;
	p.n = 0;
	s.n = 0;
	v5_header(&p, 1, 0, 0);
	v5_record(&p, 0x0a000001, 1);
	flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s);
	assert_int_equal(s.f[0].sampling, 64);
	flow_decoder_free(d);
}

static void test_bad_version_and_count(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();

	(void)state;
	p.n = 0;
	s.n = 0;
	v5_header(&p, 1, 0, 0);
	v5_record(&p, 0x0a000001, 1);
	p.b[1] = 7; /* version 7 */
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EUNSUPPORTED);
	p.b[1] = 5;
	pb_put16(&p, 2, 0); /* count 0 */
	assert_true(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s) < 0);
	pb_put16(&p, 2, 31); /* more than v5 allows */
	assert_true(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s) < 0);
	assert_int_equal(stats_of(d, 5).bad_packets, 2);
	assert_int_equal(flow_decode(d, &e, 1, p.b, 1, sink_emit, &s), VIGIL_ESHORT);
	flow_decoder_free(d);
}

static void test_truncated_everywhere(void **state)
{
	static struct pb p;
	static struct sink s;
	struct vaddr e = exporter();

	(void)state;
	p.n = 0;
	v5_header(&p, 3, 0, 0);
	for (int i = 0; i < 3; i++)
		v5_record(&p, 0x0a000001 + (uint32_t)i, 1);
	for (size_t len = 0; len < p.n; len++) {
		struct flow_decoder *d = flow_decoder_new(NULL);
		int rc;

		s.n = 0;
		rc = flow_decode(d, &e, 1, p.b, len, sink_emit, &s);
		assert_true(rc < 0);
		/* the whole records before the cut are still emitted */
		assert_int_equal(s.n, len < 24 ? 0 : (len - 24) / 48);
		if (len >= 2)
			assert_int_equal(stats_of(d, 5).bad_packets, 1);
		flow_decoder_free(d);
	}
}

static void test_exporter_cap(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder_opts o = { .max_exporters = 2 };
	struct flow_decoder *d = flow_decoder_new(&o);

	(void)state;
	p.n = 0;
	v5_header(&p, 1, 0, 0);
	v5_record(&p, 0x0a000001, 1);
	for (uint32_t i = 0; i < 3; i++) {
		struct vaddr e;

		addr_from_v4(&e, 0xc6336400 + i);
		s.n = 0;
		int rc = flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s);
		assert_int_equal(rc, i < 2 ? 1 : VIGIL_ELIMIT);
	}
	flow_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sampling_and_sequence),
		cmocka_unit_test(test_default_sampling_option),
		cmocka_unit_test(test_bad_version_and_count),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_exporter_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
