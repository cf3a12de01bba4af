/*
 * test_ipfix.c - IPFIX (RFC 7011) on hand-built messages: enterprise and
 * variable-length fields skipped, reduced-size encodings, IPv6, every
 * time encoding (s, ms, NTP us/ns, sysUptime-relative with
 * systemInitTimeMilliseconds, delta microseconds), NAT fields, options
 * sampling (305/306), withdrawal of one template and of all, sequence
 * counting data records, bad message lengths, truncation at every length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "util/err.h"

#define SECS 1700000000u
#define NTP_OFF 2208988800ull

static void msg(struct pb *p, uint32_t seq, uint32_t domain)
{
	p->n = 0;
	pb_u16(p, 10);
	pb_u16(p, 0); /* length, patched by end_msg */
	pb_u32(p, SECS);
	pb_u32(p, seq);
	pb_u32(p, domain);
}

static void end_msg(struct pb *p) { pb_put16(p, 2, (uint16_t)p->n); }

static void field(struct pb *p, uint16_t id, uint16_t len) { pb_u16(p, id); pb_u16(p, len); }

/*
 * Template 300: src6, dst6, sport, dport, proto, enterprise field (PEN 9,
 * 4 bytes), a variable-length field, octets in 2 bytes (reduced size),
 * packets in 8, flowStartMilliseconds, flowEndNanoseconds (NTP).
 */
static void tmpl300(struct pb *p)
{
	size_t s = pb_set(p, 2);

	pb_u16(p, 300);
	pb_u16(p, 11);
	field(p, 27, 16);
	field(p, 28, 16);
	field(p, 7, 2);
	field(p, 11, 2);
	field(p, 4, 1);
	field(p, 0x8000 | 100, 4);
	pb_u32(p, 9);
	field(p, 82, 65535); /* interfaceName, variable length */
	field(p, 1, 2);
	field(p, 2, 8);
	field(p, 152, 8);
	field(p, 157, 8);
	pb_end_set(p, s);
}

static void rec300(struct pb *p, uint8_t last_byte, size_t namelen)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	pb_bytes(p, a, 16);
	a[15] = last_byte;
	pb_bytes(p, a, 16);
	pb_u16(p, 5353);
	pb_u16(p, 5353);
	pb_u8(p, 17);
	pb_u32(p, 0xdeadbeef);
	if (namelen < 255) {
		pb_u8(p, (uint8_t)namelen);
	} else {
		pb_u8(p, 255);
		pb_u16(p, (uint16_t)namelen);
	}
	for (size_t i = 0; i < namelen; i++)
		pb_u8(p, 'x');
	pb_u16(p, 1234);
	pb_u64(p, 5);
	pb_u64(p, (uint64_t)SECS * 1000 - 2500);
	pb_u64(p, ((uint64_t)SECS - 1 + NTP_OFF) << 32 | 0x80000000u); /* SECS-1 + 0.5 s */
}

static struct vaddr exporter(void)
{
	struct vaddr a;

	addr_parse("192.0.2.99", &a);
	return a;
}

static void test_fields_and_times(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	char buf[ADDR_STRLEN];
	size_t set;

	(void)state;
	s.n = 0;
	msg(&p, 0, 7);
	tmpl300(&p);
	set = pb_set(&p, 300);
	rec300(&p, 2, 3);
	rec300(&p, 3, 300); /* long form of the variable length */
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 2);
	assert_string_equal(addr_format(&s.f[0].src, buf), "2001:db8::1");
	assert_string_equal(addr_format(&s.f[0].dst, buf), "2001:db8::2");
	assert_string_equal(addr_format(&s.f[1].dst, buf), "2001:db8::3");
	assert_int_equal(s.f[1].sport, 5353);
	assert_int_equal(s.f[1].proto, 17);
	assert_int_equal(s.f[1].bytes, 1234);
	assert_int_equal(s.f[1].packets, 5);
	assert_int_equal(s.f[1].first_ms, (int64_t)SECS * 1000 - 2500);
	assert_int_equal(s.f[1].last_ms, (int64_t)SECS * 1000 - 500);
	assert_int_equal(s.f[1].domain, 7);
	assert_int_equal(s.f[1].version, 10);
	flow_decoder_free(d);
}

