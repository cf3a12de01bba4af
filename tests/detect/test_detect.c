/* test_detect.c - the detectors on synthetic flows: each detector fires on
 * its pattern and stays quiet below its threshold, windows close by flow
 * time, sampled traffic is estimated where that is sound, counted as seen
 * where not, and raises no alarm the unsampled traffic would not, tables are capped
 * and count what they drop, the allow-list works; the distinct counter's
 * accuracy; the event log's rotation and torn-line recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/detect.h"
#include "detect/detect_int.h"
#include "util/err.h"

#define T0 1709287200000LL /* 2024-03-01T10:00:00Z */
#define MAXEV 64

struct sink {
	struct event ev[MAXEV];
	size_t n;
};

static void on_event(void *ctx, const struct event *e)
{
	struct sink *s = ctx;

	if (s->n < MAXEV)
		s->ev[s->n++] = *e;
}

static const struct event *find(const struct sink *s, const char *kind, const char *host)
{
	for (size_t i = 0; i < s->n; i++) {
		char h[ADDR_STRLEN];

		if (strcmp(s->ev[i].kind, kind) == 0 && strcmp(addr_format(&s->ev[i].host, h), host) == 0)
			return &s->ev[i];
	}
	return NULL;
}

/* Detectors over 10.0.0.0/16 with extra key=value settings. */
static struct detect *mk(struct sink *s, const char *const *kv)
{
	struct conf *c;
	struct detect *d = NULL;
	char err[256];

	assert_int_equal(conf_load(NULL, &c, err, sizeof(err)), 0);
	conf_set(c, "detect", "network", "10.0.0.0/16");
	for (; kv && kv[0]; kv += 2)
		conf_set(c, "detect", kv[0], kv[1]);
	assert_int_equal(detect_new(c, on_event, s, &d, err, sizeof(err)), 0);
	conf_free(c);
	return d;
}

static struct flow fl(const char *src, const char *dst, uint16_t sp, uint16_t dp, uint8_t proto,
		      uint8_t flags, uint64_t pk, uint64_t by, int64_t t)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	addr_parse(src, &f.src);
	addr_parse(dst, &f.dst);
	f.sport = sp;
	f.dport = dp;
	f.proto = proto;
	f.tcp_flags = flags;
	f.packets = pk;
	f.bytes = by;
	f.first_ms = t;
	f.last_ms = t + 10;
	f.sampling = 1;
	return f;
}

static void test_needs_network(void **state)
{
	struct conf *c;
	struct detect *d = NULL;
	char err[256] = "";

	(void)state;
	conf_load(NULL, &c, err, sizeof(err));
	assert_int_equal(detect_new(c, NULL, NULL, &d, err, sizeof(err)), VIGIL_EINVAL);
	assert_null(d);
	assert_non_null(strstr(err, "--network"));
	conf_set(c, "detect", "network", "10.0.0.0/33");
	assert_int_equal(detect_new(c, NULL, NULL, &d, err, sizeof(err)), VIGIL_EINVAL);
	conf_free(c);
}

static void feed_scan(struct detect *d, const char *src, int n, uint32_t sampling)
{
	for (int i = 0; i < n; i++) {
		char dst[32];
		struct flow f;

		snprintf(dst, sizeof(dst), "198.18.%d.%d", i / 250, 1 + i % 250);
		f = fl(src, dst, (uint16_t)(40000 + i), 445, 6, 0x02, 1, 40, T0 + i * 10);
		f.sampling = sampling;
		detect_feed(d, &f, 1);
	}
}

static void test_scan(void **state)
{
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, NULL);
	const struct event *e;

	(void)state;
	feed_scan(d, "10.0.5.66", 600, 1);
	feed_scan(d, "10.0.5.67", 100, 1); /* below 500 */
	detect_flush(d);
	e = find(&s, "scan", "10.0.5.66");
	assert_non_null(e);
	assert_int_equal(e->port, 445);
	assert_int_equal(e->proto, 6);
	assert_string_equal(e->role, "source");
	assert_true(e->distinct > 570 && e->distinct < 630);
	assert_false(e->estimate);
	assert_non_null(strstr(e->why, "445/tcp"));
	assert_non_null(strstr(e->query, "src ip 10.0.5.66 and proto tcp and dst port 445"));
	assert_string_equal(e->source, "scan");
	assert_null(find(&s, "scan", "10.0.5.67"));
	detect_free(d);
}

