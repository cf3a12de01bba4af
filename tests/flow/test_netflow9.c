/*
 * test_netflow9.c - NetFlow v9 on hand-built packets: template then data,
 * data before its template (held, then emitted), template refresh and
 * withdrawal, zero-length and oversized templates, options templates with
 * sampler ids and rates, ICMP type/code, IPv6, the template and held-data
 * caps, sequence gaps, and a packet truncated at every length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "util/err.h"

#define SECS 1700000000u
#define UPTIME 3600000u

static void hdr(struct pb *p, uint32_t seq, uint32_t source)
{
	p->n = 0;
	pb_u16(p, 9);
	pb_u16(p, 0);
	pb_u32(p, UPTIME);
	pb_u32(p, SECS);
	pb_u32(p, seq);
	pb_u32(p, source);
}

/* Template 256: src, dst, sport, dport, proto, bytes(4), pkts(4), first, last, sampler id */
static void tmpl256(struct pb *p)
{
	static const uint16_t f[][2] = {
		{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 1, 4 }, { 2, 4 },
		{ 22, 4 }, { 21, 4 }, { 48, 1 },
	};
	size_t s = pb_set(p, 0);

	pb_u16(p, 256);
	pb_u16(p, sizeof(f) / sizeof(f[0]));
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		pb_u16(p, f[i][0]);
		pb_u16(p, f[i][1]);
	}
	pb_end_set(p, s);
}

static void rec256(struct pb *p, uint32_t src, uint16_t sport, uint8_t sampler)
{
	pb_u32(p, src);
	pb_u32(p, 0xc0000201);
	pb_u16(p, sport);
	pb_u16(p, 53);
	pb_u8(p, 17);
	pb_u32(p, 300);
	pb_u32(p, 3);
	pb_u32(p, UPTIME - 5000);
	pb_u32(p, UPTIME - 1000);
	pb_u8(p, sampler);
}

static void data256(struct pb *p, int nrec, uint8_t sampler)
{
	size_t s = pb_set(p, 256);

	for (int i = 0; i < nrec; i++)
		rec256(p, 0x0a000001 + (uint32_t)i, (uint16_t)(1000 + i), sampler);
	pb_u8(p, 0); /* padding */
	pb_u8(p, 0);
	pb_end_set(p, s);
}

static struct vaddr exporter(void)
{
	struct vaddr a;

	addr_parse("2001:db8::7", &a);
	return a;
}

static void test_template_then_data(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	char buf[ADDR_STRLEN];

	(void)state;
	s.n = 0;
	hdr(&p, 0, 42);
	tmpl256(&p);
	data256(&p, 3, 0);
	assert_int_equal(flow_decode(d, &e, 5, p.b, p.n, sink_emit, &s), 3);
	assert_int_equal(s.n, 3);
	assert_string_equal(addr_format(&s.f[2].src, buf), "10.0.0.3");
	assert_string_equal(addr_format(&s.f[2].dst, buf), "192.0.2.1");
	assert_string_equal(addr_format(&s.f[2].exporter, buf), "2001:db8::7");
	assert_int_equal(s.f[2].sport, 1002);
	assert_int_equal(s.f[2].dport, 53);
	assert_int_equal(s.f[2].proto, 17);
	assert_int_equal(s.f[2].bytes, 300);
	assert_int_equal(s.f[2].packets, 3);
	assert_int_equal(s.f[2].first_ms, (int64_t)SECS * 1000 - 5000);
	assert_int_equal(s.f[2].last_ms, (int64_t)SECS * 1000 - 1000);
	assert_int_equal(s.f[2].domain, 42);
	assert_int_equal(s.f[2].version, 9);
	assert_int_equal(s.f[2].sampling, 1);
	/* more data in a later packet uses the stored template */
	hdr(&p, 1, 42);
	data256(&p, 2, 0);
	assert_int_equal(flow_decode(d, &e, 6, p.b, p.n, sink_emit, &s), 2);
	struct flow_exporter_stats st = stats_of(d, 9);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.templates, 1);
	assert_int_equal(st.seq_gaps, 0);
	assert_int_equal(st.bad_packets, 0);
	/* another source id is another exporter: no template there */
	hdr(&p, 0, 43);
	data256(&p, 1, 0);
	assert_int_equal(flow_decode(d, &e, 7, p.b, p.n, sink_emit, &s), 0);
	flow_decoder_free(d);
}

