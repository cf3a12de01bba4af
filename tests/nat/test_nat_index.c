/*
 * test_nat_index.c - the NAT mapping index: a mapping found with high
 * confidence inside its interval and low through the skew, two mappings
 * within the tolerance both named, open mappings ended by the next mapping
 * of the port or the cap, a teardown ingested later closing an open one, the
 * same log twice merged, long mappings, IPv6, the protocol filter, merging a
 * partition's many runs, a crash's leftovers (a .tmp file, a torn run, a
 * damaged block) skipped while the rest answers, retention and info.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nat/nat.h"
#include "util/err.h"
#include "util/vtime.h"

static char dir[256];

static int64_t T(const char *s)
{
	int64_t ms;
	assert_int_equal(vtime_parse(s, &ms), 0);
	return ms;
}

static void rm_rf(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/vigil-natidx-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	return 0;
}

static struct nat_index *open_w(void)
{
	struct nat_index *x;
	char err[256];
	assert_int_equal(nat_index_open(dir, true, &x, err, sizeof(err)), 0);
	return x;
}

static struct nat_index *open_r(void)
{
	struct nat_index *x;
	char err[256];
	assert_int_equal(nat_index_open(dir, false, &x, err, sizeof(err)), 0);
	return x;
}

/* one log line's worth */
static struct nat_rec rec(int ev, const char *out, uint16_t port, const char *in, uint16_t iport,
			  int64_t start, int64_t end, uint32_t line)
{
	struct nat_rec r;
	memset(&r, 0, sizeof(r));
	r.ev = (uint8_t)ev;
	r.proto = 6;
	assert_int_equal(addr_parse(out, &r.outside), 0);
	assert_int_equal(addr_parse(in, &r.inside), 0);
	r.outside_port = port;
	r.inside_port = iport;
	r.start_ms = start;
	r.end_ms = end;
	r.line = line;
	return r;
}

static void add(struct nat_index *x, struct nat_rec r, const char *src)
{
	assert_int_equal(nat_index_add(x, &r, src), 0);
}

static int look(struct nat_index *x, const char *out, uint16_t port, int64_t t, int64_t skew_ms,
		int64_t cap_ms, struct nat_answer *a, size_t max)
{
	struct vaddr o;
	struct nat_lookup_opts lo = { .skew_ms = skew_ms, .max_open_ms = cap_ms };
	assert_int_equal(addr_parse(out, &o), 0);
	return nat_lookup(x, &o, port, t, &lo, a, max);
}

static void assert_addr(const struct vaddr *a, const char *want)
{
	char buf[ADDR_STRLEN];
	assert_string_equal(addr_format(a, buf), want);
}

/* ---- tests ------------------------------------------------------------- */

static void test_basic(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];

	add(x, rec(NAT_OPEN, "10.10.9.1", 40123, "172.16.20.37", 51413, T("2024-03-01T10:09:55Z"), 0, 7), "gw1.log");
	add(x, rec(NAT_OPEN, "10.10.9.1", 40124, "172.16.20.51", 44120, T("2024-03-01T10:14:09Z"), 0, 10), "gw1.log");
	add(x, rec(NAT_CLOSE, "10.10.9.1", 40123, "172.16.20.37", 51413, 0, T("2024-03-01T10:25:28Z"), 13), "gw1.log");
	assert_int_equal(nat_index_close(x), 0);

	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 40123, T("2024-03-01T10:12:07Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.20.37");
	assert_int_equal(a[0].inside_port, 51413);
	assert_int_equal(a[0].proto, 6);
	assert_int_equal(a[0].start_ms, T("2024-03-01T10:09:55Z"));
	assert_int_equal(a[0].end_ms, T("2024-03-01T10:25:28Z"));
	assert_false(a[0].open_ended);
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	assert_string_equal(a[0].source, "gw1.log");
	assert_int_equal(a[0].line, 7);
	/* 30 s before the build: only through the skew, so low */
	assert_int_equal(look(x, "10.10.9.1", 40123, T("2024-03-01T10:09:25Z"), 60000, 0, a, 4), 1);
	assert_int_equal(a[0].confidence, NAT_CONF_LOW);
	/* two minutes before, with the default minute of tolerance: nothing */
	assert_int_equal(look(x, "10.10.9.1", 40123, T("2024-03-01T10:07:55Z"), 60000, 0, a, 4), 0);
	/* another port, another gateway address: nothing */
	assert_int_equal(look(x, "10.10.9.1", 40125, T("2024-03-01T10:12:07Z"), 60000, 0, a, 4), 0);
	assert_int_equal(look(x, "10.10.9.2", 40123, T("2024-03-01T10:12:07Z"), 60000, 0, a, 4), 0);
	/* the open one (never torn down) still answers, open-ended */
	assert_int_equal(look(x, "10.10.9.1", 40124, T("2024-03-01T11:00:00Z"), 60000, 0, a, 4), 1);
	assert_true(a[0].open_ended);
	assert_int_equal(a[0].end_ms, 0);

	struct nat_index_info in;
	assert_int_equal(nat_index_info(x, &in), 0);
	assert_int_equal(in.mappings, 2);
	assert_true(in.partitions >= 2); /* an hourly run and a long (open) one */
	assert_true(in.bytes > 0);
	assert_int_equal(in.first_ms, T("2024-03-01T10:09:55Z"));
	nat_index_close(x);
}

