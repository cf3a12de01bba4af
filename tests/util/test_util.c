/* test_util.c - addresses, prefixes, times, bounded buffers, LPM and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/event.h"
#include "util/lpm.h"
#include "util/vtime.h"

static void test_addr(void **state)
{
	struct vaddr a;
	struct vprefix p;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", &a), 0);
	assert_true(addr_is_v4(&a));
	assert_int_equal(addr_v4(&a), 0xc0000201);
	assert_string_equal(addr_format(&a, buf), "192.0.2.1");
	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	assert_false(addr_is_v4(&a));
	assert_string_equal(addr_format(&a, buf), "2001:db8::1");
	assert_int_equal(addr_parse("300.1.1.1", &a), VIGIL_EINVAL);
	assert_int_equal(addr_parse("", &a), VIGIL_EINVAL);
	assert_int_equal(prefix_parse("163.1.2.3/16", &p), 0);
	assert_string_equal(prefix_format(&p, buf), "163.1.0.0/16");
	addr_parse("163.1.255.7", &a);
	assert_true(prefix_contains(&p, &a));
	addr_parse("163.2.0.1", &a);
	assert_false(prefix_contains(&p, &a));
	assert_int_equal(prefix_parse("10.0.0.0/33", &p), VIGIL_EINVAL);
	assert_int_equal(prefix_parse("2001:db8::/129", &p), VIGIL_EINVAL);
	assert_int_equal(prefix_parse("2001:db8::/32", &p), 0);
	assert_string_equal(prefix_format(&p, buf), "2001:db8::/32");
}

static void test_time(void **state)
{
	int64_t ms, from, to;
	char buf[VTIME_STRLEN];

	(void)state;
	assert_int_equal(vtime_parse("2009-04-01T12:00:00Z", &ms), 0);
	assert_int_equal(ms, 1238587200000LL);
	assert_string_equal(vtime_format(ms, buf), "2009-04-01T12:00:00.000Z");
	assert_int_equal(vtime_parse("2009-04-01T13:00:00.250+01:00", &ms), 0);
	assert_int_equal(ms, 1238587200250LL);
	assert_int_equal(vtime_parse("2009/04/01.12:00:00", &ms), 0);
	assert_int_equal(ms, 1238587200000LL);
	assert_int_equal(vtime_parse("@1238587200", &ms), 0);
	assert_int_equal(ms, 1238587200000LL);
	assert_int_equal(vtime_parse("yesterday", &ms), VIGIL_EINVAL);
	assert_int_equal(vtime_parse_range("2009-04-01T12:00:00Z-2009-04-01T13:00:00Z", &from, &to), 0);
	assert_int_equal(to - from, 3600000);
	assert_int_equal(vtime_parse_duration("30m", &ms), 0);
	assert_int_equal(ms, 1800000);
	assert_int_equal(vtime_parse_duration("200ms", &ms), 0);
	assert_int_equal(ms, 200);
	/* values whose ms do not fit an int64 are refused, not cast */
	assert_int_equal(vtime_parse_duration("1e30d", &ms), VIGIL_EINVAL);
	assert_int_equal(vtime_parse_duration("nan", &ms), VIGIL_EINVAL);
	assert_int_equal(vtime_parse("@1e300", &ms), VIGIL_EINVAL);
	assert_int_equal(vtime_parse_duration("5x", &ms), VIGIL_EINVAL);
	assert_int_equal(vtime_format(-1, buf)[0], '1'); /* 1969-12-31T23:59:59.999Z */
}

static void test_buf_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_addstr(&b, "12345678"), 0);
	assert_int_equal(buf_addc(&b, '9'), VIGIL_ELIMIT);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	buf_reset(&b);
	assert_int_equal(buf_add_json_str(&b, "a\"b"), 0);
	assert_string_equal(b.data, "\"a\\\"b\"");
	buf_free(&b);
}

static uint32_t look(const struct lpm *t, const char *s)
{
	struct vaddr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return lpm_lookup(t, &a);
}

static void add(struct lpm *t, const char *s, uint32_t v)
{
	struct vprefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	assert_int_equal(lpm_add(t, &p, v), 0);
}

static void test_lpm(void **state)
{
	struct lpm *t = lpm_new();

	(void)state;
	add(t, "10.0.0.0/8", 1);
	add(t, "10.1.0.0/16", 2);
	add(t, "10.1.2.0/24", 3);
	add(t, "10.1.2.128/25", 4);
	add(t, "0.0.0.0/0", 5);
	add(t, "2001:db8::/32", 6);
	add(t, "2001:db8:1::/48", 7);
	add(t, "255.255.255.255/32", 8);
	assert_int_equal(lpm_build(t), 0);
	assert_int_equal(look(t, "10.1.2.200"), 4);
	assert_int_equal(look(t, "10.1.2.127"), 3);
	assert_int_equal(look(t, "10.1.3.0"), 2);
	assert_int_equal(look(t, "10.2.0.0"), 1);
	assert_int_equal(look(t, "11.0.0.0"), 5);
	assert_int_equal(look(t, "9.255.255.255"), 5);
	assert_int_equal(look(t, "255.255.255.255"), 8);
	assert_int_equal(look(t, "255.255.255.254"), 5);
	assert_int_equal(look(t, "2001:db8:1::5"), 7);
	assert_int_equal(look(t, "2001:db8:2::5"), 6);
	assert_int_equal(look(t, "2001:db9::"), LPM_NONE);
	lpm_free(t);
}