static void test_scan_sampled(void **state)
{
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, NULL);
	const struct event *e;

	(void)state;
	feed_scan(d, "10.0.5.66", 80, 10); /* 80 sampled probes of a sparse scan */
	detect_flush(d);
	e = find(&s, "scan", "10.0.5.66");
	assert_non_null(e);
	assert_true(e->estimate);
	assert_int_equal(e->sampling, 10);
	assert_int_equal(e->flows, 800);
	assert_true(e->distinct >= 720 && e->distinct <= 880);
	assert_non_null(strstr(e->why, "10.0.5.66 contacted ~"));
	assert_non_null(strstr(e->why, "seen), with SYN-only flows"));
	detect_free(d);
}

/* What 1:10 sampling makes of a busy client's sessions: each session's first
 * packet sampled alone is a SYN-only record, and there are several records
 * with ACK for each of those. */
static void feed_sampled_client(struct detect *d, const char *src, int sessions, uint16_t port)
{
	for (int i = 0; i < sessions; i++) {
		char dst[32];
		struct flow f;

		snprintf(dst, sizeof(dst), "203.0.%d.%d", i / 200 % 250, 1 + i % 200);
		if (i % 4 == 0)
			f = fl(src, dst, (uint16_t)(30000 + i), port, 6, 0x02, 1, 60, T0 + i * 100);
		else
			f = fl(src, dst, (uint16_t)(30000 + i), port, 6, 0x18, 1 + i % 3, 400, T0 + i * 100);
		f.sampling = 10;
		detect_feed(d, &f, 1);
	}
}

static void test_sampled_no_false_alarm(void **state)
{
	static const char *const thr[] = { "scan_horizontal", "200", NULL };
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, thr);
	const struct event *e;

	(void)state;
	/* 2,000 sampled session records to 400 web servers, 500 of them SYN-only */
	feed_sampled_client(d, "10.0.1.10", 2000, 443);
	/* 40 sampled records of long ssh sessions to 10 hosts (80 + 17 for the
	 * fan-out, as unsampled; it was 800 when each record counted 10 flows) */
	for (int i = 0; i < 40; i++) {
		char dst[32];
		struct flow f;

		snprintf(dst, sizeof(dst), "198.51.100.%d", 1 + i % 10);
		f = fl("10.0.1.11", dst, (uint16_t)(40000 + i), 22, 6, 0x18, 30, 3000, T0 + i * 1000);
		f.sampling = 10;
		detect_feed(d, &f, 1);
	}
	/* a busy server: 30,000 records of many-packet flows, 500 records/s seen */
	for (int i = 0; i < 30000; i++) {
		char src[32];
		struct flow f;

		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250 % 250, 1 + i % 250);
		f = fl(src, "10.0.0.80", (uint16_t)(1024 + i % 60000), 443, 6, 0x18, 3, 1500,
		       T0 + i * 2);
		f.sampling = 10;
		detect_feed(d, &f, 1);
	}
	/* and a real scanner among them: 60 sampled probes */
	feed_scan(d, "10.0.5.66", 60, 10);
	detect_flush(d);
	assert_null(find(&s, "score", "10.0.1.10"));
	assert_null(find(&s, "scan", "10.0.1.10"));
	assert_null(find(&s, "score", "10.0.1.11"));
	assert_null(find(&s, "dos", "10.0.0.80"));
	e = find(&s, "score", "10.0.5.66");
	assert_non_null(e);
	assert_true(e->estimate);
	assert_int_equal(e->flows, 60); /* records seen */
	assert_int_equal(e->packets, 600);
	assert_non_null(strstr(e->why, "~600 flows to 445/tcp (est. from 1:10 sampling)"));
	assert_non_null(strstr(e->why, " hosts seen ("));
	assert_non_null(find(&s, "scan", "10.0.5.66"));
	detect_free(d);
}

