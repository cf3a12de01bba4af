/*
 * test_nat_parse.c - the NAT log readers: Cisco ASA translation and
 * connection messages (time stamp variants, PAT pairing by connection id),
 * Linux conntrack events recorded from the real kernel
 * (tests/nat/data/conntrack-events.log, made by make-conntrack.sh), Juniper
 * SRX classic and structured sessions, format detection, feeding in pieces,
 * bad and over-long lines named with their number, and every NAT sample of
 * ../shared/data/natlogs (skipped when absent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow/flow.h"
#include "nat/nat.h"
#include "util/err.h"
#include "util/vtime.h"

#define FIX(name) VIGIL_SOURCE_DIR "/tests/nat/data/" name
#define SAMPLE(name) VIGIL_SOURCE_DIR "/samples/nat/" name
#define NATLOGS(name) VIGIL_DATA_DIR "/natlogs/" name

/* ---- helpers ----------------------------------------------------------- */

#define MAX_RECS 512

struct got {
	struct nat_rec r[MAX_RECS];
	size_t n;
	uint32_t bad_line[64];
	char bad_msg[64][160];
	size_t nbad;
};

static int emit(void *ctx, const struct nat_rec *r)
{
	struct got *g = ctx;
	if (g->n < MAX_RECS)
		g->r[g->n] = *r;
	g->n++;
	return 0;
}

static void bad(void *ctx, uint32_t line, const char *msg)
{
	struct got *g = ctx;
	if (g->nbad < 64) {
		g->bad_line[g->nbad] = line;
		snprintf(g->bad_msg[g->nbad], sizeof(g->bad_msg[0]), "%s", msg);
	}
	g->nbad++;
}

/* Read text with fmt (NULL: detect), feeding it in pieces of `piece` bytes
 * (0: all at once). */