static void test_data_before_template(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	data256(&p, 2, 0);
	assert_int_equal(flow_decode(d, &e, 5, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(stats_of(d, 9).unknown_template, 1);
	/* the template arrives: the held records come out of this call */
	hdr(&p, 1, 1);
	tmpl256(&p);
	assert_int_equal(flow_decode(d, &e, 6, p.b, p.n, sink_emit, &s), 2);
	assert_int_equal(s.n, 2);
	/* times are from the packet that carried the data */
	assert_int_equal(s.f[0].first_ms, (int64_t)SECS * 1000 - 5000);
	/* and data after a template in the same packet also works */
	hdr(&p, 2, 1);
	data256(&p, 1, 0);
	tmpl256(&p);
	assert_int_equal(flow_decode(d, &e, 7, p.b, p.n, sink_emit, &s), 1);
	assert_int_equal(stats_of(d, 9).records, 3);
	flow_decoder_free(d);
}

static void test_pending_caps_and_expiry(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder_opts o = { .max_pending = 2 };
	struct flow_decoder *d = flow_decoder_new(&o);
	struct vaddr e = exporter();

	(void)state;
	s.n = 0;
	for (uint32_t i = 0; i < 3; i++) {
		hdr(&p, i, 1);
		data256(&p, 1, 0);
		flow_decode(d, &e, 1000, p.b, p.n, sink_emit, &s);
	}
	assert_int_equal(stats_of(d, 9).pending_dropped, 1);
	hdr(&p, 3, 1);
	tmpl256(&p);
	assert_int_equal(flow_decode(d, &e, 1000, p.b, p.n, sink_emit, &s), 2);
	/* held data older than ten minutes is dropped, not decoded */
	hdr(&p, 4, 2);
	data256(&p, 1, 0);
	flow_decode(d, &e, 1000, p.b, p.n, sink_emit, &s);
	hdr(&p, 5, 2);
	tmpl256(&p);
	assert_int_equal(flow_decode(d, &e, 1000 + 11 * 60 * 1000, p.b, p.n, sink_emit, &s), 0);
	flow_decoder_free(d);
}

static void test_refresh_and_withdraw(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	tmpl256(&p);
	flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s);
	/* refresh with another layout: bytes now in 8 bytes, only src + bytes */
	hdr(&p, 1, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 256);
	pb_u16(&p, 2);
	pb_u16(&p, 8);
	pb_u16(&p, 4);
	pb_u16(&p, 1);
	pb_u16(&p, 8);
	pb_end_set(&p, set);
	set = pb_set(&p, 256);
	pb_u32(&p, 0x0a000009);
	pb_u64(&p, 1ull << 40);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 2, p.b, p.n, sink_emit, &s), 1);
	assert_int_equal(s.f[0].bytes, 1ull << 40);
	assert_int_equal(stats_of(d, 9).templates, 1);
	/* withdraw (field count 0): data is held again */
	hdr(&p, 2, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 256);
	pb_u16(&p, 0);
	pb_end_set(&p, set);
	data256(&p, 1, 0);
	assert_int_equal(flow_decode(d, &e, 3, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 9).templates, 0);
	assert_int_equal(stats_of(d, 9).unknown_template, 1);
	flow_decoder_free(d);
}

static void test_bad_templates(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	/* every field zero-length: no record could ever end */
	hdr(&p, 0, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 300);
	pb_u16(&p, 2);
	pb_u16(&p, 8);
	pb_u16(&p, 0);
	pb_u16(&p, 12);
	pb_u16(&p, 0);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* template id below 256 */
	hdr(&p, 1, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 255);
	pb_u16(&p, 1);
	pb_u16(&p, 8);
	pb_u16(&p, 4);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* a field longer than the data set: the set holds no whole record */
	hdr(&p, 2, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 301);
	pb_u16(&p, 1);
	pb_u16(&p, 8);
	pb_u16(&p, 60000);
	pb_end_set(&p, set);
	set = pb_set(&p, 301);
	pb_u32(&p, 0x0a000001);
	pb_u32(&p, 0x0a000002);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* a flowset length past the packet end */
	hdr(&p, 3, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 256);
	pb_end_set(&p, set);
	pb_put16(&p, set + 2, 400);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_ESHORT);
	assert_int_equal(stats_of(d, 9).bad_packets, 4);
	flow_decoder_free(d);
}

