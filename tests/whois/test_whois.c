/*
 * test_whois.c - the whois stage: the streaming RPSL reader on edge cases,
 * the resolution chain on hand-written fixtures (tests/whois/data: inetnum ->
 * org -> abuse-c -> role, mnt-irt -> irt, inheritance, several origins),
 * bad objects reported with file:line while the rest loads, the sites table
 * overriding RPSL, gzip and Latin-1/CRLF input, the snapshot round trip and
 * its corruption checks, and the real dumps in ../shared/data/rpsl (skipped
 * when absent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/lpm.h"
#include "whois/whois.h"

#define FIX(name) VIGIL_SOURCE_DIR "/tests/whois/data/" name
#define RPSL(name) VIGIL_DATA_DIR "/rpsl/" name

/* ---- helpers ----------------------------------------------------------- */

struct errlog {
	char files[64][64];
	uint32_t lines[64];
	int n;
};

static void collect_err(void *ctx, const char *file, uint32_t line, const char *msg)
{
	struct errlog *e = ctx;
	const char *base = strrchr(file, '/');

	(void)msg;
	if (e->n < 64) {
		snprintf(e->files[e->n], sizeof(e->files[0]), "%s", base ? base + 1 : file);
		e->lines[e->n] = line;
		e->n++;
	}
}

static bool has_err(const struct errlog *e, const char *file, uint32_t line)
{
	for (int i = 0; i < e->n; i++)
		if (e->lines[i] == line && strcmp(e->files[i], file) == 0)
			return true;
	return false;
}

static struct whois_db *build(const char *const *files, size_t n, const char *sites,
			      struct errlog *e)
{
	struct whois_db *db = NULL;
	int rc = whois_build(files, n, sites, e ? collect_err : NULL, e, &db);

	assert_int_equal(rc, 0);
	assert_non_null(db);
	return db;
}

static void look(const struct whois_db *db, const char *ip, struct whois_result *r)
{
	struct vaddr a;

	assert_int_equal(addr_parse(ip, &a), 0);
	whois_lookup(db, &a, r);
}

static void assert_src(const struct whois_src *s, const char *cls, const char *key,
		       const char *file, uint32_t line)
{
	assert_non_null(s->cls);
	assert_string_equal(s->cls, cls);
	assert_string_equal(s->key, key);
	assert_string_equal(s->file, file);
	assert_int_equal(s->line, line);
}

static bool data_present(void)
{
	return access(RPSL("ripe-whois-tests/TEST.db"), R_OK) == 0;
}

/* ---- the reader -------------------------------------------------------- */

struct seen {
	int n;
	char cls[8][32], key[8][64], last_name[8][32], last_value[8][256];
	size_t nattrs[8];
	uint32_t line[8];
};

struct both {
	struct errlog e; /* first: collect_err takes a pointer to it */
	struct seen s;
};

static int on_obj(void *ctx, const struct whois_rpsl_object *o)
{
	struct seen *s = &((struct both *)ctx)->s;

	if (s->n < 8) {
		snprintf(s->cls[s->n], 32, "%s", o->cls);
		snprintf(s->key[s->n], 64, "%s", o->key);
		snprintf(s->last_name[s->n], 32, "%s", o->attrs[o->nattrs - 1].name);
		snprintf(s->last_value[s->n], 256, "%s", o->attrs[o->nattrs - 1].value);
		s->nattrs[s->n] = o->nattrs;
		s->line[s->n] = o->line;
	}
	s->n++;
	return 0;
}

