/* test_intel.c - the list readers (each format, detection, bad lines with
 * their line numbers), the prefix set (most specific wins, C&C over block
 * list, IPv6, a million entries), the reload handle, and the real feeds in
 * ../shared/data/blocklists when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intel/intel.h"
#include "util/err.h"

struct errs {
	unsigned lines[16];
	char msg[16][160];
	size_t n;
};

static void on_err(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct errs *e = ctx;

	(void)file;
	if (e->n < 16) {
		e->lines[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
		e->n++;
	}
}

static const struct intel_entry *look(const struct intel_set *s, const char *ip)
{
	struct vaddr a;

	assert_int_equal(addr_parse(ip, &a), 0);
	return intel_lookup(s, &a);
}

static long load(struct intel_set *s, const char *feed, enum intel_format f, const char *text,
		 struct errs *e, struct intel_load_stats *st)
{
	return intel_load_mem(s, "mem", feed, f, -1, 0, text, strlen(text), on_err, e, st);
}

static void test_plain(void **state)
{
	struct intel_set *s = intel_set_new();
	struct errs e = { .n = 0 };
	struct intel_load_stats st;
	const struct intel_entry *x;

	(void)state;
	assert_int_equal(load(s, "et", INTEL_FMT_AUTO,
			      "# comment\n\n192.0.2.0/24\n192.0.2.7 ; one host\nnot-an-ip\n"
			      "2001:db8::/32\r\n198.51.100.300\n", &e, &st), 3);
	assert_int_equal(st.format, INTEL_FMT_PLAIN);
	assert_int_equal(st.bad, 2);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.lines[0], 5);
	assert_int_equal(e.lines[1], 7);
	assert_non_null(strstr(e.msg[0], "not-an-ip"));
	assert_int_equal(intel_build(s), 0);
	x = look(s, "192.0.2.7");
	assert_non_null(x);
	assert_int_equal(x->line, 4); /* the /32 beats the /24 */
	assert_string_equal(x->feed, "et");
	assert_int_equal(x->kind, INTEL_BLOCKLIST);
	x = look(s, "192.0.2.200");
	assert_non_null(x);
	assert_int_equal(x->line, 3);
	assert_non_null(look(s, "2001:db8:1::5"));
	assert_null(look(s, "2001:db9::1"));
	assert_null(look(s, "198.51.100.1"));
	intel_set_free(s);
}

static void test_dshield_range(void **state)
{
	struct intel_set *s = intel_set_new();
	struct errs e = { .n = 0 };

	(void)state;
	assert_int_equal(load(s, "dshield", INTEL_FMT_AUTO,
			      "#   DShield\nStart\tEnd\tNetblock\tAttacks\tName\n"
			      "203.0.113.0\t203.0.113.255\t24\t788\tJapan\tJP\tx@example.net\n"
			      "203.0.113.9\t203.0.113.1\t24\n", &e, NULL), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 4); /* start after end */
	assert_int_equal(intel_build(s), 0);
	assert_non_null(look(s, "203.0.113.128"));
	assert_null(look(s, "203.0.114.0"));
	intel_set_free(s);
}

static void test_feodo(void **state)
{
	struct intel_set *s = intel_set_new();
	struct errs e = { .n = 0 };
	struct intel_load_stats st;
	const struct intel_entry *x;

	(void)state;
	assert_int_equal(load(s, "feodo", INTEL_FMT_AUTO,
			      "####\n# Feodo\n"
			      "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
			      "\"2024-01-01 00:00:00\",\"192.0.2.66\",\"8080\",\"online\",\"2024-03-01\",\"Testbot\"\n"
			      "\"2024-01-01 00:00:00\",\"192.0.2.67\",\"99999\",\"online\",\"2024-03-01\",\"X\"\n"
			      "\"2024-01-01 00:00:00\",\"192.0.2.68\n"
			      "# END\n", &e, &st), 1);
	assert_int_equal(st.format, INTEL_FMT_FEODO);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.lines[0], 5); /* bad port */
	assert_int_equal(e.lines[1], 6); /* unterminated quote */
	assert_int_equal(intel_build(s), 0);
	x = look(s, "192.0.2.66");
	assert_non_null(x);
	assert_int_equal(x->kind, INTEL_CC);
	assert_int_equal(x->port, 8080);
	assert_string_equal(x->family, "Testbot");
	intel_set_free(s);
}