static void test_count_text(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(detect_count_text(12000, 10, b, sizeof(b)), "~12,000");
	assert_string_equal(detect_count_text(999, 10, b, sizeof(b)), "~999");
	assert_string_equal(detect_count_text(1234567, 100, b, sizeof(b)), "~1,234,567");
	assert_string_equal(detect_count_text(12000, 1, b, sizeof(b)), "12000");
	assert_string_equal(detect_bytes_text(4200000, 10, b, sizeof(b)), "~4.2 MB");
	assert_int_equal(detect_probes(50, 20, 10), 30);
	assert_int_equal(detect_probes(20, 50, 10), 0);
	assert_int_equal(detect_probes(20, 50, 1), 20);
}

static void test_allow_and_cap(void **state)
{
	static const char *const allow[] = { "allow", "10.0.5.0/24", NULL };
	static const char *const cap[] = { "scan_max_keys", "4", NULL };
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, allow);
	struct detect_stats st;

	(void)state;
	feed_scan(d, "10.0.5.66", 600, 1);
	detect_flush(d);
	assert_null(find(&s, "scan", "10.0.5.66"));
	detect_free(d);
	d = mk(&s, cap);
	for (int i = 0; i < 10; i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.0.6.%d", i);
		feed_scan(d, src, 3, 1);
	}
	detect_get_stats(d, &st);
	assert_true(st.overflow > 0);
	detect_free(d);
}

static void test_portscan_inbound(void **state)
{
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, NULL);
	const struct event *e;
	char peer[ADDR_STRLEN];

	(void)state;
	for (int p = 1; p <= 400; p++) {
		struct flow f = fl("203.0.113.99", "10.0.0.80", 61000, (uint16_t)p, 6, 0x02, 1, 40,
				   T0 + p);
		detect_feed(d, &f, 1);
	}
	detect_flush(d);
	e = find(&s, "portscan", "10.0.0.80");
	assert_non_null(e);
	assert_string_equal(e->role, "destination");
	assert_true(e->has_peer);
	assert_string_equal(addr_format(&e->peer, peer), "203.0.113.99");
	assert_true(e->distinct >= 380 && e->distinct <= 420); /* sketch: within 5% */
	detect_free(d);
}

static void test_lists(void **state)
{
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, NULL);
	struct intel_set *set = intel_set_new();
	struct vprefix p;
	struct flow f[3];
	const struct event *e;

	(void)state;
	prefix_parse("192.0.2.66", &p);
	intel_add(set, "feodo", INTEL_CC, &p, 8080, "Testbot");
	prefix_parse("198.51.100.0/24", &p);
	intel_add(set, "et", INTEL_BLOCKLIST, &p, -1, NULL);
	intel_build(set);
	detect_set_intel(d, set);
	f[0] = fl("10.0.3.33", "192.0.2.66", 41000, 8080, 6, 0x1b, 5, 400, T0);
	f[1] = fl("192.0.2.66", "10.0.3.33", 8080, 41000, 6, 0x1b, 5, 900, T0 + 5);
	f[2] = fl("198.51.100.9", "10.0.4.4", 5555, 23, 6, 0x02, 1, 40, T0 + 9); /* inbound only */
	detect_feed(d, f, 3);
	detect_flush(d);
	e = find(&s, "cc", "10.0.3.33");
	assert_non_null(e);
	assert_string_equal(e->role, "source");
	assert_int_equal(e->port, 8080);
	assert_int_equal(e->flows, 2);
	assert_int_equal(e->bytes, 1300);
	assert_string_equal(e->feed, "feodo");
	assert_non_null(strstr(e->why, "Testbot"));
	e = find(&s, "blocklist", "10.0.4.4");
	assert_non_null(e);
	assert_string_equal(e->role, "destination");
	assert_int_equal(e->port, 5555);
	detect_free(d);
	intel_set_free(set);
}

/* The constituency's fast path works on /16 blocks: a network that covers only
 * part of a /16 must still tell its own hosts from their neighbours. */
static void test_partial_block(void **state)
{
	static const char *const kv[] = { "network", "172.16.128.0/17", NULL };
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, kv);
	struct intel_set *set = intel_set_new();
	struct vprefix p;
	struct flow f[2];

	(void)state;
	prefix_parse("192.0.2.66", &p);
	intel_add(set, "feodo", INTEL_CC, &p, 8080, "Testbot");
	intel_build(set);
	detect_set_intel(d, set);
	f[0] = fl("172.16.200.5", "192.0.2.66", 41000, 8080, 6, 0x1b, 5, 400, T0);
	f[1] = fl("172.16.5.5", "192.0.2.66", 41001, 8080, 6, 0x1b, 5, 400, T0 + 1);
	detect_feed(d, f, 2);
	detect_flush(d);
	assert_non_null(find(&s, "cc", "172.16.200.5"));
	assert_null(find(&s, "cc", "172.16.5.5")); /* same /16, not ours */
	detect_free(d);
	intel_set_free(set);
}