static void test_reader_edges(void **state)
{
	(void)state;
	static const char text[] =
		"% header comment\n"
		"\n\n"
		"Role:  A Team\r\n"
		"NIC-HDL:  AT1-TEST\r\n"
		"abuse-mailbox:  \"x#y\"@example.net # a remark\r\n"
		"\n"
		"person: P\n"
		"# comment inside\n"
		"address: line one\n"
		"  line two\n"
		"\tline three\n"
		"+ line four\n"
		"+\n"
		"\n"
		"inetnum: 1.2.3.0 - 1.2.3.255\n"
		"bad line\n"
		"netname: X\n"
		"\n"
		"route: 1.2.3.0/24\n"
		"origin: AS1";
	struct both bo;
	struct seen *sp = &bo.s;
	struct errlog *ep = &bo.e;
#define s (*sp)
#define e (*ep)

	/* byte by byte and all at once give the same objects */
	for (int pass = 0; pass < 2; pass++) {
		memset(&s, 0, sizeof(s));
		memset(&e, 0, sizeof(e));
		struct whois_rpsl *r = whois_rpsl_new("t.db", on_obj, collect_err, &bo);
		assert_non_null(r);
		if (pass == 0) {
			for (size_t i = 0; i < sizeof(text) - 1; i++)
				assert_int_equal(whois_rpsl_feed(r, text + i, 1), 0);
		} else {
			assert_int_equal(whois_rpsl_feed(r, text, sizeof(text) - 1), 0);
		}
		assert_int_equal(whois_rpsl_finish(r), 0);
		assert_int_equal(whois_rpsl_bad(r), 1);
		whois_rpsl_free(r);
		assert_int_equal(s.n, 3);
		assert_string_equal(s.cls[0], "role");
		assert_string_equal(s.key[0], "A Team");
		assert_int_equal(s.line[0], 4);
		assert_string_equal(s.last_name[0], "abuse-mailbox");
		assert_string_equal(s.last_value[0], "\"x#y\"@example.net");
		assert_string_equal(s.cls[1], "person");
		assert_int_equal(s.nattrs[1], 2);
		assert_string_equal(s.last_value[1], "line one\nline two\nline three\nline four");
		assert_string_equal(s.cls[2], "route");
		assert_string_equal(s.last_value[2], "AS1");
		assert_int_equal(e.n, 1);
		assert_true(has_err(&e, "t.db", 17));
	}
#undef s
#undef e
}

static void test_reader_caps(void **state)
{
	(void)state;
	struct both bo;
	struct seen *sp = &bo.s;
	struct errlog *ep = &bo.e;
#define s (*sp)
#define e (*ep)
	size_t n = WHOIS_RPSL_MAX_LINE + 100;
	char *big = malloc(n + 64);

	assert_non_null(big);
	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	memcpy(big, "remarks: ", 9);
	memset(big + 9, 'x', n - 9);
	memcpy(big + n, "\n\nrole: R\nnic-hdl: R1\n", 22);
	struct whois_rpsl *r = whois_rpsl_new("big", on_obj, collect_err, &bo);
	assert_int_equal(whois_rpsl_feed(r, big, n + 22), 0);
	assert_int_equal(whois_rpsl_finish(r), 0);
	whois_rpsl_free(r);
	free(big);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.cls[0], "role");
#undef s
#undef e
}

/* ---- resolution on the fixtures ---------------------------------------- */

