/*
 * test_block.c - the allow-list parser (labels, comments, bad lines named
 * with their line number, entries before a bad line kept), overlap in both
 * directions and across families, and the Cisco wildcard of every IPv4
 * prefix length (the inverted mask, checked against the mask computed
 * another way).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "block/block.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_allow_parse(void **state)
{
	static const char text[] = "# our resolvers\n"
				   "192.0.2.53   DNS resolver\n"
				   "\n"
				   "  2001:db8::53 # resolver six\n"
				   "198.51.100.0/24\r\n"
				   "10.0.0.1/8 loose host bits are cleared\n"
				   "not-an-address here\n"
				   "203.0.113.1\n";
	struct block_allow *a = block_allow_new();
	struct vprefix p;
	char err[256] = "", what[256];

	(void)state;
	assert_int_equal(block_allow_parse(a, text, strlen(text), "allow.txt", err, sizeof(err)),
			 VIGIL_EFORMAT);
	assert_string_equal(err, "allow.txt:7: 'not-an-address' is not an address or prefix");
	assert_int_equal(block_allow_count(a), 4); /* the lines before it are kept */
	assert_int_equal(prefix_parse("192.0.2.0/24", &p), 0);
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 1); /* covers an entry */
	assert_string_equal(what, "192.0.2.53/32 (DNS resolver, allow.txt:2)");
	assert_int_equal(prefix_parse("2001:db8::53", &p), 0);
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 1);
	assert_string_equal(what, "2001:db8::53/128 (resolver six, allow.txt:4)");
	assert_int_equal(prefix_parse("198.51.100.77", &p), 0); /* inside an entry */
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 1);
	assert_string_equal(what, "198.51.100.0/24 (allow.txt:5)");
	assert_int_equal(prefix_parse("10.200.1.1", &p), 0);
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 1);
	assert_int_equal(prefix_parse("192.0.2.54", &p), 0);
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 0);
	assert_int_equal(prefix_parse("203.0.113.1", &p), 0); /* after the bad line: not read */
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 0);
	/* an IPv4 entry never matches IPv6 space outside ::ffff:0:0/96 */
	assert_int_equal(prefix_parse("2001:db8:1::/48", &p), 0);
	assert_int_equal(block_allow_hit(a, &p, what, sizeof(what)), 0);
	assert_int_equal(block_allow_add(a, "300.1.1.1", NULL), VIGIL_EINVAL);
	block_allow_free(a);
}

static void test_allow_long_line(void **state)
{
	struct block_allow *a = block_allow_new();
	char *text = malloc(4000), err[256] = "";

	(void)state;
	memset(text, 'x', 3999);
	text[3999] = '\n';
	assert_int_equal(block_allow_parse(a, text, 4000, "f", err, sizeof(err)), VIGIL_EFORMAT);
	assert_string_equal(err, "f:1: line longer than 1024 bytes");
	free(text);
	block_allow_free(a);
}

static void test_cisco_wildcards(void **state)
{
	const struct block_renderer *r = block_renderer_find("cisco");
	struct block_render_conf c;
	char err[128];

	(void)state;
	assert_non_null(r);
	assert_null(block_renderer_find("mikrotik"));
	assert_int_equal(block_render_conf_read(NULL, &c, err, sizeof(err)), 0);
	for (unsigned len = 1; len <= 32; len++) {
		struct block_item it = { .id = 7 };
		char pfx[32], *out = NULL, want[128];
		size_t n = 0;
		FILE *f = open_memstream(&out, &n);
		uint32_t mask = (uint32_t)(((uint64_t)0xffffffffu << (32 - len)) & 0xffffffffu), w = ~mask;

		snprintf(pfx, sizeof(pfx), "10.128.0.0/%u", len);
		assert_int_equal(prefix_parse(pfx, &it.p), 0);
		assert_int_equal(r->change(&c, true, &it, f), 0);
		fclose(f);
		uint32_t net = 0x0a800000u & mask;
		if (len == 32)
			snprintf(want, sizeof(want), "ip access-list extended VIGIL-BLOCK\n 7 deny ip host 10.128.0.0 any\nend\n");
		else
			snprintf(want, sizeof(want),
				 "ip access-list extended VIGIL-BLOCK\n 7 deny ip %u.%u.%u.%u %u.%u.%u.%u any\nend\n",
				 net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, w >> 24,
				 (w >> 16) & 255, (w >> 8) & 255, w & 255);
		assert_string_equal(out, want);
		free(out);
	}
}

static void test_conf_errors(void **state)
{
	struct block_render_conf c;
	char err[256];

	(void)state;
	assert_int_equal(block_render_conf_read(NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.community, "65535:666");
	assert_string_equal(c.nexthop4, "192.0.2.1");
	assert_string_equal(c.nexthop6, "100::1");
	assert_string_equal(block_renderer_names(), "cisco, juniper, exabgp, flowspec");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_parse),
		cmocka_unit_test(test_allow_long_line),
		cmocka_unit_test(test_cisco_wildcards),
		cmocka_unit_test(test_conf_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