static struct nat_reader_stats read_text(const char *fmt, const char *text, size_t len,
					 size_t piece, struct got *g, const char **detected)
{
	struct nat_reader *rd;
	struct nat_reader_stats st;
	struct nat_fmt_opts o = { .year = 2024 };
	const struct nat_format *f = fmt ? nat_format_find(fmt) : NULL;

	memset(g, 0, sizeof(*g));
	if (fmt)
		assert_non_null(f);
	assert_int_equal(nat_reader_new(f, &o, emit, bad, g, &rd), 0);
	if (!piece)
		piece = len ? len : 1;
	for (size_t at = 0; at < len; at += piece)
		assert_int_equal(nat_reader_feed(rd, text + at, len - at < piece ? len - at : piece), 0);
	assert_int_equal(nat_reader_finish(rd), 0);
	nat_reader_get_stats(rd, &st);
	if (detected)
		*detected = nat_reader_format(rd) ? nat_reader_format(rd)->name : NULL;
	nat_reader_free(rd);
	return st;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void assert_addr(const struct vaddr *a, const char *want)
{
	char buf[ADDR_STRLEN];
	assert_string_equal(addr_format(a, buf), want);
}

static int64_t T(const char *s)
{
	int64_t ms;
	assert_int_equal(vtime_parse(s, &ms), 0);
	return ms;
}

static bool have_data(const char *path)
{
	if (access(path, R_OK) == 0)
		return true;
	printf("SKIP: %s not present\n", path);
	return false;
}

/* ---- Cisco ASA --------------------------------------------------------- */

static void test_asa_translation(void **state)
{
	(void)state;
	static const char log[] =
		"Mar 01 2024 10:09:55: %ASA-6-305011: Built dynamic TCP translation from inside:172.16.20.37/51413 to outside:10.10.9.1/40123\n"
		"Mar 01 2024 10:25:28: %ASA-6-305012: Teardown dynamic TCP translation from inside:172.16.20.37/51413 to outside:10.10.9.1/40123 duration 0:15:33\n"
		"<166>Mar  1 2024 11:00:00 gw1 : %ASA-6-305011: Built dynamic UDP translation from inside:172.16.20.40/53211 to outside:10.10.9.1/40777\n"
		"2024-03-01T12:00:00Z gw1 %ASA-6-305012: Teardown dynamic UDP translation from inside:172.16.20.40/53211 to outside:10.10.9.1/40777 duration 1:00:00\n"
		"Mar 01 2024 10:10:30: %ASA-4-106023: Deny tcp src outside:203.0.113.9/4431 dst inside:10.10.9.1/22 by access-group \"outside_in\" [0x0, 0x0]\n";
	struct got *g = calloc(1, sizeof(*g));
	const char *det;
	struct nat_reader_stats st = read_text(NULL, log, sizeof(log) - 1, 0, g, &det);

	assert_string_equal(det, "asa");
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.other, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(g->r[0].ev, NAT_OPEN);
	assert_int_equal(g->r[0].proto, 6);
	assert_addr(&g->r[0].inside, "172.16.20.37");
	assert_int_equal(g->r[0].inside_port, 51413);
	assert_addr(&g->r[0].outside, "10.10.9.1");
	assert_int_equal(g->r[0].outside_port, 40123);
	assert_int_equal(g->r[0].start_ms, T("2024-03-01T10:09:55Z"));
	assert_int_equal(g->r[0].line, 1);
	/* the teardown: end, and the start from the duration */
	assert_int_equal(g->r[1].ev, NAT_CLOSE);
	assert_int_equal(g->r[1].end_ms, T("2024-03-01T10:25:28Z"));
	assert_int_equal(g->r[1].start_ms, T("2024-03-01T10:09:55Z"));
	assert_int_equal(g->r[1].line, 2);
	/* a syslog PRI and host, a one-digit day */
	assert_int_equal(g->r[2].proto, 17);
	assert_int_equal(g->r[2].start_ms, T("2024-03-01T11:00:00Z"));
	/* an ISO stamp and an hour-long duration */
	assert_int_equal(g->r[3].end_ms, T("2024-03-01T12:00:00Z"));
	assert_int_equal(g->r[3].start_ms, T("2024-03-01T11:00:00Z"));
	free(g);
}

static void test_asa_connections(void **state)
{
	(void)state;
	/* PAT seen only through connection messages: the mapped port in
	 * parentheses differs from the real one; the teardown names only the
	 * real addresses and is paired with its build by the connection id */
	static const char log[] =
		"Mar 01 2024 10:09:55: %ASA-6-302013: Built outbound TCP connection 4802 for outside:203.0.113.140/6881 (203.0.113.140/6881) to inside:172.16.20.37/51413 (10.10.9.1/40123)\n"
		"Mar 01 2024 10:09:56: %ASA-6-302015: Built outbound UDP connection 4803 for outside:203.0.113.53/53 (203.0.113.53/53) to inside:172.16.20.38/5353 (10.10.9.1/40200)\n"
		"Mar 01 2024 10:24:58: %ASA-6-302014: Teardown TCP connection 4802 for outside:203.0.113.140/6881 to inside:172.16.20.37/51413 duration 0:15:03 bytes 734013472 TCP FINs\n"
		"Mar 01 2024 10:10:26: %ASA-6-302016: Teardown UDP connection 4803 for outside:203.0.113.53/53 to inside:172.16.20.38/5353 duration 0:00:30 bytes 120\n"
		"Mar 01 2024 10:30:00: %ASA-6-302014: Teardown TCP connection 9999 for outside:203.0.113.1/80 to inside:172.16.20.39/5000 duration 0:00:01 bytes 10 TCP FINs\n"
		"Mar 01 2024 10:31:00: %ASA-6-302013: Built outbound TCP connection 5000 for outside:192.0.2.222/1234 (192.0.2.222/1234) to dmz:OCSP_Server/5678 (OCSP_Server/5678)\n";
	struct got *g = calloc(1, sizeof(*g));
	struct nat_reader_stats st = read_text("asa", log, sizeof(log) - 1, 0, g, NULL);

	assert_int_equal(st.lines, 6);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.bad, 1);
	assert_int_equal(g->bad_line[0], 6); /* an object name where an address belongs */
	assert_addr(&g->r[0].inside, "172.16.20.37");
	assert_addr(&g->r[0].outside, "10.10.9.1");
	assert_int_equal(g->r[0].outside_port, 40123);
	assert_int_equal(g->r[0].ev, NAT_OPEN);
	assert_true(g->r[0].has_peer);
	assert_addr(&g->r[0].peer, "203.0.113.140");
	assert_int_equal(g->r[1].proto, 17);
	assert_int_equal(g->r[1].outside_port, 40200);
	/* teardown 4802: the mapping it built, closed */
	assert_int_equal(g->r[2].ev, NAT_CLOSE);
	assert_addr(&g->r[2].outside, "10.10.9.1");
	assert_int_equal(g->r[2].outside_port, 40123);
	assert_int_equal(g->r[2].end_ms, T("2024-03-01T10:24:58Z"));
	assert_int_equal(g->r[2].start_ms, T("2024-03-01T10:09:55Z"));
	assert_int_equal(g->r[3].outside_port, 40200);
	/* connection 9999 was never built in this log and translated nothing
	 * we know of: not a mapping */
	free(g);
}