static void check_chain(const struct whois_db *db, const char *file)
{
	struct whois_result r;
	char buf[WHOIS_RANGE_STRLEN];

	/* an address in the allocation only */
	look(db, "198.51.100.10", &r);
	assert_true(r.found);
	assert_false(r.is_ours);
	assert_string_equal(whois_range_format(&r, buf), "198.51.100.0/24");
	assert_string_equal(r.netname, "EXAMPLE-NET");
	assert_string_equal(r.country, "GB");
	assert_src(&r.src_net, "inetnum", "198.51.100.0 - 198.51.100.255", file, 42);
	assert_string_equal(r.org_id, "ORG-EX1-TEST");
	assert_string_equal(r.org_name, "Example Networks Ltd");
	assert_src(&r.src_org, "organisation", "ORG-EX1-TEST", file, 7);
	assert_string_equal(r.abuse_mailbox, "abuse@example.net");
	assert_src(&r.src_abuse, "role", "AR1-TEST", file, 20);
	assert_string_equal(r.contact, "noc@example.net");
	assert_string_equal(r.phone, "+44 20 7946 0000");
	assert_string_equal(r.irt, "IRT-EXAMPLE-CERT");
	assert_string_equal(r.irt_abuse_mailbox, "cert-abuse@example.net");
	assert_string_equal(r.irt_email, "cert@example.net");
	assert_string_equal(r.irt_signature, "PGPKEY-1A2B3C4D");
	assert_string_equal(r.irt_encryption, "PGPKEY-1A2B3C4D");
	assert_src(&r.src_irt, "irt", "IRT-EXAMPLE-CERT", file, 29);
	assert_int_equal(r.nasn, 1); /* the /25 is more specific than the /24 */
	assert_int_equal(r.asn[0], 64502);
	assert_src(&r.src_route, "route", "198.51.100.0/25", file, 107);

	/* an assignment without abuse-c or irt: both inherited */
	look(db, "198.51.100.70", &r);
	assert_string_equal(r.netname, "CUSTOMER-ONE");
	assert_string_equal(whois_range_format(&r, buf), "198.51.100.64/26");
	assert_string_equal(r.org_name, "Customer One");
	assert_string_equal(r.abuse_mailbox, "abuse@example.net");
	assert_src(&r.src_abuse, "role", "AR1-TEST", file, 20);
	assert_string_equal(r.irt, "IRT-EXAMPLE-CERT");

	/* its own abuse-c, mailbox list cleaned; two origins for the /24 */
	look(db, "198.51.100.130", &r);
	assert_string_equal(r.netname, "CUSTOMER-TWO");
	assert_string_equal(r.country, "FR");
	assert_string_equal(r.abuse_mailbox,
			    "security@customer-two.example, abuse@customer-two.example");
	assert_src(&r.src_abuse, "role", "AR2-TEST", file, 73);
	assert_string_equal(r.org_name, "Example Networks Ltd"); /* from the allocation */
	assert_int_equal(r.nasn, 2);
	assert_int_equal(r.asn[0], 64500);
	assert_int_equal(r.asn[1], 64501);
	assert_string_equal(r.as_name, "EXAMPLE-AS");

	look(db, "2001:db8:100:1::1", &r);
	assert_string_equal(r.netname, "EXAMPLE-NET6");
	assert_src(&r.src_net, "inet6num", "2001:db8:100::/40", file, 88);
	assert_string_equal(r.abuse_mailbox, "abuse@example.net");
	assert_int_equal(r.nasn, 1);
	assert_int_equal(r.asn[0], 64500);
	assert_src(&r.src_route, "route6", "2001:db8:100::/40", file, 112);

	assert_false(whois_lookup(db, &(struct vaddr){ { 0 } }, &r));
	look(db, "203.0.113.1", &r);
	assert_false(r.found);
}

static void test_chain(void **state)
{
	(void)state;
	const char *f[] = { FIX("chain.db") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 1, NULL, &e);
	struct whois_stats st;

	assert_int_equal(e.n, 0);
	whois_get_stats(db, &st);
	assert_int_equal(st.inetnum, 3);
	assert_int_equal(st.inet6num, 1);
	assert_int_equal(st.route, 3);
	assert_int_equal(st.route6, 1);
	assert_int_equal(st.organisation, 2);
	assert_int_equal(st.role, 2);
	assert_int_equal(st.irt, 1);
	assert_int_equal(st.autnum, 1);
	assert_int_equal(st.skipped, 1);
	check_chain(db, "chain.db");
	whois_free(db);
}

static void test_gzip(void **state)
{
	(void)state;
	const char *f[] = { FIX("chain.db.gz") };
	struct whois_db *db = build(f, 1, NULL, NULL);

	check_chain(db, "chain.db.gz");
	whois_free(db);
}

static void test_bad_objects(void **state)
{
	(void)state;
	const char *f[] = { FIX("bad.db") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 1, NULL, &e);
	struct whois_result r;
	struct whois_stats st;

	assert_int_equal(e.n, 4);
	assert_true(has_err(&e, "bad.db", 9));  /* bad range */
	assert_true(has_err(&e, "bad.db", 13)); /* route without origin */
	assert_true(has_err(&e, "bad.db", 18)); /* line without a colon */
	assert_true(has_err(&e, "bad.db", 22)); /* continuation outside an object */
	whois_get_stats(db, &st);
	assert_int_equal(st.inetnum, 2);
	assert_int_equal(st.bad, 4);
	look(db, "203.0.113.5", &r);
	assert_string_equal(r.netname, "GOOD-ONE");
	look(db, "203.0.115.5", &r);
	assert_string_equal(r.netname, "GOOD-TWO");
	look(db, "203.0.114.5", &r);
	assert_false(r.found);
	whois_free(db);
}