/* One record of a template with just these time fields (8-byte values). */
static int64_t time_of(uint16_t start_id, uint64_t start_v, uint16_t extra_id, uint64_t extra_v,
		       int first)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	int64_t r;
	size_t set;

	s.n = 0;
	msg(&p, 0, 1);
	set = pb_set(&p, 2);
	pb_u16(&p, 400);
	pb_u16(&p, extra_id ? 3 : 2);
	field(&p, 8, 4);
	field(&p, start_id, 8);
	if (extra_id)
		field(&p, extra_id, 8);
	pb_end_set(&p, set);
	set = pb_set(&p, 400);
	pb_u32(&p, 0x0a000001);
	pb_u64(&p, start_v);
	if (extra_id)
		pb_u64(&p, extra_v);
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 1);
	r = first ? s.f[0].first_ms : s.f[0].last_ms;
	flow_decoder_free(d);
	return r;
}

static void test_time_encodings(void **state)
{
	const int64_t t = (int64_t)SECS * 1000;

	(void)state;
	assert_int_equal(time_of(150, SECS - 3, 0, 0, 1), t - 3000);
	assert_int_equal(time_of(151, SECS - 2, 0, 0, 0), t - 2000);
	assert_int_equal(time_of(152, (uint64_t)t - 1234, 0, 0, 1), t - 1234);
	assert_int_equal(time_of(154, (SECS + NTP_OFF) << 32 | 0x40000000u, 0, 0, 1), t + 250);
	assert_int_equal(time_of(156, (SECS + NTP_OFF) << 32, 0, 0, 1), t);
	/* 22 relative to systemInitTimeMilliseconds in the same record */
	assert_int_equal(time_of(22, 5000, 160, (uint64_t)t - 60000, 1), t - 55000);
	/* 158: microseconds before the export time */
	assert_int_equal(time_of(158, 2000000, 0, 0, 1), t - 2000);
	/* no time at all: the export time */
	assert_int_equal(time_of(4, 6, 0, 0, 1), t);
}

static void test_withdraw(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	msg(&p, 0, 1);
	tmpl300(&p);
	set = pb_set(&p, 2);
	pb_u16(&p, 301);
	pb_u16(&p, 1);
	field(&p, 8, 4);
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 10).templates, 2);
	/* withdraw 300 */
	msg(&p, 0, 1);
	set = pb_set(&p, 2);
	pb_u16(&p, 300);
	pb_u16(&p, 0);
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 10).templates, 1);
	/* withdraw all: template id 2, count 0 */
	msg(&p, 0, 1);
	set = pb_set(&p, 2);
	pb_u16(&p, 2);
	pb_u16(&p, 0);
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 10).templates, 0);
	assert_int_equal(stats_of(d, 10).bad_packets, 0);
	flow_decoder_free(d);
}