/* The threat lists' /24 filter in front of the LPM: entries that start or end
 * inside a /24, or span several, are found at their edges and not beyond. */
static void test_list_edges(void **state)
{
	struct intel_set *set = intel_set_new();
	struct vprefix p;
	struct vaddr a;
	static const struct {
		const char *addr;
		int listed;
	} probe[] = {
		{ "198.51.95.255", 0 }, { "198.51.96.0", 1 },   { "198.51.103.7", 1 },
		{ "198.51.111.255", 1 }, { "198.51.112.0", 0 }, { "203.0.113.127", 0 },
		{ "203.0.113.128", 1 },  { "203.0.113.255", 1 }, { "203.0.114.0", 0 },
		{ "192.0.2.66", 1 },     { "192.0.2.65", 0 },    { "192.0.2.67", 0 },
	};

	(void)state;
	prefix_parse("198.51.96.0/20", &p);
	intel_add(set, "et", INTEL_BLOCKLIST, &p, -1, NULL);
	prefix_parse("203.0.113.128/25", &p);
	intel_add(set, "et", INTEL_BLOCKLIST, &p, -1, NULL);
	prefix_parse("192.0.2.66", &p);
	intel_add(set, "feodo", INTEL_CC, &p, 8080, NULL);
	assert_int_equal(intel_build(set), 0);
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		assert_int_equal(addr_parse(probe[i].addr, &a), 0);
		if (probe[i].listed)
			assert_non_null(intel_lookup(set, &a));
		else
			assert_null(intel_lookup(set, &a));
		assert_true((intel_lookup_v4(set, addr_v4(&a)) != NULL) == probe[i].listed);
	}
	intel_set_free(set);
}

static void test_windows(void **state)
{
	static const char *const w[] = { "window", "10m", NULL };
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, w);
	struct intel_set *set = intel_set_new();
	struct vprefix p;
	struct flow f;
	struct detect_stats st;

	(void)state;
	prefix_parse("192.0.2.66", &p);
	intel_add(set, "feodo", INTEL_CC, &p, 8080, NULL);
	intel_build(set);
	detect_set_intel(d, set);
	f = fl("10.0.3.33", "192.0.2.66", 41000, 8080, 6, 0x1b, 5, 400, T0 + 60000);
	detect_feed(d, &f, 1);
	assert_int_equal(s.n, 0); /* window still open */
	f.first_ms = f.last_ms = T0 + 11 * 60000;  /* next window: closes the first */
	detect_feed(d, &f, 1);
	assert_int_equal(s.n, 1);
	f.first_ms = f.last_ms = T0 + 5 * 60000;   /* late: counted in the open window */
	detect_feed(d, &f, 1);
	detect_flush(d);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ev[1].flows, 2);
	detect_get_stats(d, &st);
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.flows_late, 1);
	f = fl("192.0.2.1", "198.51.100.1", 1, 2, 6, 0x1b, 5, 400, T0); /* not ours */
	detect_feed(d, &f, 1);
	detect_get_stats(d, &st);
	assert_int_equal(st.flows_external, 1);
	detect_free(d);
	intel_set_free(set);
}