static void test_latin1_crlf(void **state)
{
	(void)state;
	const char *f[] = { FIX("latin1_crlf.db") };
	struct whois_db *db = build(f, 1, NULL, NULL);
	struct whois_result r;

	look(db, "192.0.2.9", &r);
	assert_string_equal(r.netname, "EXEMPLO-NET");
	assert_string_equal(r.org_name, "Funda\xc3\xa7\xc3\xa3o Exemplo S\xc3\xa3o Paulo");
	whois_free(db);
}

static void test_sites(void **state)
{
	(void)state;
	const char *f[] = { FIX("chain.db") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 1, FIX("sites.conf"), &e);
	struct whois_result r;
	struct whois_stats st;

	for (uint32_t l = 20; l <= 24; l++)
		assert_true(has_err(&e, "sites.conf", l));
	assert_int_equal(e.n, 5);
	whois_get_stats(db, &st);
	assert_int_equal(st.sites, 2);
	assert_int_equal(st.site_prefixes, 5);

	look(db, "198.51.100.10", &r);
	assert_true(r.is_ours);
	assert_false(r.is_nat_gateway);
	assert_string_equal(r.site, "example-hq");
	assert_string_equal(r.netname, "EXAMPLE-NET"); /* RPSL fields the site does not set */
	assert_string_equal(r.org_name, "Example HQ campus");
	assert_src(&r.src_org, "site", "example-hq", "sites.conf", 5);
	assert_string_equal(r.abuse_mailbox, "hq-abuse@example.net");
	assert_src(&r.src_abuse, "site", "example-hq", "sites.conf", 7);
	assert_string_equal(r.contact, "hq-it@example.net");
	assert_string_equal(r.phone, "+44 20 7946 0100");
	assert_string_equal(r.pgp, "0x0BADC0DE");
	assert_string_equal(r.language, "en");
	assert_string_equal(r.format, "iodef");
	assert_string_equal(r.batch, "1h");
	assert_src(&r.src_site, "site", "example-hq", "sites.conf", 3);
	assert_string_equal(r.irt, "IRT-EXAMPLE-CERT"); /* still from RPSL */

	look(db, "198.51.100.2", &r);
	assert_true(r.is_nat_gateway);
	assert_src(&r.src_nat, "site", "example-hq", "sites.conf", 13);

	look(db, "198.51.100.203", &r);
	assert_true(r.is_ours);
	assert_true(r.is_nat_gateway);
	assert_string_equal(r.site, "lab");
	assert_string_equal(r.language, "fr");
	assert_string_equal(r.format, "csv");
	assert_string_equal(r.abuse_mailbox, "abuse@example.net"); /* lab sets none */

	look(db, "198.51.100.130", &r);
	assert_false(r.is_ours);
	assert_null(r.site);

	look(db, "2001:db8:100::5", &r);
	assert_true(r.is_ours);
	assert_string_equal(r.site, "example-hq");
	whois_free(db);
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_src(const struct whois_src *a, const struct whois_src *b)
{
	same_str(a->cls, b->cls);
	if (a->cls) {
		same_str(a->key, b->key);
		same_str(a->file, b->file);
		assert_int_equal(a->line, b->line);
	}
}

static void test_snapshot(void **state)
{
	(void)state;
	const char *f[] = { FIX("chain.db") };
	struct whois_db *db = build(f, 1, FIX("sites.conf"), NULL), *db2 = NULL;
	char path[] = "/tmp/vigil-whois-snap-XXXXXX";
	int fd = mkstemp(path);
	static const char *ips[] = { "198.51.100.10", "198.51.100.70", "198.51.100.130",
				     "198.51.100.2",  "198.51.100.203", "2001:db8:100::5",
				     "203.0.113.1" };

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(whois_save(db, path), 0);
	assert_int_equal(whois_open(path, &db2), 0);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		struct whois_result a, b;
		look(db, ips[i], &a);
		look(db2, ips[i], &b);
		assert_int_equal(a.found, b.found);
		assert_int_equal(a.is_ours, b.is_ours);
		assert_int_equal(a.is_nat_gateway, b.is_nat_gateway);
		assert_memory_equal(&a.lo, &b.lo, sizeof(a.lo));
		assert_memory_equal(&a.hi, &b.hi, sizeof(a.hi));
		same_str(a.netname, b.netname);
		same_str(a.org_name, b.org_name);
		same_str(a.abuse_mailbox, b.abuse_mailbox);
		same_str(a.irt_signature, b.irt_signature);
		same_str(a.site, b.site);
		same_str(a.batch, b.batch);
		assert_int_equal(a.nasn, b.nasn);
		for (unsigned k = 0; k < a.nasn; k++)
			assert_int_equal(a.asn[k], b.asn[k]);
		same_str(a.as_name, b.as_name);
		same_src(&a.src_net, &b.src_net);
		same_src(&a.src_abuse, &b.src_abuse);
		same_src(&a.src_route, &b.src_route);
		same_src(&a.src_site, &b.src_site);
	}
	struct whois_stats s1, s2;
	whois_get_stats(db, &s1);
	whois_get_stats(db2, &s2);
	assert_int_equal(s1.inetnum, s2.inetnum);
	assert_int_equal(s1.bad, s2.bad);
	whois_free(db2);
	db2 = NULL;

	/* one flipped byte fails the checksum; a cut file is not a snapshot */
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 200, SEEK_SET), 0);
	int c = fgetc(fp);
	assert_int_equal(fseek(fp, 200, SEEK_SET), 0);
	fputc(c ^ 0x40, fp);
	fclose(fp);
	assert_int_equal(whois_open(path, &db2), VIGIL_ECHECKSUM);
	assert_null(db2);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(whois_open(path, &db2), VIGIL_EFORMAT);
	assert_int_equal(whois_open("/nonexistent/whois.db", &db2), VIGIL_EIO);
	unlink(path);
	whois_free(db);
}

