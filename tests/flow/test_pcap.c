/*
 * test_pcap.c - flow_pcap_read on captures written here with libpcap:
 * every link type it claims (Ethernet with VLAN tags, Linux SLL and SLL2,
 * raw IP, BSD null/loop), IPv4 and IPv6 with an extension header, UDP on
 * an unusual port, fragments skipped and counted, other traffic skipped;
 * then the softflowd fixtures in tests/flow/data (pcap and pcapng).
 */
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "util/err.h"

static char tmpdir[] = "/tmp/vigil-flow-pcap-XXXXXX";

/* A one-record NetFlow v5 export. */
static void v5(struct pb *p)
{
	pb_u16(p, 5);
	pb_u16(p, 1);
	pb_u32(p, 1000);
	pb_u32(p, 1700000000);
	pb_u32(p, 0);
	pb_u32(p, 0);
	pb_u32(p, 0);
	pb_u32(p, 0x0a000001);
	pb_u32(p, 0x0a000002);
	pb_u32(p, 0);
	pb_u32(p, 0);
	pb_u32(p, 1);
	pb_u32(p, 100);
	pb_u32(p, 900);
	pb_u32(p, 950);
	pb_u16(p, 1);
	pb_u16(p, 2);
	pb_u32(p, 17);
	pb_u32(p, 0);
	pb_u32(p, 0);
}

enum frag { NOFRAG, FRAG };

static void udp(struct pb *p, uint16_t dport, const struct pb *payload)
{
	pb_u16(p, 50000);
	pb_u16(p, dport);
	pb_u16(p, (uint16_t)(8 + payload->n));
	pb_u16(p, 0);
	pb_bytes(p, payload->b, payload->n);
}

static void ip4(struct pb *p, uint8_t proto, enum frag fr, const struct pb *payload)
{
	struct pb u = { .n = 0 };

	if (proto == 17)
		udp(&u, 9999, payload);
	else
		pb_bytes(&u, payload->b, payload->n);
	pb_u8(p, 0x45);
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(20 + u.n));
	pb_u16(p, 1);
	pb_u16(p, fr == FRAG ? 0x2000 : 0x4000); /* MF, or DF */
	pb_u8(p, 64);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_u32(p, 0xc0000209); /* 192.0.2.9 */
	pb_u32(p, 0xc0000201);
	pb_bytes(p, u.b, u.n);
}

static void ip6(struct pb *p, enum frag fr, const struct pb *payload)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	struct pb u = { .n = 0 };

	udp(&u, 2055, payload);
	pb_u32(p, 0x60000000);
	pb_u16(p, (uint16_t)(8 + (fr == FRAG ? 8 : 0) + u.n));
	pb_u8(p, 0); /* hop-by-hop options first */
	pb_u8(p, 64);
	pb_bytes(p, src, 16);
	pb_bytes(p, src, 16);
	pb_u8(p, fr == FRAG ? 44 : 17);
	pb_u8(p, 0);
	pb_u16(p, 0x0104); /* PadN */
	pb_u32(p, 0);
	if (fr == FRAG) {
		pb_u8(p, 17);
		pb_u8(p, 0);
		pb_u16(p, 1); /* more fragments */
		pb_u32(p, 7);
	}
	pb_bytes(p, u.b, u.n);
}

static void write_pcap(const char *path, int dlt, struct pb *frames, size_t n)
{
	pcap_t *pd = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *dp;

	assert_non_null(pd);
	dp = pcap_dump_open(pd, path);
	assert_non_null(dp);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)frames[i].n,
					 .len = (bpf_u_int32)frames[i].n };

		h.ts.tv_sec = 1700000000 + (long)i;
		pcap_dump((u_char *)dp, &h, frames[i].b);
	}
	pcap_dump_close(dp);
	pcap_close(pd);
}

/* Frames for one link type: v5 over IPv4, v5 over IPv6, an IPv4 fragment,
 * an IPv6 fragment, a TCP segment, a UDP datagram that is not an export. */