/* ---- conntrack, recorded from the kernel ------------------------------- */

static void test_conntrack_real(void **state)
{
	(void)state;
	size_t len;
	char *text = slurp(FIX("conntrack-events.log"), &len);
	struct got *g = calloc(1, sizeof(*g));
	const char *det;

	assert_non_null(text);
	struct nat_reader_stats st = read_text(NULL, text, len, 0, g, &det);
	assert_string_equal(det, "conntrack");
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.records, 10); /* 5 NEW, 5 DESTROY; the UPDATEs are other */
	assert_int_equal(st.other, st.lines - 10);
	size_t opens = 0, closes = 0;
	for (size_t i = 0; i < g->n && i < MAX_RECS; i++) {
		const struct nat_rec *r = &g->r[i];
		char in[ADDR_STRLEN];
		/* masquerade: every inside host behind the gateway's one address */
		assert_addr(&r->outside, "198.51.100.1");
		addr_format(&r->inside, in);
		assert_true(!strcmp(in, "172.16.30.10") || !strcmp(in, "172.16.30.11"));
		assert_true(r->proto == 6 || r->proto == 17);
		assert_true(r->outside_port > 0);
		if (r->ev == NAT_OPEN) {
			opens++;
			assert_true(r->start_ms > T("2026-01-01T00:00:00Z"));
		} else {
			closes++;
			assert_true(r->end_ms > 0);
		}
	}
	assert_int_equal(opens, 5);
	assert_int_equal(closes, 5);
	/* the first line, exactly: [1796530257.603784] [NEW] tcp src=172.16.30.10
	 * sport=43997 ... reply dst=198.51.100.1 dport=61614 */
	assert_int_equal(g->r[0].ev, NAT_OPEN);
	assert_int_equal(g->r[0].inside_port, 43997);
	assert_int_equal(g->r[0].outside_port, 61614);
	assert_int_equal(g->r[0].start_ms, 1796530257603LL);
	assert_addr(&g->r[0].peer, "198.51.100.2");
	assert_int_equal(g->r[0].peer_port, 8080);
	assert_int_equal(g->r[0].line, 1);
	free(g);
	free(text);
}

static void test_conntrack_forms(void **state)
{
	(void)state;
	static const char log[] =
		/* destination NAT (a port forward): the reply comes from the inside server */
		"[1709287200.000000]\t    [NEW] tcp      6 120 SYN_SENT src=203.0.113.7 dst=10.10.9.1 sport=51000 dport=8443 [UNREPLIED] src=172.16.20.80 dst=203.0.113.7 sport=443 dport=51000\n"
		/* not translated at all: other */
		"[1709287201.000000]\t    [NEW] udp      17 30 src=10.10.1.1 dst=192.0.2.53 sport=5000 dport=53 [UNREPLIED] src=192.0.2.53 dst=10.10.1.1 sport=53 dport=5000\n"
		/* extended form (layer 3 name and number first) */
		"[1709287202.500000] [DESTROY] ipv4     2 tcp      6 src=172.16.20.37 dst=203.0.113.140 sport=51413 dport=6881 src=203.0.113.140 dst=10.10.9.1 sport=6881 dport=40123 delta-time=900\n"
		/* cut short */
		"[1709287203.000000]\t    [NEW] tcp      6 120 SYN_SENT src=172.16.20.37 dst=\n";
	struct got *g = calloc(1, sizeof(*g));
	struct nat_reader_stats st = read_text("conntrack", log, sizeof(log) - 1, 0, g, NULL);

	assert_int_equal(st.lines, 4);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.other, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(g->bad_line[0], 4);
	assert_addr(&g->r[0].outside, "10.10.9.1");
	assert_int_equal(g->r[0].outside_port, 8443);
	assert_addr(&g->r[0].inside, "172.16.20.80");
	assert_int_equal(g->r[0].inside_port, 443);
	assert_int_equal(g->r[1].ev, NAT_CLOSE);
	assert_int_equal(g->r[1].end_ms, 1709287202500LL);
	assert_addr(&g->r[1].inside, "172.16.20.37");
	assert_int_equal(g->r[1].outside_port, 40123);
	free(g);
}

