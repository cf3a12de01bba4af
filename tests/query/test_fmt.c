/*
 * test_fmt.c - the hand-written formatters of the listings against the slow
 * reference ones: IPv4 and IPv6 addresses against addr_format (inet_ntop),
 * integers against snprintf, times against vtime_format, over random values
 * and the edge cases (zero runs, IPv4-compatible IPv6, 0, UINT64_MAX, dates
 * far from 1970).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query/fmt.h"
#include "util/vtime.h"

static uint64_t seed = 88172645463325252ULL;
static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void check_addr(const struct vaddr *a)
{
	char want[ADDR_STRLEN], got[ADDR_STRLEN + 8];
	addr_format(a, want);
	char *e = qp_addr(got, a);
	*e = '\0';
	if (strcmp(want, got))
		fail_msg("address: want %s, got %s", want, got);
}

static void test_addresses(void **state)
{
	struct qout o;
	(void)state;
	assert_int_equal(qout_init(&o, stdout), 0); /* fills the tables */
	for (int i = 0; i < 200000; i++) {
		struct vaddr a;
		uint64_t r = rnd();
		if (i % 3 == 0) {
			addr_from_v4(&a, (uint32_t)r);
		} else {
			for (int k = 0; k < 16; k++)
				a.b[k] = (uint8_t)(rnd() >> 17);
			/* zero groups often, in runs: compression and its ties */
			for (int g = 0; g < 8; g++)
				if (r >> g & 1 && r >> (g + 8) & 1) {
					a.b[2 * g] = 0;
					a.b[2 * g + 1] = r >> (g + 16) & 1 ? 0 : a.b[2 * g + 1];
				}
			if (i % 7 == 0)
				memset(a.b, 0, 12);       /* ::a.b.c.d */
			if (i % 11 == 0)
				memset(a.b + 4, 0, 12);   /* x:y:: */
		}
		check_addr(&a);
	}
	static const char *const fixed[] = { "::", "::1", "2001:db8::", "2001:db8::1", "1::",
		"::2:3:4:5:6:7:8", "1:0:0:2:0:0:0:3", "1:0:0:0:2:0:0:3", "fe80::1:2", "::ffff:0:1",
		"0:0:0:0:0:1:0:0", "::1.2.3.4", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct vaddr a;
		assert_int_equal(addr_parse(fixed[i], &a), 0);
		check_addr(&a);
	}
	qout_free(&o);
}

static void test_numbers_and_times(void **state)
{
	struct qout o;
	char got[64], want[64];
	(void)state;
	assert_int_equal(qout_init(&o, stdout), 0);
	uint64_t edge[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 65535, 4294967295ULL,
			    9999999999999999999ULL, 10000000000000000000ULL, UINT64_MAX };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 100000; i++) {
		uint64_t v = i < sizeof(edge) / sizeof(edge[0]) ? edge[i] : rnd() >> (rnd() % 64);
		*qp_u64(got, v) = '\0';
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		assert_string_equal(got, want);
	}
	for (int i = 0; i < 100000; i++) {
		int64_t ms = i < 3 ? (int64_t[]){ 0, -1, 253402300799999LL }[i]
				   : (int64_t)(rnd() % 4102444800000ULL) - 86400000LL * 3650;
		*qp_time(&o, got, ms, 'T', 1, i & 1) = '\0';
		vtime_format(ms, want);
		assert_string_equal(got, want);
	}
	qout_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_numbers_and_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
