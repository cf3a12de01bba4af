/*
 * test_collect.c - unit tests of the collector library: option and config
 * parsing (listen addresses, allow-list, sampling, durations, store keys),
 * a capture read into a store and the sinks, and a live run on loopback
 * with hand-built NetFlow v5 packets: allow-list refusal, bad packets,
 * counters, a reload that changes the allow-list, and a clean stop that
 * leaves every received flow in the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collect/collect.h"
#include "store/store.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void test_listen_specs(void **state)
{
	struct collect_opts o;
	struct vaddr a;

	(void)state;
	collect_opts_init(&o);
	assert_int_equal(collect_opts_add_listen(&o, "2055"), 0);
	assert_int_equal(o.nlisten, 2);
	addr_parse("::", &a);
	assert_true(addr_eq(&o.listen[0].addr, &a));
	assert_int_equal(o.listen[1].port, 2055);
	assert_true(addr_is_v4(&o.listen[1].addr));
	assert_int_equal(collect_opts_add_listen(&o, "2055"), 0); /* duplicates folded */
	assert_int_equal(o.nlisten, 2);
	assert_int_equal(collect_opts_add_listen(&o, "127.0.0.1:9995"), 0);
	assert_int_equal(o.listen[2].port, 9995);
	assert_int_equal(collect_opts_add_listen(&o, "[2001:db8::1]:4739"), 0);
	addr_parse("2001:db8::1", &a);
	assert_true(addr_eq(&o.listen[3].addr, &a));
	assert_int_equal(o.listen[3].port, 4739);
	assert_int_equal(collect_opts_add_listen(&o, "2001:db8::1:4739"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_listen(&o, "127.0.0.1:0"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_listen(&o, "127.0.0.1:70000"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_listen(&o, "nohost:2055"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_listen(&o, "[::1:2055"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_listen(&o, ""), VIGIL_EINVAL);
	assert_int_equal(o.nlisten, 4);
	for (int i = 0; i < 100; i++) {
		char s[32];
		snprintf(s, sizeof(s), "127.0.0.1:%d", 10000 + i);
		int rc = collect_opts_add_listen(&o, s);
		assert_true(rc == 0 || rc == VIGIL_ELIMIT);
	}
	assert_int_equal(o.nlisten, COLLECT_MAX_LISTEN);
	collect_opts_free(&o);
}

static void test_allow_sampling(void **state)
{
	struct collect_opts o;
	struct vaddr a;

	(void)state;
	collect_opts_init(&o);
	assert_int_equal(collect_opts_add_allow(&o, "192.0.2.0/24"), 0);
	assert_int_equal(collect_opts_add_allow(&o, "2001:db8::/32"), 0);
	assert_int_equal(collect_opts_add_allow(&o, "not-a-prefix"), VIGIL_EINVAL);
	assert_int_equal(o.nallow, 2);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1 100"), 0);
	assert_int_equal(collect_opts_add_sampling(&o, "  2001:db8::9\t512"), 0);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1 1000"), 0); /* replaces */
	assert_int_equal(o.nsampling, 2);
	addr_parse("192.0.2.1", &a);
	assert_true(addr_eq(&o.sampling[0].exporter, &a));
	assert_int_equal(o.sampling[0].rate, 1000);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1 0"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1 -5"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_sampling(&o, "192.0.2.1 10x"), VIGIL_EINVAL);
	assert_int_equal(collect_opts_add_sampling(&o, "bogus 10"), VIGIL_EINVAL);
	collect_opts_free(&o);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vigil-collect-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_conf(void **state)
{
	struct collect_opts o;
	struct conf *cf = NULL;
	char err[256] = "";
	char *p = write_tmp("[collect]\nlisten = [::]:2055\nlisten = 0.0.0.0:4739\n"
			    "rcvbuf = 8M\nallow = 10.0.0.0/8\nallow = 192.0.2.1\n"
			    "sampling = 10.1.1.1 64\nuser = vigil\nstats_interval = 10s\nqueue = 16\n"
			    "[store]\ndir = /srv/flows\nsegment = 10m\nflush = 200ms\ncodec = lz4\n"
			    "level = 1\nsync = false\n");

	(void)state;
	collect_opts_init(&o);
	assert_int_equal(conf_load(p, &cf, err, sizeof(err)), 0);
	unlink(p);
	assert_int_equal(collect_opts_from_conf(&o, cf, err, sizeof(err)), 0);
	assert_int_equal(o.nlisten, 2);
	assert_int_equal(o.listen[1].port, 4739);
	assert_int_equal(o.rcvbuf, 8 << 20);
	assert_int_equal(o.nallow, 2);
	assert_int_equal(o.nsampling, 1);
	assert_int_equal(o.sampling[0].rate, 64);
	assert_string_equal(o.user, "vigil");
	assert_int_equal(o.stats_interval_ms, 10000);
	assert_int_equal(o.queue_batches, 16);
	assert_string_equal(o.store_dir, "/srv/flows");
	assert_int_equal(o.store.segment_ms, 600000);
	assert_int_equal(o.store.flush_ms, 200);
	assert_int_equal(o.store.codec, STORE_LZ4);
	assert_int_equal(o.store.level, 1);
	assert_int_equal(o.store.sync, -1);
	collect_opts_free(&o);
	conf_free(cf);

	/* defaults with no file */
	collect_opts_init(&o);
	assert_int_equal(collect_opts_from_conf(&o, NULL, err, sizeof(err)), 0);
	assert_int_equal(o.rcvbuf, 64 << 20);
	assert_int_equal(o.store.flush_ms, 1000);
	assert_int_equal(o.store.segment_ms, 300000);
	assert_string_equal(o.store_dir, "./var/flows");
	assert_int_equal(o.store.codec, STORE_ZSTD);
	collect_opts_free(&o);

	/* each bad value is refused with the key named */
	static const char *bad[] = {
		"[collect]\nlisten = nowhere\n", "[collect]\nallow = 300.1.1.1/8\n",
		"[collect]\nsampling = 10.0.0.1\n", "[collect]\nrcvbuf = lots\n",
		"[store]\nflush = soon\n", "[store]\ncodec = gzip\n", "[collect]\nqueue = 1\n",
	};
	static const char *key[] = { "listen", "allow", "sampling", "rcvbuf", "flush", "codec", "queue" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		collect_opts_init(&o);
		p = write_tmp(bad[i]);
		assert_int_equal(conf_load(p, &cf, err, sizeof(err)), 0);
		unlink(p);
		err[0] = '\0';
		assert_true(collect_opts_from_conf(&o, cf, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, key[i]));
		collect_opts_free(&o);
		conf_free(cf);
	}
}

/* ---- capture and live runs ---- */

struct counter {
	pthread_mutex_t mu;
	uint64_t flows, calls;
};

static void count_sink(void *ctx, const struct flow *f, size_t n)
{
	struct counter *k = ctx;

	(void)f;
	pthread_mutex_lock(&k->mu);
	k->flows += n;
	k->calls++;
	pthread_mutex_unlock(&k->mu);
}

/* Wait (up to 20 s) until the sink has seen n flows. */
static bool wait_flows(struct counter *k, uint64_t n)
{
	for (int i = 0; i < 2000; i++) {
		uint64_t got;
		pthread_mutex_lock(&k->mu);
		got = k->flows;
		pthread_mutex_unlock(&k->mu);
		if (got >= n)
			return got == n;
		usleep(10000);
	}
	return false;
}

static uint64_t store_rows(const char *dir)
{
	struct store_select sel = { INT64_MIN, INT64_MAX, NULL, 0 };
	struct store_reader *r = NULL;
	struct store_reader_stats st;
	const struct flow *f;
	size_t n;
	uint64_t rows = 0;
	int rc;

	assert_int_equal(store_reader_open(dir, &sel, &r), 0);
	while ((rc = store_reader_next(r, &f, &n)) > 0)
		rows += n;
	assert_int_equal(rc, 0);
	store_reader_get_stats(r, &st);
	assert_int_equal(st.bad_blocks, 0);
	store_reader_close(r);
	return rows;
}

static void rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_capture(void **state)
{
	char dir[] = "/tmp/vigil-collect-cap-XXXXXX";
	char path[1024], err[256] = "";
	struct collect_opts o;
	struct collect *c = NULL;
	struct collect_totals t;
	struct counter k = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	collect_opts_init(&o);
	snprintf(o.store_dir, sizeof(o.store_dir), "%s/store", dir);
	assert_int_equal(collect_new(&o, false, &c, err, sizeof(err)), 0);
	assert_int_equal(collect_add_sink(c, count_sink, &k), 0);
	snprintf(path, sizeof(path), "%s/tests/collect/data/export-v9.pcap", VIGIL_SOURCE_DIR);
	assert_int_equal(collect_read_capture(c, path, err, sizeof(err)), 240);
	snprintf(path, sizeof(path), "%s/tests/collect/data/export-v5.pcap", VIGIL_SOURCE_DIR);
	assert_int_equal(collect_read_capture(c, path, err, sizeof(err)), 180);
	assert_true(collect_read_capture(c, "/nonexistent.pcap", err, sizeof(err)) < 0);
	assert_int_equal(collect_finish(c), 0);
	assert_int_equal(collect_finish(c), 0); /* idempotent */
	collect_get_totals(c, &t);
	assert_int_equal(t.flows, 420);
	assert_int_equal(t.stored, 420);
	assert_int_equal(t.packets, 15);
	assert_int_equal(k.flows, 420);
	assert_int_equal(collect_add_sink(c, count_sink, &k), VIGIL_ESTATE);
	collect_free(c);
	collect_opts_free(&o);
	snprintf(path, sizeof(path), "%s/store", dir);
	assert_int_equal(store_rows(path), 420);
	rm_rf(dir);
}

/* A NetFlow v5 packet with nrec records; returns its length. */
static size_t v5_packet(uint8_t *p, int nrec, uint32_t seq, uint32_t base)
{
	uint8_t *q = p;
	uint32_t now = (uint32_t)time(NULL);

#define P16(v) do { uint16_t x_ = htons((uint16_t)(v)); memcpy(q, &x_, 2); q += 2; } while (0)
#define P32(v) do { uint32_t x_ = htonl((uint32_t)(v)); memcpy(q, &x_, 4); q += 4; } while (0)
	P16(5); P16(nrec); P32(100000); P32(now); P32(0); P32(seq);
	*q++ = 0; *q++ = 0; P16(0);
	for (int i = 0; i < nrec; i++) {
		P32(0x0a000000u + base + (uint32_t)i); P32(0xc0000201u); P32(0);
		P16(1); P16(2); P32(3); P32(300 + i); P32(90000); P32(99000);
		P16(40000 + i); P16(443); *q++ = 0; *q++ = 0x1b; *q++ = 6; *q++ = 0;
		P16(0); P16(0); *q++ = 24; *q++ = 24; P16(0);
	}
	return (size_t)(q - p);
#undef P16
#undef P32
}

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void send_from(const char *src, int port, const void *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, src, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	to.sin_port = htons((uint16_t)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	close(fd);
}

static void *run_thread(void *arg)
{
	static int rc;

	rc = collect_run(arg);
	return &rc;
}

static void test_live(void **state)
{
	char dir[] = "/tmp/vigil-collect-live-XXXXXX";
	char spec[64], err[256] = "", path[600];
	struct collect_opts o;
	struct collect *c = NULL;
	struct collect_totals t;
	struct counter k = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	struct conf *cf = NULL;
	uint8_t pkt[2048];
	pthread_t th;
	void *ret;
	int port = free_port();
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	collect_opts_init(&o);
	snprintf(o.store_dir, sizeof(o.store_dir), "%s/store", dir);
	snprintf(o.user, sizeof(o.user), "root");
	o.store.flush_ms = 100;
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	assert_int_equal(collect_opts_add_listen(&o, spec), 0);
	assert_int_equal(collect_opts_add_allow(&o, "127.0.0.1/32"), 0);
	assert_int_equal(collect_new(&o, true, &c, err, sizeof(err)), 0);
	assert_int_equal(collect_drop_privileges(c, err, sizeof(err)), 0);
	assert_int_equal(collect_add_sink(c, count_sink, &k), 0);
	assert_int_equal(pthread_create(&th, NULL, run_thread, c), 0);

	/* One socket delivers in order: once the sink has the flows of the last
	 * packet, every earlier datagram has been handled. */
	len = v5_packet(pkt, 2, 0, 100);
	send_from("127.0.0.2", port, pkt, len);  /* denied */
	send_from("127.0.0.1", port, "\x00\x05garbage", 9);  /* bad */
	len = v5_packet(pkt, 2, 0, 0);
	send_from("127.0.0.1", port, pkt, len);
	len = v5_packet(pkt, 3, 2, 2);
	send_from("127.0.0.1", port, pkt, len);
	len = v5_packet(pkt, 4, 10, 5);          /* 5 flows lost by sequence */
	send_from("127.0.0.1", port, pkt, len);
	assert_true(wait_flows(&k, 9));

	/* reload: now 127.0.0.2 is allowed too */
	char *p = write_tmp("[collect]\nallow = 127.0.0.0/30\n");
	assert_int_equal(conf_load(p, &cf, err, sizeof(err)), 0);
	unlink(p);
	assert_int_equal(collect_reload(c, cf, err, sizeof(err)), 0);
	conf_free(cf);
	usleep(300000);                          /* the loop takes the new policy when woken */
	len = v5_packet(pkt, 7, 0, 200);
	send_from("127.0.0.2", port, pkt, len);
	assert_true(wait_flows(&k, 16));
	collect_request_stats(c);
	collect_stop(c);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_int_equal(*(int *)ret, 0);

	collect_get_totals(c, &t);
	assert_int_equal(t.packets, 5);   /* 4 from .1 (one bad) + 1 from .2 after the reload */
	assert_int_equal(t.flows, 2 + 3 + 4 + 7);
	assert_int_equal(t.stored, t.flows);
	assert_int_equal(t.bad_packets, 1);
	assert_int_equal(t.denied, 1);
	assert_int_equal(t.seq_lost, 5);
	assert_int_equal(t.kernel_drops, 0);
	assert_int_equal(k.flows, t.flows);
	collect_stats(c, stderr, true);
	collect_free(c);
	collect_opts_free(&o);
	snprintf(path, sizeof(path), "%s/store", dir);
	assert_int_equal(store_rows(path), 16);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_specs),
		cmocka_unit_test(test_allow_sampling),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