static void test_batch_matches_single(void **state)
{
	(void)state;
	const char *f[] = { FIX("chain.db") };
	struct whois_db *db = build(f, 1, FIX("sites.conf"), NULL);
	static const char *ips[] = { "198.51.100.10", "198.51.100.70", "198.51.100.130",
				     "198.51.100.2",  "198.51.100.203", "2001:db8:100::5",
				     "203.0.113.1",   "::1",            "0.0.0.0" };
	enum { N = sizeof(ips) / sizeof(ips[0]) * 5 };
	struct vaddr a[N];
	struct whois_result out[N], one;
	size_t want = 0;

	for (size_t i = 0; i < N; i++)
		assert_int_equal(addr_parse(ips[i % (N / 5)], &a[i]), 0);
	for (size_t i = 0; i < N; i++)
		want += whois_lookup(db, &a[i], &one);
	assert_int_equal(whois_lookup_batch(db, a, N, out), want);
	assert_int_equal(want, 6 * 5);
	for (size_t i = 0; i < N; i++) {
		whois_lookup(db, &a[i], &one);
		assert_int_equal(one.found, out[i].found);
		assert_ptr_equal(one.netname, out[i].netname);
		assert_ptr_equal(one.abuse_mailbox, out[i].abuse_mailbox);
		assert_ptr_equal(one.site, out[i].site);
		assert_int_equal(one.nasn, out[i].nasn);
		assert_memory_equal(&one.lo, &out[i].lo, sizeof(one.lo));
	}
	whois_free(db);
}

/* Many nested ranges push the LPM's IPv4 index past 16 bits (see lpm.c):
 * 300000 /28 blocks in 10/8, every third left out, under one /8. */
static void test_large_index(void **state)
{
	(void)state;
	struct lpm *t = lpm_new();
	struct vprefix p;

	assert_int_equal(prefix_parse("10.0.0.0/8", &p), 0);
	assert_int_equal(lpm_add(t, &p, 999999), 0);
	for (uint32_t i = 0; i < 300000; i++) {
		struct vaddr lo, hi;
		if (i % 3 == 2)
			continue;
		addr_from_v4(&lo, (10u << 24) + i * 16);
		addr_from_v4(&hi, (10u << 24) + i * 16 + 15);
		assert_int_equal(lpm_add_range(t, &lo, &hi, i), 0);
	}
	assert_int_equal(lpm_build(t), 0);
	for (uint32_t i = 0; i < 300000; i += 7) {
		for (uint32_t off = 0; off < 16; off += 5) {
			uint32_t v = lpm_lookup_v4(t, (10u << 24) + i * 16 + off);
			assert_int_equal(v, i % 3 == 2 ? 999999 : i);
		}
	}
	assert_int_equal(lpm_lookup_v4(t, (10u << 24) + 300000 * 16), 999999);
	assert_int_equal(lpm_lookup_v4(t, (11u << 24)), LPM_NONE);
	assert_int_equal(lpm_lookup_v4(t, (10u << 24) - 1), LPM_NONE);
	assert_int_equal(lpm_lookup_v4(t, 0xffffffffu), LPM_NONE);
	lpm_free(t);
}