static void test_two_within_tolerance(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];

	/* the port handed to another host 30 s after the first let it go */
	add(x, rec(NAT_CLOSE, "10.10.9.1", 5000, "172.16.1.1", 1111, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:05:00Z"), 1), "gw");
	add(x, rec(NAT_CLOSE, "10.10.9.1", 5000, "172.16.1.2", 2222, T("2024-03-01T10:05:30Z"), T("2024-03-01T10:09:00Z"), 2), "gw");
	nat_index_close(x);
	x = open_r();
	/* 10:05:10 is 10 s after the first ended and 20 s before the second began */
	int n = look(x, "10.10.9.1", 5000, T("2024-03-01T10:05:10Z"), 60000, 0, a, 4);
	assert_int_equal(n, 2);
	assert_addr(&a[0].inside, "172.16.1.1"); /* the nearer first */
	assert_addr(&a[1].inside, "172.16.1.2");
	assert_int_equal(a[0].confidence, NAT_CONF_LOW);
	assert_int_equal(a[1].confidence, NAT_CONF_LOW);
	/* a complainant we trust to 15 s: only the first, still low (not covered) */
	n = look(x, "10.10.9.1", 5000, T("2024-03-01T10:05:10Z"), 15000, 0, a, 4);
	assert_int_equal(n, 1);
	assert_addr(&a[0].inside, "172.16.1.1");
	assert_int_equal(a[0].confidence, NAT_CONF_LOW);
	/* well inside the second, more than the skew from the first: high */
	n = look(x, "10.10.9.1", 5000, T("2024-03-01T10:07:00Z"), 60000, 0, a, 4);
	assert_int_equal(n, 1);
	assert_addr(&a[0].inside, "172.16.1.2");
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	nat_index_close(x);
}

static void test_open_ended(void **state)
{
	(void)state;
	struct nat_index *x = open_w(), *x2;
	struct nat_answer a[4];

	add(x, rec(NAT_OPEN, "10.10.9.1", 6000, "172.16.1.1", 1111, T("2024-03-01T10:00:00Z"), 0, 1), "day1");
	nat_index_close(x);
	/* a later log: the port built again for another host at 12:00, closed at 12:10 */
	x = open_w();
	add(x, rec(NAT_CLOSE, "10.10.9.1", 6000, "172.16.1.9", 9999, T("2024-03-01T12:00:00Z"), T("2024-03-01T12:10:00Z"), 5), "day1b");
	nat_index_close(x);

	x = open_r();
	/* 11:00: the open one, ended by the next mapping of the port */
	assert_int_equal(look(x, "10.10.9.1", 6000, T("2024-03-01T11:00:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.1.1");
	assert_true(a[0].open_ended);
	/* the end is known only when the next mapping is in the hours read */
	assert_int_equal(a[0].end_ms, 0);
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	/* another open one, its port built again 40 min later within the hours read */
	x2 = open_w();
	add(x2, rec(NAT_OPEN, "10.10.9.1", 6001, "172.16.1.3", 3333, T("2024-03-01T10:00:00Z"), 0, 7), "day1c");
	add(x2, rec(NAT_CLOSE, "10.10.9.1", 6001, "172.16.1.4", 4444, T("2024-03-01T10:40:00Z"), T("2024-03-01T10:50:00Z"), 8), "day1c");
	nat_index_close(x2);
	nat_index_close(x);
	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 6001, T("2024-03-01T10:20:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.1.3");
	assert_true(a[0].open_ended);
	assert_int_equal(a[0].end_ms, T("2024-03-01T10:40:00Z"));
	/* 12:05: the new holder, not the stale open one */
	assert_int_equal(look(x, "10.10.9.1", 6000, T("2024-03-01T12:05:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.1.9");
	/* with a cap of an hour the open one does not reach 11:30 */
	assert_int_equal(look(x, "10.10.9.1", 6000, T("2024-03-01T11:30:00Z"), 60000, 3600000, a, 4), 0);
	nat_index_close(x);
}

static void test_teardown_later(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];

	/* conntrack: NEW in one file, DESTROY (no start) in the next */
	add(x, rec(NAT_OPEN, "198.51.100.1", 61614, "172.16.30.10", 43997, T("2024-03-01T23:50:00Z"), 0, 1), "ct.1");
	nat_index_close(x);
	x = open_w();
	add(x, rec(NAT_CLOSE, "198.51.100.1", 61614, "172.16.30.10", 43997, 0, T("2024-03-02T00:20:00Z"), 4), "ct.2");
	nat_index_close(x);
	x = open_r();
	assert_int_equal(look(x, "198.51.100.1", 61614, T("2024-03-02T00:05:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.30.10");
	assert_int_equal(a[0].start_ms, T("2024-03-01T23:50:00Z"));
	assert_int_equal(a[0].end_ms, T("2024-03-02T00:20:00Z"));
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	assert_string_equal(a[0].source, "ct.1");
	/* after the teardown (and the skew): nobody */
	assert_int_equal(look(x, "198.51.100.1", 61614, T("2024-03-02T00:25:00Z"), 60000, 0, a, 4), 0);
	nat_index_close(x);
}

static void test_same_log_twice(void **state)
{
	(void)state;
	struct nat_answer a[4];

	for (int k = 0; k < 2; k++) {
		struct nat_index *x = open_w();
		add(x, rec(NAT_OPEN, "10.10.9.1", 7000, "172.16.2.2", 2020, T("2024-03-01T09:00:00Z"), 0, 3), "gw.log");
		add(x, rec(NAT_CLOSE, "10.10.9.1", 7000, "172.16.2.2", 2020, T("2024-03-01T09:00:00Z"), T("2024-03-01T09:20:00Z"), 9), "gw.log");
		nat_index_close(x);
	}
	struct nat_index *x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 7000, T("2024-03-01T09:10:00Z"), 60000, 0, a, 4), 1);
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	assert_int_equal(a[0].line, 3);
	nat_index_close(x);
}

static void test_long_ipv6_proto(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];
	struct nat_rec r;

	/* three hours: kept with the long mappings */
	add(x, rec(NAT_CLOSE, "10.10.9.1", 8000, "172.16.3.3", 3030, T("2024-03-01T08:00:00Z"), T("2024-03-01T11:00:00Z"), 1), "gw");
	/* NAT64/NPT: an IPv6 outside address */
	add(x, rec(NAT_CLOSE, "2001:db8::1", 443, "fd00::42", 50000, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:10:00Z"), 2), "gw6");
	/* the same port for UDP and TCP, different hosts */
	r = rec(NAT_CLOSE, "10.10.9.1", 9000, "172.16.4.4", 4040, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:10:00Z"), 3);
	add(x, r, "gw");
	r = rec(NAT_CLOSE, "10.10.9.1", 9000, "172.16.4.5", 4041, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:10:00Z"), 4);
	r.proto = 17;
	add(x, r, "gw");
	nat_index_close(x);

	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 8000, T("2024-03-01T10:30:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.3.3");
	assert_int_equal(look(x, "2001:db8::1", 443, T("2024-03-01T10:05:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "fd00::42");
	/* any protocol: both, so low; asked for udp: the one */
	assert_int_equal(look(x, "10.10.9.1", 9000, T("2024-03-01T10:05:00Z"), 60000, 0, a, 4), 2);
	assert_int_equal(a[0].confidence, NAT_CONF_LOW);
	struct vaddr o;
	struct nat_lookup_opts lo = { .skew_ms = 60000, .proto = 17 };
	addr_parse("10.10.9.1", &o);
	assert_int_equal(nat_lookup(x, &o, 9000, T("2024-03-01T10:05:00Z"), &lo, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.4.5");
	assert_int_equal(a[0].confidence, NAT_CONF_HIGH);
	nat_index_close(x);
}

static size_t count_runs(const char *sub)
{
	char d[512];
	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	DIR *dp = opendir(d);
	struct dirent *de;
	size_t n = 0;
	if (!dp)
		return 0;
	while ((de = readdir(dp)))
		if (strstr(de->d_name, ".nat"))
			n++;
	closedir(dp);
	return n;
}

static void test_many_runs_merged(void **state)
{
	(void)state;
	struct nat_answer a[4];

	/* 20 ingests into the same hour: merged when more than 16 */
	for (int k = 0; k < 20; k++) {
		struct nat_index *x = open_w();
		int64_t t = T("2024-03-01T10:00:00Z") + k * 60000;
		add(x, rec(NAT_CLOSE, "10.10.9.1", (uint16_t)(10000 + k), "172.16.5.5", (uint16_t)(1000 + k), t, t + 30000, (uint32_t)k + 1), "gw");
		assert_int_equal(nat_index_flush(x), 0);
		nat_index_close(x);
	}
	assert_true(count_runs("h") <= 16);
	struct nat_index *x = open_r();
	for (int k = 0; k < 20; k++) {
		int64_t t = T("2024-03-01T10:00:00Z") + k * 60000 + 10000;
		assert_int_equal(look(x, "10.10.9.1", (uint16_t)(10000 + k), t, 60000, 0, a, 4), 1);
		assert_int_equal(a[0].inside_port, 1000 + k);
		assert_int_equal(a[0].line, (uint32_t)k + 1);
	}
	struct nat_index_info in;
	nat_index_info(x, &in);
	assert_int_equal(in.mappings, 20);
	nat_index_close(x);
}

static char *first_run(const char *sub, char *path, size_t n)
{
	char d[512];
	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	DIR *dp = opendir(d);
	struct dirent *de;
	path[0] = 0;
	while (dp && (de = readdir(dp)))
		if (strstr(de->d_name, ".nat") && !strstr(de->d_name, ".tmp")) {
			snprintf(path, n, "%s/%s", d, de->d_name);
			break;
		}
	if (dp)
		closedir(dp);
	return path[0] ? path : NULL;
}

static void test_crash_leftovers(void **state)
{
	(void)state;
	struct nat_answer a[4];
	char path[768], tmp[800];
	struct nat_index *x = open_w();

	add(x, rec(NAT_CLOSE, "10.10.9.1", 11000, "172.16.6.6", 6060, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:10:00Z"), 1), "a");
	add(x, rec(NAT_CLOSE, "10.10.9.1", 11000, "172.16.6.7", 6070, T("2024-03-01T11:00:00Z"), T("2024-03-01T11:10:00Z"), 2), "a");
	nat_index_close(x);

	/* a write cut off before its rename: never read */
	snprintf(tmp, sizeof(tmp), "%s/h/2024030110-000009.nat.tmp", dir);
	FILE *f = fopen(tmp, "w");
	fputs("VIGILNAT half a file", f);
	fclose(f);
	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 11000, T("2024-03-01T10:05:00Z"), 60000, 0, a, 4), 1);
	nat_index_close(x);

	/* the 10:00 run torn (its end lost): skipped, the 11:00 one still answers */
	snprintf(path, sizeof(path), "%s/h/2024030110-000001.nat", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 7), 0);
	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 11000, T("2024-03-01T10:05:00Z"), 60000, 0, a, 4), 0);
	assert_int_equal(look(x, "10.10.9.1", 11000, T("2024-03-01T11:05:00Z"), 60000, 0, a, 4), 1);
	assert_addr(&a[0].inside, "172.16.6.7");
	nat_index_close(x);

	/* a flipped byte in the 11:00 run's block: the crc refuses it, no crash */
	snprintf(path, sizeof(path), "%s/h/2024030111-000001.nat", dir);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, 30), 1);
	c ^= 0xff;
	assert_int_equal(pwrite(fd, &c, 1, 30), 1);
	close(fd);
	x = open_r();
	assert_true(look(x, "10.10.9.1", 11000, T("2024-03-01T11:05:00Z"), 60000, 0, a, 4) <= 0);
	nat_index_close(x);

	/* a writable open clears the stale .tmp */
	x = open_w();
	nat_index_close(x);
	assert_int_not_equal(access(tmp, F_OK), 0);
	(void)first_run;
}

static void test_expire(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];
	uint64_t removed = 0;

	add(x, rec(NAT_CLOSE, "10.10.9.1", 12000, "172.16.7.7", 7070, T("2024-01-01T10:00:00Z"), T("2024-01-01T10:10:00Z"), 1), "old");
	add(x, rec(NAT_CLOSE, "10.10.9.1", 12000, "172.16.7.8", 7080, T("2024-03-01T10:00:00Z"), T("2024-03-01T10:10:00Z"), 1), "new");
	assert_int_equal(nat_index_flush(x), 0);
	/* keep 30 days, as of 2024-03-02 */
	assert_int_equal(nat_index_expire(x, 30LL * 86400 * 1000, T("2024-03-02T00:00:00Z"), &removed), 0);
	assert_int_equal(removed, 1);
	nat_index_close(x);
	x = open_r();
	assert_int_equal(look(x, "10.10.9.1", 12000, T("2024-01-01T10:05:00Z"), 60000, 0, a, 4), 0);
	assert_int_equal(look(x, "10.10.9.1", 12000, T("2024-03-01T10:05:00Z"), 60000, 0, a, 4), 1);
	/* read-only: refused */
	assert_int_equal(nat_index_expire(x, 1000, T("2030-01-01T00:00:00Z"), &removed), VIGIL_ESTATE);
	nat_index_close(x);
}

static void test_missing_dir(void **state)
{
	(void)state;
	struct nat_index *x;
	char err[256] = "", d[300];
	snprintf(d, sizeof(d), "%s/nope", dir);
	assert_int_equal(nat_index_open(d, false, &x, err, sizeof(err)), VIGIL_ENOTFOUND);
	assert_non_null(strstr(err, "no NAT index"));
}

/* Many mappings across many blocks: every one found again (the block index
 * and the column decoding over more than one block). */
static void test_many_blocks(void **state)
{
	(void)state;
	struct nat_index *x = open_w();
	struct nat_answer a[4];
	int64_t t0 = T("2024-03-01T10:00:00Z");
	const int n = 5000;

	for (int i = 0; i < n; i++) {
		char in[32];
		snprintf(in, sizeof(in), "172.16.%d.%d", (i / 250) % 250, i % 250 + 1);
		add(x, rec(NAT_CLOSE, i % 2 ? "10.10.9.1" : "10.10.9.2", (uint16_t)(1024 + i), in,
			   (uint16_t)(30000 + i), t0 + i * 500, t0 + i * 500 + 20000, (uint32_t)i + 1), "big");
	}
	nat_index_close(x);
	x = open_r();
	for (int i = 0; i < n; i += 37) {
		char in[32];
		snprintf(in, sizeof(in), "172.16.%d.%d", (i / 250) % 250, i % 250 + 1);
		assert_int_equal(look(x, i % 2 ? "10.10.9.1" : "10.10.9.2", (uint16_t)(1024 + i), t0 + i * 500 + 10000, 60000, 0, a, 4), 1);
		assert_addr(&a[0].inside, in);
		assert_int_equal(a[0].inside_port, 30000 + i);
		assert_int_equal(a[0].line, (uint32_t)i + 1);
	}
	struct nat_index_info in;
	nat_index_info(x, &in);
	assert_int_equal(in.mappings, (uint64_t)n);
	printf("# %d mappings: %llu bytes, %.1f bytes a mapping\n", n, (unsigned long long)in.bytes,
	       (double)in.bytes / n);
	nat_index_close(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_within_tolerance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_ended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teardown_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_log_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_ipv6_proto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_runs_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_blocks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