static size_t frames_for(int dlt, struct pb *f)
{
	static struct pb nf, junk, l3[6];
	size_t n = 0;

	nf.n = 0;
	v5(&nf);
	junk.n = 0;
	pb_u32(&junk, 0x12340100); /* DNS-ish */
	for (int i = 0; i < 6; i++)
		l3[i].n = 0;
	ip4(&l3[0], 17, NOFRAG, &nf);
	ip6(&l3[1], NOFRAG, &nf);
	ip4(&l3[2], 17, FRAG, &nf);
	ip6(&l3[3], FRAG, &nf);
	ip4(&l3[4], 6, NOFRAG, &junk);
	ip4(&l3[5], 17, NOFRAG, &junk);
	for (int i = 0; i < 6; i++) {
		struct pb *p = &f[n++];
		int v6 = i == 1 || i == 3;

		p->n = 0;
		switch (dlt) {
		case DLT_EN10MB:
			for (int k = 0; k < 12; k++)
				pb_u8(p, 2);
			pb_u16(p, 0x8100); /* one VLAN tag */
			pb_u16(p, 42);
			pb_u16(p, v6 ? 0x86dd : 0x0800);
			break;
		case DLT_LINUX_SLL:
			pb_u16(p, 0);
			pb_u16(p, 772);
			pb_u16(p, 6);
			for (int k = 0; k < 8; k++)
				pb_u8(p, 0);
			pb_u16(p, v6 ? 0x86dd : 0x0800);
			break;
		case DLT_LINUX_SLL2:
			pb_u16(p, v6 ? 0x86dd : 0x0800);
			pb_u16(p, 0);
			pb_u32(p, 1);
			pb_u16(p, 772);
			pb_u8(p, 0);
			pb_u8(p, 6);
			for (int k = 0; k < 8; k++)
				pb_u8(p, 0);
			break;
		case DLT_NULL: /* host byte order; written little-endian here */
			pb_u8(p, v6 ? 30 : 2);
			pb_u8(p, 0);
			pb_u8(p, 0);
			pb_u8(p, 0);
			break;
		case DLT_LOOP:
			pb_u32(p, v6 ? 30 : 2);
			break;
		default:
			break;
		}
		pb_bytes(p, l3[i].b, l3[i].n);
	}
	return n;
}

static long count_flows;

static void count_emit(void *ctx, const struct flow *f, size_t n)
{
	(void)ctx;
	(void)f;
	count_flows += (long)n;
}

static void test_link_types(void **state)
{
	static struct pb frames[8];
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
				    DLT_NULL, DLT_LOOP };

	(void)state;
	for (size_t i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		char path[128], err[256];
		struct flow_decoder *d = flow_decoder_new(NULL);
		struct flow_pcap_stats ps;
		size_t n = frames_for(dlts[i], frames);
		long got;

		snprintf(path, sizeof(path), "%s/l%d.pcap", tmpdir, dlts[i]);
		write_pcap(path, dlts[i], frames, n);
		count_flows = 0;
		got = flow_pcap_read(path, d, count_emit, NULL, err, sizeof(err));
		print_message("dlt %d: %ld flows\n", dlts[i], got);
		assert_int_equal(got, 2);
		assert_int_equal(count_flows, 2);
		flow_decoder_pcap_stats(d, &ps);
		assert_int_equal(ps.frames, 6);
		assert_int_equal(ps.fragments, 2);
		assert_int_equal(ps.exports, 2);
		assert_int_equal(ps.udp, 3);
		assert_int_equal(ps.skipped, 2);
		unlink(path);
		flow_decoder_free(d);
	}
}

static void test_missing_file(void **state)
{
	char err[256] = "";
	struct flow_decoder *d = flow_decoder_new(NULL);

	(void)state;
	assert_int_equal(flow_pcap_read("/nonexistent/x.pcap", d, count_emit, NULL, err, sizeof(err)),
			 VIGIL_EIO);
	assert_true(err[0] != 0);
	flow_decoder_free(d);
}

static struct sink fx;

static void test_fixtures(void **state)
{
	static const struct {
		const char *name;
		long flows;
		uint32_t sampling;
		uint8_t version;
	} fixtures[] = {
		{ "softflowd-v5.pcap", 450, 1, 5 },
		{ "softflowd-v9.pcapng", 600, 1, 9 },
		{ "softflowd-ipfix.pcap", 600, 1, 10 },
		{ "softflowd-ipfix-ns.pcap", 600, 1, 10 },
		{ "softflowd-v9-sampled.pcap", 179, 10, 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char path[512], err[256];
		struct flow_decoder *d = flow_decoder_new(NULL);
		long n;

		snprintf(path, sizeof(path), "%s/tests/flow/data/%s", VIGIL_SOURCE_DIR,
			 fixtures[i].name);
		fx.n = 0;
		n = flow_pcap_read(path, d, sink_emit, &fx, err, sizeof(err));
		assert_int_equal(n, fixtures[i].flows);
		for (size_t k = 0; k < fx.n; k++) {
			assert_int_equal(fx.f[k].sampling, fixtures[i].sampling);
			assert_int_equal(fx.f[k].version, fixtures[i].version);
			assert_true(fx.f[k].packets > 0);
		}
		struct flow_exporter_stats st = stats_of(d, fixtures[i].version);
		assert_int_equal(st.bad_packets, 0);
		/* softflowd 1.1.0's IPFIX sequence numbers are off by a few per
		 * message (tshark flags them too); its v5 and v9 ones are exact */
		if (fixtures[i].version != 10)
			assert_int_equal(st.seq_gaps, 0);
		assert_int_equal(st.records, (uint64_t)fixtures[i].flows);
		flow_decoder_free(d);
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