/* ---- the real dumps ---------------------------------------------------- */

static void test_real_test_db(void **state)
{
	(void)state;
	if (!data_present()) {
		print_message("shared data absent (../shared/data/rpsl): skipped\n");
		skip();
	}
	const char *f[] = { RPSL("ripe-whois-tests/TEST.db") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 1, NULL, &e);
	struct whois_stats st;
	struct whois_result r;

	assert_int_equal(e.n, 0);
	whois_get_stats(db, &st);
	/* counts from the MANIFEST, checked with grep -c '^inetnum:' etc. */
	assert_int_equal(st.inetnum, 36);
	assert_int_equal(st.inet6num, 32);
	assert_int_equal(st.autnum, 34);
	assert_int_equal(st.organisation, 33);
	assert_int_equal(st.person, 37);
	assert_int_equal(st.role, 1);
	assert_int_equal(st.route, 1);
	assert_int_equal(st.irt, 0);

	/* TEST.db line 407: inetnum 172.16.60.0 - 172.16.60.255, org ORG-TS1-TEST,
	 * whose abuse-c AA2-TEST is the role "TEST ROLE" (abuse-mailbox
	 * bitbucket@ripe.net, line 58) */
	look(db, "172.16.60.77", &r);
	assert_string_equal(r.netname, "NL-RIPENCC-TS1-20120101");
	assert_src(&r.src_net, "inetnum", "172.16.60.0 - 172.16.60.255", "TEST.db", 407);
	assert_string_equal(r.org_id, "ORG-TS1-TEST");
	assert_string_equal(r.org_name, "RIPE NCC Training Services");
	assert_string_equal(r.abuse_mailbox, "bitbucket@ripe.net");
	assert_src(&r.src_abuse, "role", "AA2-TEST", "TEST.db", 58);
	assert_string_equal(r.phone, "+31205354444");

	/* line 189 inetnum 10.11.11.0/24 inside 10.0.0.0/8; route line 212 AS101111 */
	look(db, "10.11.11.200", &r);
	assert_string_equal(r.netname, "Example-Network");
	assert_string_equal(r.country, "GB");
	assert_int_equal(r.nasn, 1);
	assert_int_equal(r.asn[0], 101111);
	assert_string_equal(r.as_name, "Test-AS-2");
	look(db, "10.200.0.1", &r);
	assert_string_equal(r.netname, "IANA-ABLK-RESERVED1");
	assert_string_equal(r.country, "EU"); /* "EU # Country is really world wide" */
	look(db, "2001:db8:1::1", &r);
	assert_string_equal(r.netname, "NL-RIPENCC-TCA1-20120101");
	assert_string_equal(r.org_id, "ORG-TCA1-TEST");
	whois_free(db);
}

static void test_real_other_registries(void **state)
{
	(void)state;
	if (!data_present()) {
		print_message("shared data absent (../shared/data/rpsl): skipped\n");
		skip();
	}
	const char *f[] = { RPSL("ripe-whois-tests/afrinic.test.gz"),
			    RPSL("ripe-whois-tests/apnic.test.gz"),
			    RPSL("ripe-whois-tests/jpirr.test.gz"),
			    RPSL("ripe-whois-tests/radb.test.gz"),
			    RPSL("ripe-whois-tests/ripe.test.gz"),
			    RPSL("ripe-whois-tests/lacnic.test") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 6, NULL, &e);
	struct whois_result r;

	look(db, "196.207.3.173", &r);
	assert_string_equal(r.netname, "Test");
	assert_string_equal(r.country, "NG");
	assert_src(&r.src_net, "inetnum", "196.207.3.172 - 196.207.3.175", "afrinic.test.gz", 28);
	look(db, "219.23.200.1", &r);
	assert_int_equal(r.asn[0], 76);
	look(db, "167.96.1.1", &r);
	assert_int_equal(r.asn[0], 2900);
	look(db, "64.203.254.1", &r); /* the "*xxte:" object is not a route */
	assert_int_equal(r.nasn, 0);
	look(db, "24.232.16.1", &r); /* LACNIC's "24.232.16/24" */
	assert_string_equal(r.country, "AR");
	look(db, "2001:1200:2000::1", &r); /* LACNIC's IPv6 "inetnum:" */
	assert_string_equal(r.country, "MX");
	whois_free(db);
}