/* ---- Juniper SRX --------------------------------------------------------- */

static void test_srx(void **state)
{
	(void)state;
	static const char log[] =
		"<14>1 2024-03-01T10:00:00.000Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 source-address=\"172.16.40.5\" source-port=\"50000\" destination-address=\"198.51.100.80\" destination-port=\"443\" service-name=\"junos-https\" nat-source-address=\"10.10.9.2\" nat-source-port=\"31000\" nat-destination-address=\"198.51.100.80\" nat-destination-port=\"443\" src-nat-rule-name=\"r1\" dst-nat-rule-name=\"None\" protocol-id=\"6\"]\n"
		"<14>1 2024-03-01T10:05:00.000Z srx1 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.40 reason=\"TCP FIN\" source-address=\"172.16.40.5\" source-port=\"50000\" destination-address=\"198.51.100.80\" destination-port=\"443\" service-name=\"junos-https\" nat-source-address=\"10.10.9.2\" nat-source-port=\"31000\" nat-destination-address=\"198.51.100.80\" nat-destination-port=\"443\" protocol-id=\"6\" elapsed-time=\"300\"]\n"
		"Mar  1 10:06:00 srx1 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 172.16.40.6/40000->198.51.100.53/53 0x0 junos-dns-udp 10.10.9.2/31001->198.51.100.53/53 0x0 r1 N/A 17 policy1 trust untrust 12345 N/A(N/A) ge-0/0/1.0\n"
		"<14>1 2024-03-01T10:07:00.000Z srx1 RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.40 source-address=\"203.0.113.1\" source-port=\"1\" destination-address=\"10.10.9.2\" destination-port=\"22\"]\n"
		"<14>1 2024-03-01T10:08:00.000Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 source-address=\"172.16.40.7\" source-port=\"x\"]\n";
	struct got *g = calloc(1, sizeof(*g));
	const char *det;
	struct nat_reader_stats st = read_text(NULL, log, sizeof(log) - 1, 7, g, &det);

	assert_string_equal(det, "srx");
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.other, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(g->bad_line[0], 5);
	assert_int_equal(g->r[0].ev, NAT_OPEN);
	assert_addr(&g->r[0].outside, "10.10.9.2");
	assert_int_equal(g->r[0].outside_port, 31000);
	assert_addr(&g->r[0].inside, "172.16.40.5");
	assert_int_equal(g->r[0].proto, 6);
	assert_int_equal(g->r[0].start_ms, T("2024-03-01T10:00:00Z"));
	assert_int_equal(g->r[1].ev, NAT_CLOSE);
	assert_int_equal(g->r[1].end_ms, T("2024-03-01T10:05:00Z"));
	assert_int_equal(g->r[1].start_ms, T("2024-03-01T10:00:00Z"));
	assert_addr(&g->r[2].inside, "172.16.40.6");
	assert_int_equal(g->r[2].outside_port, 31001);
	assert_int_equal(g->r[2].start_ms, T("2024-03-01T10:06:00Z")); /* year from the options */
	free(g);
}

/* ---- the reader itself ------------------------------------------------- */

static void test_pieces_and_long_lines(void **state)
{
	(void)state;
	size_t len;
	char *text = slurp(SAMPLE("nat-gw1.log"), &len);
	struct got *whole = calloc(1, sizeof(*whole)), *bytes = calloc(1, sizeof(*bytes));

	assert_non_null(text);
	struct nat_reader_stats a = read_text(NULL, text, len, 0, whole, NULL);
	struct nat_reader_stats b = read_text(NULL, text, len, 1, bytes, NULL);
	assert_int_equal(a.records, 12);
	assert_int_equal(a.records, b.records);
	assert_int_equal(a.lines, b.lines);
	assert_memory_equal(whole->r, bytes->r, sizeof(whole->r[0]) * a.records);
	free(text);

	/* a line over 64 KiB is bad (named), the next one is read */
	size_t n = 70000 + 200;
	char *big = malloc(n);
	memset(big, 'x', 70000);
	big[69999] = '\n';
	size_t k = (size_t)snprintf(big + 70000, 200, "%s\n",
				    "Mar 01 2024 10:09:55: %ASA-6-305011: Built dynamic TCP translation from inside:172.16.20.37/51413 to outside:10.10.9.1/40123");
	struct nat_reader_stats c = read_text("asa", big, 70000 + k, 4096, whole, NULL);
	assert_int_equal(c.lines, 2);
	assert_int_equal(c.bad, 1);
	assert_int_equal(whole->bad_line[0], 1);
	assert_non_null(strstr(whole->bad_msg[0], "64 KiB"));
	assert_int_equal(c.records, 1);
	assert_int_equal(whole->r[0].line, 2);
	free(big);
	free(whole);
	free(bytes);
}