static void test_spamhaus(void **state)
{
	struct intel_set *s = intel_set_new();
	struct errs e = { .n = 0 };
	struct intel_load_stats st;
	const struct intel_entry *x;

	(void)state;
	assert_int_equal(load(s, "drop", INTEL_FMT_AUTO,
			      "; Spamhaus DROP List\n198.51.100.0/24 ; SBL123\n2001:db8::/32 ; SBL9\n"
			      "AS260 ; AE | X\n", &e, &st), 2);
	assert_int_equal(st.format, INTEL_FMT_SPAMHAUS);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 4);
	assert_int_equal(load(s, "dropjson", INTEL_FMT_AUTO,
			      "{\"cidr\":\"203.0.113.0/25\",\"sblid\":\"SBL7\",\"rir\":\"ripencc\"}\n"
			      "{\"cidr\":42}\n{broken\n"
			      "{\"type\":\"metadata\",\"timestamp\":1,\"records\":1}\n", &e, &st), 1);
	assert_int_equal(st.format, INTEL_FMT_SPAMHAUS_JSON);
	assert_int_equal(st.bad, 2);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(intel_build(s), 0);
	x = look(s, "198.51.100.9");
	assert_non_null(x);
	assert_string_equal(x->ref, "SBL123");
	x = look(s, "203.0.113.1");
	assert_non_null(x);
	assert_string_equal(x->ref, "SBL7");
	assert_string_equal(x->feed, "dropjson");
	intel_set_free(s);
}

static void test_csv(void **state)
{
	struct intel_set *s = intel_set_new();
	struct errs e = { .n = 0 };
	struct intel_load_stats st;

	(void)state;
	assert_int_equal(load(s, "csv", INTEL_FMT_AUTO,
			      "time,source,ip_address,port\n1,x,192.0.2.1,22\n2,y,\"192.0.2.2\",\n"
			      "3,z,nope,1\n", &e, &st), 2);
	assert_int_equal(st.format, INTEL_FMT_CSV);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 4);
	/* a given column, no header */
	assert_int_equal(intel_load_mem(s, "mem", "c2", INTEL_FMT_CSV, INTEL_CC, 2,
					"a,198.51.100.5\nb,198.51.100.6\n", 29, on_err, &e, NULL), 2);
	assert_int_equal(intel_build(s), 0);
	assert_int_equal(look(s, "192.0.2.1")->port, 22);
	assert_int_equal(look(s, "198.51.100.5")->kind, INTEL_CC);
	intel_set_free(s);
}

static void test_cc_wins_and_spec(void **state)
{
	char path[] = "/tmp/vigil-intel-XXXXXX";
	int fd = mkstemp(path);
	char spec[128];
	struct intel_set *s = intel_set_new();
	struct intel_load_stats st;
	const struct intel_entry *x;
	struct vprefix p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "192.0.2.66\n", 11), 11);
	close(fd);
	snprintf(spec, sizeof(spec), "name=mybots:kind=cc:plain:%s", path);
	assert_int_equal(intel_load(s, spec, NULL, NULL, &st), 1);
	assert_string_equal(st.feed, "mybots");
	prefix_parse("192.0.2.66", &p);
	assert_int_equal(intel_add(s, "late-block", INTEL_BLOCKLIST, &p, -1, NULL), 0);
	assert_int_equal(intel_build(s), 0);
	x = look(s, "192.0.2.66");
	assert_int_equal(x->kind, INTEL_CC); /* same range: the C&C entry wins */
	assert_string_equal(x->feed, "mybots");
	assert_true(intel_load(s, "/nonexistent/list.txt", NULL, NULL, NULL) == VIGIL_EIO);
	unlink(path);
	intel_set_free(s);
}