static void test_zero_length_field_is_fine(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 256);
	pb_u16(&p, 3);
	pb_u16(&p, 8);
	pb_u16(&p, 4);
	pb_u16(&p, 95); /* application id, zero length */
	pb_u16(&p, 0);
	pb_u16(&p, 2);
	pb_u16(&p, 4);
	pb_end_set(&p, set);
	set = pb_set(&p, 256);
	pb_u32(&p, 0x0a000001);
	pb_u32(&p, 77);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 1);
	assert_int_equal(s.f[0].packets, 77);
	flow_decoder_free(d);
}

static void test_options_sampling(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	/* options template 257: scope system(4); sampler id(1), mode(1), interval(4) */
	set = pb_set(&p, 1);
	pb_u16(&p, 257);
	pb_u16(&p, 4);
	pb_u16(&p, 12);
	pb_u16(&p, 1);
	pb_u16(&p, 4);
	pb_u16(&p, 48);
	pb_u16(&p, 1);
	pb_u16(&p, 49);
	pb_u16(&p, 1);
	pb_u16(&p, 50);
	pb_u16(&p, 4);
	pb_u16(&p, 0); /* padding */
	pb_end_set(&p, set);
	/* options template 258: scope system(4); sampling interval 34 (exporter-wide) */
	set = pb_set(&p, 1);
	pb_u16(&p, 258);
	pb_u16(&p, 4);
	pb_u16(&p, 4);
	pb_u16(&p, 1);
	pb_u16(&p, 4);
	pb_u16(&p, 34);
	pb_u16(&p, 4);
	pb_end_set(&p, set);
	set = pb_set(&p, 257);
	pb_u32(&p, 0);
	pb_u8(&p, 5);
	pb_u8(&p, 2);
	pb_u32(&p, 1000);
	pb_u32(&p, 0);
	pb_u8(&p, 6);
	pb_u8(&p, 2);
	pb_u32(&p, 2000);
	pb_end_set(&p, set);
	set = pb_set(&p, 258);
	pb_u32(&p, 0);
	pb_u32(&p, 512);
	pb_end_set(&p, set);
	tmpl256(&p);
	set = pb_set(&p, 256);
	rec256(&p, 0x0a000001, 1, 5);
	rec256(&p, 0x0a000002, 2, 6);
	rec256(&p, 0x0a000003, 3, 9); /* unknown sampler: exporter-wide rate */
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 3);
	assert_int_equal(s.f[0].sampling, 1000);
	assert_int_equal(s.f[1].sampling, 2000);
	assert_int_equal(s.f[2].sampling, 512);
	assert_int_equal(flow_scaled_bytes(&s.f[1]), 600000);
	assert_int_equal(stats_of(d, 9).sampling, 512);
	/* options records are not flows */
	assert_int_equal(stats_of(d, 9).records, 3);
	flow_decoder_free(d);
}

static void test_icmp_ipv6_and_nat(void **state)
{
	static struct pb p;
	static struct sink s;
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	char buf[ADDR_STRLEN];
	size_t set;

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	set = pb_set(&p, 0);
	pb_u16(&p, 260);
	pb_u16(&p, 8);
	pb_u16(&p, 27); pb_u16(&p, 16);
	pb_u16(&p, 28); pb_u16(&p, 16);
	pb_u16(&p, 4); pb_u16(&p, 1);
	pb_u16(&p, 32); pb_u16(&p, 2);
	pb_u16(&p, 40001); pb_u16(&p, 4);   /* ASA xlate src */
	pb_u16(&p, 40003); pb_u16(&p, 2);   /* ASA xlate sport */
	pb_u16(&p, 230); pb_u16(&p, 1);     /* nat event */
	pb_u16(&p, 61); pb_u16(&p, 1);      /* direction */
	pb_end_set(&p, set);
	set = pb_set(&p, 260);
	pb_bytes(&p, a6, 16);
	pb_bytes(&p, a6, 16);
	pb_u8(&p, 58);
	pb_u16(&p, 128 << 8);
	pb_u32(&p, 0xcb007101);
	pb_u16(&p, 61000);
	pb_u8(&p, 1);
	pb_u8(&p, 1);
	pb_end_set(&p, set);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 1);
	assert_string_equal(addr_format(&s.f[0].src, buf), "2001:db8::1");
	assert_int_equal(s.f[0].sport, 0);
	assert_int_equal(s.f[0].dport, 128 << 8);
	assert_string_equal(addr_format(&s.f[0].xsrc, buf), "203.0.113.1");
	assert_int_equal(s.f[0].xsport, 61000);
	assert_int_equal(s.f[0].nat_event, 1);
	assert_int_equal(s.f[0].direction, 1);
	/* no times in the record: the export time */
	assert_int_equal(s.f[0].first_ms, (int64_t)SECS * 1000);
	flow_decoder_free(d);
}