static void test_no_format(void **state)
{
	(void)state;
	static const char log[] = "just some text\nand more of it\r\n";
	struct got *g = calloc(1, sizeof(*g));
	const char *det = "x";
	struct nat_reader_stats st = read_text(NULL, log, sizeof(log) - 1, 0, g, &det);

	assert_null(det);
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.other, 2);
	assert_null(nat_format_find("pfsense"));
	free(g);
}

/* ---- NetFlow/IPFIX NAT events ----------------------------------------- */

static void test_from_flow(void **state)
{
	(void)state;
	struct flow f;
	struct nat_rec r;

	memset(&f, 0, sizeof(f));
	addr_parse("172.16.20.37", &f.src);
	addr_parse("203.0.113.140", &f.dst);
	f.sport = 51413;
	f.dport = 6881;
	f.proto = 6;
	f.first_ms = T("2024-03-01T10:09:55Z");
	f.last_ms = T("2024-03-01T10:09:55Z");
	assert_int_equal(nat_from_flow(&f, &r), 0); /* no post-NAT fields: no mapping */
	addr_parse("10.10.9.1", &f.xsrc);
	f.xsport = 40123;
	f.nat_event = 1; /* NAT44 session create */
	assert_int_equal(nat_from_flow(&f, &r), 1);
	assert_int_equal(r.ev, NAT_OPEN);
	assert_addr(&r.outside, "10.10.9.1");
	assert_int_equal(r.outside_port, 40123);
	assert_addr(&r.inside, "172.16.20.37");
	assert_int_equal(r.start_ms, f.first_ms);
	f.nat_event = 2; /* delete */
	f.last_ms = T("2024-03-01T10:25:28Z");
	assert_int_equal(nat_from_flow(&f, &r), 1);
	assert_int_equal(r.ev, NAT_CLOSE);
	assert_int_equal(r.end_ms, f.last_ms);
	f.nat_event = 3; /* translation failed: nothing was mapped */
	assert_int_equal(nat_from_flow(&f, &r), 0);
}

/* ---- the shared samples -------------------------------------------------- */

static void test_elastic_samples(void **state)
{
	(void)state;
	size_t len;
	char *text;
	struct got *g;

	if (!have_data(NATLOGS("elastic-beats/cisco_asa_sample.log")))
		return;
	g = calloc(1, sizeof(*g));
	text = slurp(NATLOGS("elastic-beats/cisco_asa_sample.log"), &len);
	struct nat_reader_stats st = read_text(NULL, text, len, 0, g, NULL);
	assert_int_equal(st.lines, 73);
	assert_int_equal(st.records, 10);
	/* the two 302013 lines naming objects (OCSP_Server) instead of addresses */
	assert_int_equal(st.bad, 2);
	assert_int_equal(g->bad_line[0], 43);
	assert_int_equal(g->bad_line[1], 44);
	for (size_t i = 0; i < g->n && i < MAX_RECS; i++) {
		assert_true(g->r[i].ev == NAT_OPEN || g->r[i].ev == NAT_CLOSE);
		assert_true(g->r[i].start_ms || g->r[i].end_ms);
		assert_true(g->r[i].line >= 1 && g->r[i].line <= 73);
	}
	free(text);

	text = slurp(NATLOGS("elastic-beats/juniper_srx_flow.log"), &len);
	st = read_text(NULL, text, len, 0, g, NULL);
	assert_int_equal(st.lines, 25);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.records, 8);
	for (size_t i = 0; i < g->n && i < MAX_RECS; i++)
		assert_false(addr_eq(&g->r[i].outside, &g->r[i].inside) &&
			     g->r[i].outside_port == g->r[i].inside_port);
	free(text);

	/* filter logs (iptables LOG, pfSense filterlog) are not NAT logs */
	for (int k = 0; k < 2; k++) {
		text = slurp(k ? NATLOGS("elastic-integrations/test-pfsense-bsd.log")
			       : NATLOGS("elastic-integrations/test-iptables-raw.log"), &len);
		assert_non_null(text);
		st = read_text(NULL, text, len, 0, g, NULL);
		assert_int_equal(st.records, 0);
		assert_int_equal(st.bad, 0);
		free(text);
	}
	free(g);
}