static void test_million(void **state)
{
	struct intel_set *s = intel_set_new();
	struct vprefix p;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (uint32_t i = 0; i < 1100000; i++) {
		addr_from_v4(&p.addr, 0x0b000000u + i * 4);
		p.len = 96 + 30;
		assert_int_equal(intel_add(s, "big", INTEL_BLOCKLIST, &p, -1, NULL), 0);
	}
	assert_int_equal(intel_build(s), 0);
	assert_int_equal(intel_count(s), 1100000);
	assert_non_null(intel_lookup_v4(s, 0x0b000000u + 4 * 777777 + 3));
	assert_null(intel_lookup_v4(s, 0x0b000000u + 4 * 1100000));
	intel_set_free(s);
}

static void test_reload(void **state)
{
	struct intel_set *a = intel_set_new(), *b = intel_set_new();
	struct intel_handle *h;
	const struct intel_set *r1, *r2;
	struct vprefix p;

	(void)state;
	prefix_parse("192.0.2.0/24", &p);
	intel_add(a, "one", INTEL_BLOCKLIST, &p, -1, NULL);
	intel_build(a);
	prefix_parse("198.51.100.0/24", &p);
	intel_add(b, "two", INTEL_BLOCKLIST, &p, -1, NULL);
	intel_build(b);
	h = intel_handle_new(a);
	r1 = intel_handle_acquire(h);
	intel_handle_swap(h, b);
	/* the old reader still sees the old set; new readers the new one */
	assert_non_null(look(r1, "192.0.2.1"));
	r2 = intel_handle_acquire(h);
	assert_null(look(r2, "192.0.2.1"));
	assert_non_null(look(r2, "198.51.100.1"));
	intel_handle_release(h, r1); /* frees the old set (ASan checks) */
	intel_handle_release(h, r2);
	{
		const char *bad[] = { "/nonexistent" };

		assert_true(intel_reload(h, bad, 1, NULL, NULL) < 0);
		r2 = intel_handle_acquire(h);
		assert_non_null(look(r2, "198.51.100.1")); /* kept */
		intel_handle_release(h, r2);
	}
	intel_handle_free(h);
}

static void test_shared_data(void **state)
{
	static const struct {
		const char *file;
		enum intel_format fmt;
		long min;
	} files[] = {
		{ "et_emerging-Block-IPs.txt", INTEL_FMT_PLAIN, 2000 },
		{ "et_compromised-ips_2022-11.txt", INTEL_FMT_PLAIN, 800 },
		{ "feodotracker_ipblocklist_2024-04-04.csv", INTEL_FMT_FEODO, 28 },
		{ "spamhaus_drop_2025-03-02.txt", INTEL_FMT_SPAMHAUS, 1300 },
		{ "spamhaus_drop_v4_2025-04.json", INTEL_FMT_SPAMHAUS_JSON, 1400 },
		{ "dshield_block_intelmq.txt", INTEL_FMT_PLAIN, 2 },
	};
	char path[1024];
	struct intel_set *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/blocklists", VIGIL_DATA_DIR);
	if (access(path, R_OK) != 0) {
		printf("skip: %s is absent\n", path);
		skip();
	}
	s = intel_set_new();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct intel_load_stats st;

		snprintf(path, sizeof(path), "%s/blocklists/%s", VIGIL_DATA_DIR, files[i].file);
		assert_true(intel_load(s, path, NULL, NULL, &st) >= files[i].min);
		assert_int_equal(st.format, files[i].fmt);
		assert_int_equal(st.bad, 0);
	}
	assert_int_equal(intel_build(s), 0);
	assert_int_equal(look(s, "1.10.16.1")->kind, INTEL_BLOCKLIST);   /* DROP 1.10.16.0/20 */
	assert_int_equal(look(s, "192.9.135.73")->kind, INTEL_CC);       /* Feodo Pikabot */
	assert_int_equal(look(s, "192.9.135.73")->port, 1194);
	assert_int_equal(look(s, "43.229.53.77")->len, 0);               /* DShield range */
	intel_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),         cmocka_unit_test(test_dshield_range),
		cmocka_unit_test(test_feodo),         cmocka_unit_test(test_spamhaus),
		cmocka_unit_test(test_csv),           cmocka_unit_test(test_cc_wins_and_spec),
		cmocka_unit_test(test_million),       cmocka_unit_test(test_reload),
		cmocka_unit_test(test_shared_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