static void test_template_cap_and_seq(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder_opts o = { .max_templates = 2 };
	struct flow_decoder *d = flow_decoder_new(&o);
	struct vaddr e = exporter();

	(void)state;
	for (uint16_t id = 256; id < 259; id++) {
		size_t set;

		hdr(&p, id == 258 ? 10 : id - 256u, 1);
		set = pb_set(&p, 0);
		pb_u16(&p, id);
		pb_u16(&p, 1);
		pb_u16(&p, 8);
		pb_u16(&p, 4);
		pb_end_set(&p, set);
		int rc = flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s);
		assert_int_equal(rc, id < 258 ? 0 : VIGIL_ELIMIT);
	}
	struct flow_exporter_stats st = stats_of(d, 9);
	assert_int_equal(st.templates, 2);
	assert_int_equal(st.bad_packets, 1);
	assert_int_equal(st.seq_gaps, 8); /* packets 2..9 missing */
	flow_decoder_free(d);
}

static void test_template_timeout(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder_opts o = { .template_timeout_ms = 1000 };
	struct flow_decoder *d = flow_decoder_new(&o);
	struct vaddr e = exporter();

	(void)state;
	s.n = 0;
	hdr(&p, 0, 1);
	tmpl256(&p);
	flow_decode(d, &e, 0, p.b, p.n, sink_emit, &s);
	hdr(&p, 1, 1);
	data256(&p, 1, 0);
	assert_int_equal(flow_decode(d, &e, 500, p.b, p.n, sink_emit, &s), 1);
	assert_int_equal(flow_decode(d, &e, 5000, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 9).templates, 0);
	flow_decoder_free(d);
}

static void test_truncated_everywhere(void **state)
{
	static struct pb p, q;
	static struct sink s;
	struct vaddr e = exporter();

	(void)state;
	size_t tmpl_end;

	hdr(&p, 0, 1);
	tmpl256(&p);
	tmpl_end = p.n;
	data256(&p, 2, 0);
	q = p;
	for (size_t len = 0; len < q.n; len++) {
		struct flow_decoder *d = flow_decoder_new(NULL);
		int rc;

		s.n = 0;
		rc = flow_decode(d, &e, 1, q.b, len, sink_emit, &s);
		/* a cut on a flowset boundary (or in what then looks like zero
		 * padding) leaves a good, shorter packet; any other cut is bad */
		size_t b = len >= tmpl_end ? tmpl_end : 20;
		int clean = len >= 20;

		for (size_t i = b; clean && i < len; i++)
			clean = q.b[i] == 0;
		if (clean) {
			assert_int_equal(rc, 0);
		} else {
			assert_true(rc < 0);
			if (len >= 2)
				assert_int_equal(stats_of(d, 9).bad_packets, 1);
		}
		assert_int_equal(s.n, 0); /* the data set is never whole */
		flow_decoder_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_then_data),
		cmocka_unit_test(test_data_before_template),
		cmocka_unit_test(test_pending_caps_and_expiry),
		cmocka_unit_test(test_refresh_and_withdraw),
		cmocka_unit_test(test_bad_templates),
		cmocka_unit_test(test_zero_length_field_is_fine),
		cmocka_unit_test(test_options_sampling),
		cmocka_unit_test(test_icmp_ipv6_and_nat),
		cmocka_unit_test(test_template_cap_and_seq),
		cmocka_unit_test(test_template_timeout),
		cmocka_unit_test(test_truncated_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
