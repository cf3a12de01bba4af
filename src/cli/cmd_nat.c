/*
 * cmd_nat.c - `vigil nat`: NAT logs into an index, and who held a gateway's
 * port at a moment.
 *
 *   vigil nat ingest -w DIR [--format asa|conntrack|srx|flows] [--year Y]
 *                    [--utc-offset +HH:MM] FILE...|-
 *   vigil nat ingest -w DIR --store STOREDIR [-t FROM[-TO]]
 *   vigil nat lookup -R DIR [-o text|json] [--skew SECONDS] [--max-open DURATION]
 *                    [--proto P] IP:PORT@TIME ...
 *   vigil nat info -R DIR
 *   vigil nat expire -R DIR --max-age DURATION
 *
 * Log files may be gzip-compressed. See vigil-nat(1).
 */
#include "cli/commands.h"
#include "flow/flow.h"
#include "nat/nat.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/err.h"
#include "util/proto.h"
#include "util/vtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAX_FILES 4096
#define MAX_BAD_SHOWN 20
#define MAX_ANSWERS 16

static void usage(void)
{
	fprintf(stderr,
		"usage: vigil nat ingest -w DIR [--format asa|conntrack|srx|flows] [--year Y]\n"
		"                        [--utc-offset +HH:MM] FILE...|-\n"
		"       vigil nat ingest -w DIR --store STOREDIR [-t FROM[-TO]]\n"
		"       vigil nat lookup -R DIR [-o text|json] [--skew SECONDS] [--max-open DURATION]\n"
		"                        [--proto tcp|udp|N] IP:PORT@TIME ...\n"
		"       vigil nat info -R DIR\n"
		"       vigil nat expire -R DIR --max-age DURATION\n"
		"Formats: asa (Cisco ASA/FTD 305011/305012, 302013-302016), conntrack\n"
		"(conntrack -E -o timestamp), srx (Juniper RT_FLOW_SESSION_CREATE/CLOSE), flows\n"
		"(NetFlow v9/IPFIX captures with NAT events); detected when not given.\n"
		"See vigil-nat(1).\n");
}

/* ---- ingest ---- */

struct ing {
	struct nat_index *x;
	const char *src;      /* file name as recorded in the index */
	const char *path;     /* as given, for messages */
	uint64_t bad_shown;
	int err;
};

static int on_rec(void *ctx, const struct nat_rec *r)
{
	struct ing *g = ctx;
	int rc = nat_index_add(g->x, r, g->src);

	if (rc == VIGIL_EINVAL)
		return 0; /* a record with neither time: counted by the reader as read, not kept */
	if (rc)
		g->err = rc;
	return rc;
}