static const char *mailbox_of(const char *role_file, const char *ip)
{
	static char out[256];
	const char *f[] = { role_file, FIX("intelmq_refs.db") };
	struct whois_db *db = build(f, 2, NULL, NULL);
	struct whois_result r;

	look(db, ip, &r);
	snprintf(out, sizeof(out), "%s", r.abuse_mailbox ? r.abuse_mailbox : "(none)");
	whois_free(db);
	return out;
}

static void test_real_abuse_mailboxes(void **state)
{
	(void)state;
	if (!data_present()) {
		print_message("shared data absent (../shared/data/rpsl): skipped\n");
		skip();
	}
#define IQ(name) RPSL("intelmq-certbund-contact/" name)
	assert_string_equal(mailbox_of(IQ("role_display_name.txt.gz"), "10.1.0.1"),
			    "abuse@novaposhta.ua");
	assert_string_equal(mailbox_of(IQ("role_display_name.txt.gz"), "10.1.1.1"),
			    "abuse@icloudhosting.com");
	assert_string_equal(mailbox_of(IQ("role_multiple_addresses.txt.gz"), "10.1.2.1"),
			    "abuse@example.com, abuse@example.net");
	assert_string_equal(mailbox_of(IQ("role_multiple_addresses.txt.gz"), "10.1.3.1"),
			    "abuse@example.com, abuse@example.net");
	assert_string_equal(mailbox_of(IQ("role_multiple_addresses.txt.gz"), "10.1.4.1"),
			    "\"abuse contact\"@example.com, abuse@example.com");
	assert_string_equal(mailbox_of(IQ("role_simple.txt.gz"), "10.1.5.1"), "null@example.com");
	assert_string_equal(mailbox_of(IQ("role_simple_uppercase.txt.gz"), "10.1.5.1"),
			    "NULL@eXamplE.coM");
	assert_string_equal(mailbox_of(IQ("role_special_characters.txt.gz"), "10.1.6.1"),
			    "\"r:[/r/]*4;e'*&m'\"@fenix.international");
	assert_string_equal(mailbox_of(IQ("role_trailing_comment.txt.gz"), "10.1.7.1"),
			    "abuse@crimeainfo.com");
	assert_string_equal(mailbox_of(IQ("role_trailing_comment.txt.gz"), "10.1.8.1"),
			    "abuse@cxl.zone");
#undef IQ
}

static void test_real_large_autnum(void **state)
{
	(void)state;
	if (!data_present()) {
		print_message("shared data absent (../shared/data/rpsl): skipped\n");
		skip();
	}
	const char *f[] = { RPSL("rpsl-rs/AS3257.txt"), FIX("intelmq_refs.db") };
	struct errlog e = { .n = 0 };
	struct whois_db *db = build(f, 2, NULL, &e);
	struct whois_stats st;
	struct whois_result r;

	assert_int_equal(e.n, 0);
	whois_get_stats(db, &st);
	assert_int_equal(st.autnum, 1);
	look(db, "10.1.9.9", &r);
	assert_int_equal(r.asn[0], 3257);
	assert_string_equal(r.as_name, "GTT-BACKBONE");
	whois_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_edges),
		cmocka_unit_test(test_reader_caps),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_bad_objects),
		cmocka_unit_test(test_latin1_crlf),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_batch_matches_single),
		cmocka_unit_test(test_large_index),
		cmocka_unit_test(test_real_test_db),
		cmocka_unit_test(test_real_other_registries),
		cmocka_unit_test(test_real_abuse_mailboxes),
		cmocka_unit_test(test_real_large_autnum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