static void test_dos(void **state)
{
	struct sink s = { .n = 0 };
	static const char *const kv[] = { "dos_pps", "1000", "amp_min_bytes", "1M", NULL };
	struct detect *d = mk(&s, kv);
	const struct event *e;

	(void)state;
	/* flood: 200 sources x 500 packets in 60 s to 10.0.7.7:80 = 1667 pps */
	for (int i = 0; i < 200; i++) {
		char src[32];
		struct flow f;

		snprintf(src, sizeof(src), "198.19.0.%d", i + 1);
		f = fl(src, "10.0.7.7", (uint16_t)(1024 + i), 80, 6, 0x02, 500, 20000, T0);
		f.last_ms = T0 + 60000;
		detect_feed(d, &f, 1);
	}
	/* reflection: 50 resolvers, 20 packets of 1400 bytes from 53/udp to 10.0.8.8 */
	for (int i = 0; i < 50; i++) {
		char src[32];
		struct flow f;

		snprintf(src, sizeof(src), "198.18.200.%d", i + 1);
		f = fl(src, "10.0.8.8", 53, 7777, 17, 0, 20, 28000, T0 + i);
		detect_feed(d, &f, 1);
	}
	/* a busy resolver's answers are not reflection: it asked */
	for (int i = 0; i < 50; i++) {
		char ns[32];
		struct flow q, a;

		snprintf(ns, sizeof(ns), "198.18.100.%d", i + 1);
		q = fl("10.0.0.53", ns, (uint16_t)(2000 + i), 53, 17, 0, 20, 1400, T0 + i);
		a = fl(ns, "10.0.0.53", 53, (uint16_t)(2000 + i), 17, 0, 20, 28000, T0 + i);
		detect_feed(d, &q, 1);
		detect_feed(d, &a, 1);
	}
	/* amplifier: 10.0.9.9 answers 123/udp to one victim, 3000 x 468 bytes */
	{
		struct flow in = fl("203.0.113.200", "10.0.9.9", 80, 123, 17, 0, 200, 7200, T0);
		struct flow out = fl("10.0.9.9", "203.0.113.200", 123, 80, 17, 0, 3000, 1404000, T0);

		detect_feed(d, &in, 1);
		detect_feed(d, &out, 1);
	}
	detect_flush(d);
	e = find(&s, "dos", "10.0.7.7");
	assert_non_null(e);
	assert_int_equal(e->packets, 100000);
	assert_int_equal(e->distinct, 200);
	assert_non_null(strstr(e->why, "packets/s"));
	e = find(&s, "dos", "10.0.8.8");
	assert_non_null(e);
	assert_int_equal(e->port, 53);
	assert_non_null(strstr(e->why, "reflection"));
	assert_null(find(&s, "dos", "10.0.0.53"));
	e = find(&s, "amplifier", "10.0.9.9");
	assert_non_null(e);
	assert_int_equal(e->port, 123);
	assert_non_null(strstr(e->why, "195x"));
	detect_free(d);
}

static void test_score(void **state)
{
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, NULL);
	const struct event *e;

	(void)state;
	/* 30 SSH connections out to 30 hosts: 30 x (2 + 1 SYN) + fan-out */
	for (int i = 0; i < 30; i++) {
		char dst[32];
		struct flow f;

		snprintf(dst, sizeof(dst), "192.0.2.%d", i + 1);
		f = fl("10.0.1.1", dst, (uint16_t)(40000 + i), 22, 6, 0x02, 1, 60, T0 + i);
		detect_feed(d, &f, 1);
		f = fl("10.0.1.2", dst, (uint16_t)(40000 + i), 443, 6, 0x1b, 10, 6000, T0 + i);
		detect_feed(d, &f, 1); /* ordinary web: no score */
	}
	detect_flush(d);
	e = find(&s, "score", "10.0.1.1");
	assert_non_null(e);
	assert_true(e->score >= 114 && e->score <= 116); /* 60 + 30 + 5 log2(31) = 114.8 */
	assert_non_null(strstr(e->why, "30 flows to 22/tcp (60)"));
	assert_null(find(&s, "score", "10.0.1.2"));
	detect_free(d);
}

static void test_ipv6(void **state)
{
	static const char *const kv[] = { "network", "2001:db8::/32", NULL };
	struct sink s = { .n = 0 };
	struct detect *d = mk(&s, kv);
	struct intel_set *set = intel_set_new();
	struct vprefix p;
	const struct event *e;

	(void)state;
	prefix_parse("2001:db9:66::/48", &p);
	intel_add(set, "feodo6", INTEL_CC, &p, 443, NULL);
	intel_build(set);
	detect_set_intel(d, set);
	for (int i = 0; i < 600; i++) {
		char dst[64];
		struct flow f;

		snprintf(dst, sizeof(dst), "2001:dba::%x", i + 1);
		f = fl("2001:db8::5", dst, (uint16_t)(40000 + i), 22, 6, 0x02, 1, 60, T0 + i);
		detect_feed(d, &f, 1);
	}
	{
		struct flow f = fl("2001:db8::9", "2001:db9:66::1", 50000, 443, 6, 0x1b, 4, 900, T0);

		detect_feed(d, &f, 1);
	}
	detect_flush(d);
	e = find(&s, "scan", "2001:db8::5");
	assert_non_null(e);
	assert_int_equal(e->port, 22);
	e = find(&s, "cc", "2001:db8::9");
	assert_non_null(e);
	assert_string_equal(e->feed, "feodo6");
	detect_free(d);
	intel_set_free(set);
}