/* The SEKOIA intake test cases: one raw message each (no time stamp: one is
 * put in front) with the fields a SIEM expects; where the message is a
 * translation the outside/inside must match them, else nothing is mapped. */
static void test_sekoia_cases(void **state)
{
	(void)state;
	static const char *const files[] = {
		"cisco-secure-firewall__test_ASA_305011.json", "cisco-secure-firewall__test_ASA_305012.json",
		"cisco-secure-firewall__test_ASA_302013_1.json", "cisco-secure-firewall__test_ASA_302013_2.json",
		"cisco-secure-firewall__test_ASA_302014.json",
		"juniper-ngfw__RT_FLOW_SESSION_CREATE_STANDARD.json",
		"juniper-ngfw__RT_FLOW_SESSION_CLOSE_STANDARD.json",
		"juniper-ngfw__RT_FLOW_SESSION_CLOSE_STRUCTURES.json",
		"juniper-ngfw__RT_FLOW_SESSION_DENY_STRUCTURED.json",
		"netfilter__accept.json", "netfilter__tcp.json", "netfilter__icmp.json",
	};
	struct got *g;

	if (!have_data(NATLOGS("sekoia-intake-formats/cisco-secure-firewall__test_ASA_305011.json")))
		return;
	g = calloc(1, sizeof(*g));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512], line[8192];
		json_error_t je;
		snprintf(path, sizeof(path), "%s/natlogs/sekoia-intake-formats/%s", VIGIL_DATA_DIR, files[i]);
		json_t *j = json_load_file(path, 0, &je);
		assert_non_null(j);
		const char *msg = json_string_value(json_object_get(json_object_get(j, "input"), "message"));
		assert_non_null(msg);
		int n = snprintf(line, sizeof(line), "Mar 01 2024 10:00:00 fw %s\n", msg);
		bool juniper = !strncmp(files[i], "juniper", 7), cisco = !strncmp(files[i], "cisco", 5);
		struct nat_reader_stats st =
			read_text(juniper ? "srx" : cisco ? "asa" : NULL, line, (size_t)n, 0, g, NULL);
		assert_int_equal(st.lines, 1);
		assert_int_equal(st.bad, 0);
		if (strstr(files[i], "_3050")) {
			/* a translation: inside = source, outside = destination */
			json_t *e = json_object_get(j, "expected");
			const char *sip = json_string_value(json_object_get(json_object_get(e, "source"), "ip"));
			const char *dip = json_string_value(json_object_get(json_object_get(e, "destination"), "ip"));
			json_int_t dport = json_integer_value(json_object_get(json_object_get(e, "destination"), "port"));
			assert_int_equal(st.records, 1);
			assert_addr(&g->r[0].inside, sip);
			assert_addr(&g->r[0].outside, dip);
			assert_int_equal(g->r[0].outside_port, dport);
			if (strstr(files[i], "305012")) {
				assert_int_equal(g->r[0].ev, NAT_CLOSE);
				assert_int_equal(g->r[0].end_ms - g->r[0].start_ms, 15000); /* duration 0:00:15 */
			}
		} else {
			/* sessions whose nat fields equal the real ones, denials,
			 * unpaired teardowns, filter logs: no mapping */
			assert_int_equal(st.records, 0);
		}
		json_decref(j);
	}
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asa_translation),
		cmocka_unit_test(test_asa_connections),
		cmocka_unit_test(test_conntrack_real),
		cmocka_unit_test(test_conntrack_forms),
		cmocka_unit_test(test_srx),
		cmocka_unit_test(test_pieces_and_long_lines),
		cmocka_unit_test(test_no_format),
		cmocka_unit_test(test_from_flow),
		cmocka_unit_test(test_elastic_samples),
		cmocka_unit_test(test_sekoia_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