static void test_options_sampling_nat_and_seq(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	char buf[ADDR_STRLEN];
	size_t set;

	(void)state;
	s.n = 0;
	msg(&p, 100, 1);
	/* options template 500: scope observationDomainId; 305, 306 */
	set = pb_set(&p, 3);
	pb_u16(&p, 500);
	pb_u16(&p, 3);
	pb_u16(&p, 1);
	field(&p, 149, 4);
	field(&p, 305, 4);
	field(&p, 306, 4);
	pb_end_set(&p, set);
	set = pb_set(&p, 500);
	pb_u32(&p, 1);
	pb_u32(&p, 1);
	pb_u32(&p, 99); /* 1 in 100 */
	pb_end_set(&p, set);
	/* NAT template 501 */
	set = pb_set(&p, 2);
	pb_u16(&p, 501);
	pb_u16(&p, 8);
	field(&p, 8, 4);
	field(&p, 12, 4);
	field(&p, 7, 2);
	field(&p, 225, 4);
	field(&p, 226, 4);
	field(&p, 227, 2);
	field(&p, 228, 2);
	field(&p, 230, 1);
	pb_end_set(&p, set);
	set = pb_set(&p, 501);
	for (int i = 0; i < 2; i++) {
		pb_u32(&p, 0x0a000001);
		pb_u32(&p, 0xc6336401);
		pb_u16(&p, 40000);
		pb_u32(&p, 0xcb007105);
		pb_u32(&p, 0xc6336401);
		pb_u16(&p, 1024);
		pb_u16(&p, 443);
		pb_u8(&p, 4);
	}
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 2);
	assert_int_equal(s.f[0].sampling, 100);
	assert_string_equal(addr_format(&s.f[0].xsrc, buf), "203.0.113.5");
	assert_string_equal(addr_format(&s.f[0].xdst, buf), "198.51.100.1");
	assert_int_equal(s.f[0].xsport, 1024);
	assert_int_equal(s.f[0].xdport, 443);
	assert_int_equal(s.f[0].nat_event, 4);
	/* 3 data records (1 options + 2 flows): next sequence is 103; 110 = 7 lost */
	msg(&p, 110, 1);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), 0);
	assert_int_equal(stats_of(d, 10).seq_gaps, 7);
	assert_int_equal(stats_of(d, 10).sampling, 100);
	flow_decoder_free(d);
}

static void test_bad_messages(void **state)
{
	static struct pb p;
	static struct sink s;
	struct flow_decoder *d = flow_decoder_new(NULL);
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	msg(&p, 0, 1);
	tmpl300(&p);
	end_msg(&p);
	pb_put16(&p, 2, (uint16_t)(p.n + 1)); /* longer than the datagram */
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_ESHORT);
	pb_put16(&p, 2, 12); /* shorter than a header */
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* options template with a scope count of 0 */
	msg(&p, 0, 1);
	set = pb_set(&p, 3);
	pb_u16(&p, 500);
	pb_u16(&p, 1);
	pb_u16(&p, 0);
	field(&p, 149, 4);
	pb_end_set(&p, set);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* set length 2 */
	msg(&p, 0, 1);
	pb_u16(&p, 300);
	pb_u16(&p, 2);
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	/* a variable-length field running past its set */
	msg(&p, 0, 1);
	tmpl300(&p);
	set = pb_set(&p, 300);
	rec300(&p, 2, 3);
	pb_end_set(&p, set);
	pb_put16(&p, set + 2, (uint16_t)(p.n - set - 30));
	p.n -= 30;
	end_msg(&p);
	assert_int_equal(flow_decode(d, &e, 1, p.b, p.n, sink_emit, &s), VIGIL_EFORMAT);
	assert_int_equal(stats_of(d, 10).bad_packets, 5);
	flow_decoder_free(d);
}

static void test_truncated_everywhere(void **state)
{
	static struct pb p;
	static struct sink s;
	struct vaddr e = exporter();
	size_t set;

	(void)state;
	msg(&p, 0, 1);
	tmpl300(&p);
	set = pb_set(&p, 300);
	rec300(&p, 2, 3);
	rec300(&p, 3, 3);
	pb_end_set(&p, set);
	end_msg(&p);
	for (size_t len = 0; len < p.n; len++) {
		struct flow_decoder *d = flow_decoder_new(NULL);

		s.n = 0;
		/* the message length says more than the datagram holds */
		assert_true(flow_decode(d, &e, 1, p.b, len, sink_emit, &s) < 0);
		assert_int_equal(s.n, 0);
		flow_decoder_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_times),
		cmocka_unit_test(test_time_encodings),
		cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_options_sampling_nat_and_seq),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_truncated_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