/* Random prefixes checked against a brute-force scan. */
static void test_lpm_random(void **state)
{
	enum { N = 3000, Q = 20000 };
	struct vprefix *ps = malloc(N * sizeof(*ps));
	struct lpm *t = lpm_new();
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245 + 12345;
		uint32_t v4 = seed ^ (seed << 7);
		unsigned len = 8 + (seed >> 16) % 25;
		addr_from_v4(&ps[i].addr, v4 & (len ? ~0u << (32 - len) : 0));
		ps[i].addr.b[0] = 0; /* keep mapped form */
		addr_from_v4(&ps[i].addr, (v4 & 0x0fffffff) & (~0u << (32 - len)));
		ps[i].len = (uint8_t)(96 + len);
		assert_int_equal(lpm_add(t, &ps[i], (uint32_t)i), 0);
	}
	assert_int_equal(lpm_build(t), 0);
	for (int q = 0; q < Q; q++) {
		struct vaddr a;
		seed = seed * 1103515245 + 12345;
		addr_from_v4(&a, (seed ^ (seed >> 3)) & 0x0fffffff);
		int best = -1;
		for (int i = 0; i < N; i++)
			if (prefix_contains(&ps[i], &a) && (best < 0 || ps[i].len > ps[best].len ||
				(ps[i].len == ps[best].len && i > best)))
				best = i;
		uint32_t got = lpm_lookup(t, &a);
		assert_int_equal(got, best < 0 ? LPM_NONE : (uint32_t)best);
	}
	lpm_free(t);
	free(ps);
}

/* lpm_fill_v4 against per-address lookups: each /24 block of a 10.0.0.0/16
 * range is 0 (no answer), v + 1 (one answer for the whole block) or LPM_NONE
 * (mixed: look up each address). */
static void test_lpm_fill_v4(void **state)
{
	enum { NBLK = 256 };
	struct lpm *t = lpm_new();
	uint32_t *tab = calloc(NBLK, sizeof(uint32_t));
	uint32_t base = 0x0a000000; /* 10.0.0.0 */

	(void)state;
	add(t, "10.0.0.0/20", 1);     /* blocks 0..15 whole */
	add(t, "10.0.5.128/25", 2);   /* block 5 mixed */
	add(t, "10.0.32.0/24", 3);    /* block 32 exactly */
	add(t, "10.0.64.7/32", 4);    /* block 64 mixed with nothing around */
	assert_int_equal(lpm_build(t), 0);
	assert_int_equal(lpm_fill_v4(t, base, 8, NBLK, tab, 1), 0);
	for (uint32_t k = 0; k < NBLK; k++) {
		uint32_t first = lpm_lookup_v4(t, base + (k << 8));
		int same = 1;

		for (uint32_t i = 1; i < 256; i++)
			same &= lpm_lookup_v4(t, base + (k << 8) + i) == first;
		if (same && first == LPM_NONE)
			assert_int_equal(tab[k], 0);
		else if (same)
			assert_int_equal(tab[k], first + 1);
		else
			assert_int_equal(tab[k], LPM_NONE);
	}
	assert_int_equal(tab[0], 2);        /* value 1 + 1 */
	assert_int_equal(tab[5], LPM_NONE); /* mixed */
	assert_int_equal(tab[32], 4);
	assert_int_equal(tab[64], LPM_NONE);
	assert_int_equal(tab[100], 0);
	assert_int_equal(lpm_fill_v4(t, base + 1, 8, NBLK, tab, 1), VIGIL_EINVAL); /* unaligned */
	free(tab);
	lpm_free(t);
}

static void test_event_roundtrip(void **state)
{
	struct event e, f;
	struct buf b;
	char err[128];

	(void)state;
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "scan");
	addr_parse("163.1.2.3", &e.host);
	e.port = 445;
	e.proto = 6;
	e.first_ms = 1238587200000LL;
	e.last_ms = e.first_ms + 1000;
	e.flows = 10;
	e.distinct = 9000;
	e.score = 12.5;
	e.estimate = true;
	e.sampling = 10;
	snprintf(e.why, sizeof(e.why), "9000 \"destinations\" on 445/tcp");
	buf_init(&b, 4096);
	assert_int_equal(event_to_json(&e, &b), 0);
	assert_int_equal(event_from_json(b.data, b.len, &f, err, sizeof(err)), 0);
	assert_string_equal(f.kind, "scan");
	assert_true(addr_eq(&f.host, &e.host));
	assert_int_equal(f.port, 445);
	assert_int_equal(f.proto, 6);
	assert_int_equal(f.distinct, 9000);
	assert_int_equal(f.last_ms, e.last_ms);
	assert_true(f.estimate);
	assert_string_equal(f.why, e.why);
	assert_int_equal(event_from_json("{\"kind\":\"scan\"}", 15, &f, err, sizeof(err)),
			 VIGIL_EFORMAT);
	assert_non_null(strstr(err, "host"));
	/* a count too large for 64 bits is a bad line, not a cast (found by fuzz_event) */
	{
		static const char big[] = "{\"kind\":\"scan\",\"host\":\"10.0.0.1\","
					  "\"first\":\"2024-01-01T00:00:00Z\",\"flows\":1.5e73}";
		assert_int_equal(event_from_json(big, sizeof(big) - 1, &f, err, sizeof(err)),
				 VIGIL_EFORMAT);
	}
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),     cmocka_unit_test(test_time),
		cmocka_unit_test(test_buf_cap),  cmocka_unit_test(test_lpm),
		cmocka_unit_test(test_lpm_random),
		cmocka_unit_test(test_lpm_fill_v4), cmocka_unit_test(test_event_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