static void on_bad(void *ctx, uint32_t line, const char *msg)
{
	struct ing *g = ctx;

	if (g->bad_shown++ < MAX_BAD_SHOWN)
		fprintf(stderr, "vigil nat: %s:%u: %s\n", g->path, (unsigned)line, msg);
	else if (g->bad_shown == MAX_BAD_SHOWN + 1)
		fprintf(stderr, "vigil nat: %s: more bad lines not shown (counted below)\n", g->path);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int parse_offset(const char *s, int32_t *out)
{
	int sign = 1, h = 0, m = 0;
	char extra;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (sscanf(s, "%d:%d%c", &h, &m, &extra) == 2 || sscanf(s, "%2d%2d%c", &h, &m, &extra) == 2 ||
	    (sscanf(s, "%d%c", &h, &extra) == 1 && (m = 0, 1))) {
		if (h < 0 || h > 18 || m < 0 || m > 59)
			return -1;
		*out = sign * (h * 3600 + m * 60);
		return 0;
	}
	return -1;
}

static int ingest_log(struct nat_index *x, const struct nat_format *fmt,
		      const struct nat_fmt_opts *fo, const char *path)
{
	struct ing g = { .x = x, .path = path };
	struct nat_reader *rd;
	struct nat_reader_stats st;
	gzFile gz;
	char buf[1 << 16];
	int n, rc;

	struct stat sb;
	if (strcmp(path, "-") && !stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "vigil nat: %s: is a directory (name the log files in it)\n", path);
		return 1;
	}
	g.src = strcmp(path, "-") ? base_name(path) : "stdin";
	gz = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(0, "rb");
	if (!gz) {
		fprintf(stderr, "vigil nat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	gzbuffer(gz, 1 << 17);
	if ((rc = nat_reader_new(fmt, fo, on_rec, on_bad, &g, &rd))) {
		gzclose(gz);
		fprintf(stderr, "vigil nat: %s\n", vigil_strerror(rc));
		return 1;
	}
	rc = 0;
	while (!rc && (n = gzread(gz, buf, sizeof(buf))) > 0)
		rc = nat_reader_feed(rd, buf, (size_t)n);
	int gzerr;
	const char *gzmsg = gzerror(gz, &gzerr);
	if (!rc && gzerr != Z_OK && gzerr != Z_STREAM_END) {
		/* a torn .gz: what was read is kept, the rest is named */
		fprintf(stderr, "vigil nat: %s: read error (%s); the lines before it are kept\n", path,
			gzmsg);
	}
	if (!rc)
		rc = nat_reader_finish(rd);
	nat_reader_get_stats(rd, &st);
	const struct nat_format *used = nat_reader_format(rd);
	fprintf(stderr, "vigil nat: %s: %llu lines, %llu mappings, %llu other, %llu bad (format %s)\n",
		path, (unsigned long long)st.lines, (unsigned long long)st.records,
		(unsigned long long)st.other, (unsigned long long)st.bad, used ? used->name : "none found");
	nat_reader_free(rd);
	gzclose(gz);
	if (rc) {
		fprintf(stderr, "vigil nat: %s: %s\n", path, vigil_strerror(rc));
		return 1;
	}
	return 0;
}

struct flowing {
	struct nat_index *x;
	const char *src;
	uint64_t flows, maps;
	int err;
};

static void flow_emit(void *ctx, const struct flow *f, size_t n)
{
	struct flowing *c = ctx;
	struct nat_rec r;

	for (size_t i = 0; i < n && !c->err; i++) {
		c->flows++;
		if (nat_from_flow(&f[i], &r) != 1)
			continue;
		int rc = nat_index_add(c->x, &r, c->src);
		if (rc == 0)
			c->maps++;
		else if (rc != VIGIL_EINVAL)
			c->err = rc;
	}
}

static int ingest_capture(struct nat_index *x, const char *path)
{
	struct flowing c = { .x = x, .src = base_name(path) };
	struct flow_decoder *d = flow_decoder_new(NULL);
	char err[256] = "";
	long got;

	if (!d)
		return 1;
	got = flow_pcap_read(path, d, flow_emit, &c, err, sizeof(err));
	flow_decoder_free(d);
	if (got < 0 || c.err) {
		fprintf(stderr, "vigil nat: %s: %s\n", path, err[0] ? err : vigil_strerror(c.err ? c.err : (int)got));
		return 1;
	}
	fprintf(stderr, "vigil nat: %s: %llu flows, %llu NAT mappings (format flows)\n", path,
		(unsigned long long)c.flows, (unsigned long long)c.maps);
	return 0;
}

static int ingest_store(struct nat_index *x, const char *dir, const char *range)
{
	struct store_select sel = { .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	struct flowing c = { .x = x };
	struct store_reader *r;
	const struct flow *f;
	size_t n;
	char src[NAT_SRC_MAX];
	int rc;

	if (range && vtime_parse_range(range, &sel.from_ms, &sel.to_ms)) {
		fprintf(stderr, "vigil nat: -t %s: not a time range\n", range);
		return 2;
	}
	snprintf(src, sizeof(src), "flows:%.50s", base_name(dir));
	c.src = src;
	if ((rc = store_reader_open(dir, &sel, &r))) {
		fprintf(stderr, "vigil nat: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	while ((rc = store_reader_next(r, &f, &n)) > 0 && !c.err)
		flow_emit(&c, f, n);
	store_reader_close(r);
	if (rc < 0 || c.err) {
		fprintf(stderr, "vigil nat: %s: %s\n", dir, vigil_strerror(rc < 0 ? rc : c.err));
		return 1;
	}
	fprintf(stderr, "vigil nat: %s: %llu flows, %llu NAT mappings (stored flows)\n", dir,
		(unsigned long long)c.flows, (unsigned long long)c.maps);
	return 0;
}

static int cmd_ingest(int argc, char **argv)
{
	const char *dir = NULL, *format = NULL, *store = NULL, *range = NULL;
	const char *files[MAX_FILES];
	size_t nfiles = 0;
	struct nat_fmt_opts fo = { 0 };
	char err[512] = "";
	int status = 0, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "-w") && more) {
			dir = argv[++i];
		} else if (!strcmp(a, "--format") && more) {
			format = argv[++i];
		} else if (!strcmp(a, "--year") && more) {
			char *end;
			long y = strtol(argv[++i], &end, 10);
			fo.year = (int)y;
			if (*end || y < 1970 || y > 9999) {
				fprintf(stderr, "vigil nat: --year %s: not a year\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--utc-offset") && more) {
			if (parse_offset(argv[++i], &fo.utc_offset_s)) {
				fprintf(stderr, "vigil nat: --utc-offset %s: want +HH:MM\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--store") && more) {
			store = argv[++i];
		} else if (!strcmp(a, "-t") && more) {
			range = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			usage();
			return 2;
		} else if (nfiles < MAX_FILES) {
			files[nfiles++] = a;
		} else {
			fprintf(stderr, "vigil nat: more than %d files\n", MAX_FILES);
			return 2;
		}
	}
	if (!dir || (!nfiles && !store)) {
		usage();
		return 2;
	}
	const struct nat_format *fmt = NULL;
	bool flows = format && !strcmp(format, "flows");
	if (format && !flows && !(fmt = nat_format_find(format))) {
		fprintf(stderr, "vigil nat: --format %s: unknown (asa, conntrack, srx, flows)\n", format);
		return 2;
	}
	/* the parents of a new index, like mkdir -p */
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", dir);
	for (char *p = parent + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(parent, 0755);
			*p = '/';
		}
	struct nat_index *x;
	if ((rc = nat_index_open(dir, true, &x, err, sizeof(err)))) {
		fprintf(stderr, "vigil nat: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	if (store && (rc = ingest_store(x, store, range)) > status)
		status = rc;
	for (size_t i = 0; i < nfiles; i++) {
		rc = flows ? ingest_capture(x, files[i]) : ingest_log(x, fmt, &fo, files[i]);
		if (rc > status)
			status = rc;
	}
	if ((rc = nat_index_close(x))) {
		fprintf(stderr, "vigil nat: %s: writing the index: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	return status;
}

/* ---- lookup ---- */

/* "192.0.2.1:40123@2024-03-01T10:12:07Z", "[2001:db8::1]:443@...", "192.0.2.1@..." */
static int parse_query(const char *q, struct vaddr *a, uint16_t *port, int64_t *t)
{
	const char *at = strrchr(q, '@');
	char host[64];
	const char *hs = q, *he, *ps = NULL;

	if (!at || vtime_parse(at + 1, t))
		return -1;
	if (*q == '[') {
		hs = q + 1;
		he = strchr(hs, ']');
		if (!he || he > at)
			return -1;
		if (he[1] == ':')
			ps = he + 2;
		else if (he + 1 != at)
			return -1;
	} else {
		const char *c = strchr(q, ':');
		if (c && c < at && !memchr(c + 1, ':', (size_t)(at - c - 1))) {
			he = c;
			ps = c + 1;
		} else {
			he = at; /* a bare IPv6 address or IPv4 without a port */
		}
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = 0;
	if (addr_parse(host, a))
		return -1;
	*port = 0;
	if (ps) {
		char *end;
		long p = strtol(ps, &end, 10);
		if (end != at || p < 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	return 0;
}

static const char *pname(uint8_t p, char buf[8])
{
	const char *n = proto_name(p);
	if (n)
		return n;
	snprintf(buf, 8, "%u", p);
	return buf;
}

static const char *conf_name(uint8_t c)
{
	return c == NAT_CONF_HIGH ? "high" : c == NAT_CONF_LOW ? "low" : "none";
}

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void print_answer_json(const char *q, const struct nat_answer *ans, int n)
{
	char a[ADDR_STRLEN], t1[40], t2[40];

	printf("{\"query\":");
	json_str(q);
	printf(",\"found\":%d,\"confidence\":\"%s\",\"answers\":[", n,
	       n > 0 ? conf_name(ans[0].confidence) : "none");
	for (int i = 0; i < n && i < MAX_ANSWERS; i++) {
		const struct nat_answer *x = &ans[i];
		char pb[8];
		const char *proto = pname(x->proto, pb);
		printf("%s{\"inside\":\"%s\",\"inside_port\":%u,\"proto\":\"%s\",\"start\":\"%s\","
		       "\"end\":",
		       i ? "," : "", addr_format(&x->inside, a), x->inside_port, proto,
		       vtime_format_s(x->start_ms, t1));
		if (x->end_ms)
			printf("\"%s\"", vtime_format_s(x->end_ms, t2));
		else
			printf("null");
		printf(",\"open_ended\":%s,\"confidence\":\"%s\",\"source\":", x->open_ended ? "true" : "false",
		       conf_name(x->confidence));
		json_str(x->source);
		printf(",\"line\":%u}", (unsigned)x->line);
	}
	printf("]}\n");
}

static void print_answer_text(const char *q, const struct nat_answer *ans, int n)
{
	char a[ADDR_STRLEN], t1[40], t2[40];

	printf("%% %s\n", q);
	if (n <= 0) {
		printf("%% no mapping within the tolerance\n\n");
		return;
	}
	for (int i = 0; i < n && i < MAX_ANSWERS; i++) {
		const struct nat_answer *x = &ans[i];
		char pb[8];
		printf("inside:      %s:%u/%s\n", addr_format(&x->inside, a), x->inside_port,
		       pname(x->proto, pb));
		printf("mapping:     %s - %s%s\n", vtime_format_s(x->start_ms, t1),
		       x->end_ms ? vtime_format_s(x->end_ms, t2) : "(open)",
		       x->open_ended ? " (no teardown logged)" : "");
		printf("confidence:  %s%s\n", conf_name(x->confidence),
		       n > 1 ? " (more than one mapping within the tolerance)" : "");
		printf("from:        %s line %u\n", x->source, (unsigned)x->line);
		if (i + 1 < n)
			printf("\n");
	}
	printf("\n");
}

static int cmd_lookup(int argc, char **argv)
{
	const char *dir = NULL;
	const char *qs[1024];
	size_t nq = 0;
	bool json = false;
	struct nat_lookup_opts lo = { .skew_ms = NAT_DEFAULT_SKEW_MS, .max_open_ms = NAT_DEFAULT_MAX_OPEN_MS };
	char err[512] = "";
	int rc, status = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "-R") && more) {
			dir = argv[++i];
		} else if (!strcmp(a, "-o") && more) {
			const char *o = argv[++i];
			if (!strcmp(o, "json"))
				json = true;
			else if (strcmp(o, "text")) {
				usage();
				return 2;
			}
		} else if (!strcmp(a, "--skew") && more) {
			char *end;
			double s = strtod(argv[++i], &end);
			if (*end || s < 0 || s > 86400) {
				fprintf(stderr, "vigil nat: --skew %s: seconds, 0 to 86400\n", argv[i]);
				return 2;
			}
			lo.skew_ms = (int64_t)(s * 1000);
		} else if (!strcmp(a, "--max-open") && more) {
			if (vtime_parse_duration(argv[++i], &lo.max_open_ms) || lo.max_open_ms <= 0) {
				fprintf(stderr, "vigil nat: --max-open %s: not a duration\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--proto") && more) {
			int p = proto_parse(argv[++i]);
			if (p < 0 || p > 255) {
				fprintf(stderr, "vigil nat: --proto %s: unknown protocol\n", argv[i]);
				return 2;
			}
			lo.proto = (uint8_t)p;
		} else if (a[0] == '-' && a[1]) {
			usage();
			return 2;
		} else if (nq < sizeof(qs) / sizeof(qs[0])) {
			qs[nq++] = a;
		}
	}
	if (!dir || !nq) {
		usage();
		return 2;
	}
	struct nat_index *x;
	if ((rc = nat_index_open(dir, false, &x, err, sizeof(err)))) {
		fprintf(stderr, "vigil nat: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	for (size_t i = 0; i < nq; i++) {
		struct vaddr a;
		uint16_t port;
		int64_t t;
		struct nat_answer ans[MAX_ANSWERS];
		if (parse_query(qs[i], &a, &port, &t)) {
			fprintf(stderr, "vigil nat: %s: want IP:PORT@TIME (e.g. 192.0.2.1:40123@2024-03-01T10:12:07Z)\n",
				qs[i]);
			status = 2;
			continue;
		}
		int n = nat_lookup(x, &a, port, t, &lo, ans, MAX_ANSWERS);
		if (n < 0) {
			fprintf(stderr, "vigil nat: %s: %s\n", qs[i], vigil_strerror(n));
			status = status ? status : 1;
			continue;
		}
		if (json)
			print_answer_json(qs[i], ans, n);
		else
			print_answer_text(qs[i], ans, n);
		if (n == 0 && !status)
			status = 1;
	}
	nat_index_close(x);
	return status;
}

/* ---- info, expire ---- */

static int cmd_info(int argc, char **argv, bool expire)
{
	const char *dir = NULL, *age = NULL;
	char err[512] = "", t1[40], t2[40];
	int64_t max_age = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-R") && i + 1 < argc)
			dir = argv[++i];
		else if (expire && !strcmp(argv[i], "--max-age") && i + 1 < argc)
			age = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (!dir || (expire && (!age || vtime_parse_duration(age, &max_age) || max_age <= 0))) {
		usage();
		return 2;
	}
	struct nat_index *x;
	if ((rc = nat_index_open(dir, expire, &x, err, sizeof(err)))) {
		fprintf(stderr, "vigil nat: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	if (expire) {
		uint64_t removed = 0;
		rc = nat_index_expire(x, max_age, vtime_now_ms(), &removed);
		printf("removed %llu runs older than %s\n", (unsigned long long)removed, age);
	} else {
		struct nat_index_info in;
		rc = nat_index_info(x, &in);
		printf("runs:        %llu\n", (unsigned long long)in.partitions);
		printf("mappings:    %llu\n", (unsigned long long)in.mappings);
		printf("bytes:       %llu (%.1f per mapping)\n", (unsigned long long)in.bytes,
		       in.mappings ? (double)in.bytes / (double)in.mappings : 0.0);
		if (in.mappings)
			printf("time:        %s - %s\n", vtime_format_s(in.first_ms, t1),
			       vtime_format_s(in.last_ms, t2));
	}
	nat_index_close(x);
	if (rc) {
		fprintf(stderr, "vigil nat: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	return 0;
}

int cmd_nat(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "ingest"))
		return cmd_ingest(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lookup"))
		return cmd_lookup(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "expire"))
		return cmd_info(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage();
		return 0;
	}
	usage();
	return 2;
}