static void test_distinct(void **state)
{
	struct dpool p;
	struct dcount c;
	uint64_t est;

	(void)state;
	assert_int_equal(dpool_init(&p, 4, DC_HLL_BITS), 0);
	memset(&c, 0, sizeof(c));
	for (uint64_t i = 0; i < 100000; i++)
		dc_add(&c, &p, detect_mix(i));
	for (uint64_t i = 0; i < 100000; i++) /* repeats change nothing */
		dc_add(&c, &p, detect_mix(i));
	est = dc_estimate(&c, &p);
	assert_true(est > 92000 && est < 108000);
	memset(&c, 0, sizeof(c));
	for (uint64_t i = 0; i < 10; i++)
		dc_add(&c, &p, detect_mix(i));
	assert_int_equal(dc_estimate(&c, &p), 10);
	dpool_free(&p);
	/* the sampling model: sparse targets scale by n, dense ones do not */
	assert_int_equal(detect_distinct(100, 1000, 10), 1000);
	assert_true(detect_distinct(100, 100 * 200, 10) < 110);
	assert_int_equal(detect_distinct(100, 1000, 1), 100);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "events-", 7) == 0;
	if (d)
		closedir(d);
	return n;
}

static void test_evlog(void **state)
{
	char dir[] = "/tmp/vigil-evlog-XXXXXX";
	struct evlog_opts o = { .max_bytes = 1000, .max_age_ms = 3600000, .sync = 1 };
	struct evlog *l;
	struct event e[3];
	char path[700], buf[8192];
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 3; i++) {
		event_init(&e[i]);
		snprintf(e[i].kind, sizeof(e[i].kind), "scan");
		addr_parse("10.0.0.1", &e[i].host);
		e[i].first_ms = e[i].last_ms = T0;
		snprintf(e[i].why, sizeof(e[i].why), "event %d", i);
	}
	assert_int_equal(evlog_open(dir, &o, &l), 0);
	assert_int_equal(evlog_append(l, e, 3, T0), 0);
	assert_non_null(strstr(evlog_current(l), "events-20240301T100000Z.jsonl"));
	snprintf(path, sizeof(path), "%s", evlog_current(l));
	assert_int_equal(evlog_append(l, e, 3, T0 + 1000), 0); /* > 1000 bytes: next rotates */
	assert_int_equal(evlog_append(l, e, 1, T0 + 2000), 0);
	assert_int_equal(count_files(dir), 2);
	snprintf(path, sizeof(path), "%s", evlog_current(l));
	evlog_close(l);
	/* a torn last line (crash mid-write) is cut when the log is reopened */
	f = fopen(path, "a");
	fputs("{\"kind\":\"sc", f);
	fclose(f);
	assert_int_equal(evlog_open(dir, &o, &l), 0);
	assert_int_equal(evlog_append(l, e, 1, T0 + 3000), 0);
	evlog_close(l);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_null(strstr(buf, "{\"kind\":\"sc{"));
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		struct event back;
		char err[128];

		assert_int_equal(event_from_json(line, (size_t)(nl - line), &back, err, sizeof(err)), 0);
	}
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_network), cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_sampled),  cmocka_unit_test(test_allow_and_cap),
		cmocka_unit_test(test_sampled_no_false_alarm), cmocka_unit_test(test_count_text),
		cmocka_unit_test(test_portscan_inbound), cmocka_unit_test(test_lists),
		cmocka_unit_test(test_partial_block),
		cmocka_unit_test(test_list_edges),
		cmocka_unit_test(test_windows),       cmocka_unit_test(test_dos),
		cmocka_unit_test(test_score),         cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_evlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
