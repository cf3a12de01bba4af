/*
 * cmd_report.c - `vigil report`: abuse mail in.
 *
 *   vigil report parse [-o json|table] FILE.eml|- ...
 *   vigil report ingest [-c CONFIG] [--desk URL] [--nat DIR] [--sites FILE]
 *                       [--rejected DIR] [--skew SECONDS] FILE.eml|MAILDIR|- ...
 *   vigil report show [-c CONFIG] [--desk URL] ID|SHA256
 *
 * See vigil-report(1). The filing itself is intake.c, shared with vigil run.
 */
#include "cli/commands.h"
#include "cli/intake.h"
#include "desk/desk.h"
#include "nat/nat.h"
#include "report/report.h"
#include "util/addr.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/proto.h"
#include "util/vtime.h"
#include "whois/whois.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INPUTS 65536

static void usage(void)
{
	fprintf(stderr,
		"usage: vigil report parse [-o json|table] FILE.eml|- ...\n"
		"       vigil report ingest [-c CONFIG] [--desk URL] [--nat DIR] [--sites FILE]\n"
		"                           [--rejected DIR] [--skew SECONDS] FILE.eml|MAILDIR|- ...\n"
		"       vigil report show [-c CONFIG] [--desk URL] ID|SHA256\n"
		"See vigil-report(1).\n");
}

static int read_input(const char *path, char **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t cap = 1 << 16, n = 0;
	char *b;

	if (fd < 0) {
		fprintf(stderr, "vigil report: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!(b = malloc(cap))) {
		if (fd)
			close(fd);
		return 1;
	}
	for (;;) {
		if (n == cap) {
			if (cap > (size_t)REPORT_MAX_MAIL) /* over the cap: enough read to say so */
				break;
			char *nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "vigil report: %s: %s\n", path, strerror(errno));
			free(b);
			if (fd)
				close(fd);
			return 1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd)
		close(fd);
	*out = b;
	*len = n;
	return 0;
}

/* ---- parse ---- */

struct pctx {
	bool table;
	const char *file;
	uint64_t n, bad;
};

static void jstr(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void jkey(const char *k, const char *v)
{
	printf(",\"%s\":", k);
	jstr(v);
}

static const char *proto_str(int16_t p, char buf[8])
{
	if (p < 0)
		return NULL;
	const char *n = proto_name((uint8_t)p);
	if (n)
		return n;
	snprintf(buf, 8, "%d", p);
	return buf;
}

static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static int print_occ(void *ctx, const struct report_occ *o)
{
	struct pctx *c = ctx;
	char ip[ADDR_STRLEN], t[40] = "", pb[8];
	const char *proto = proto_str(o->proto, pb);

	c->n++;
	addr_format(&o->ip, ip);
	if (o->time_ms)
		vtime_format_s(o->time_ms, t);
	if (c->table) {
		char port[16] = "-", detail[80], src[64], cid[40];
		if (o->port >= 0)
			snprintf(port, sizeof(port), "%d", (int)o->port & 0xffff);
		snprintf(detail, sizeof(detail), "%.79s", o->detail);
		snprintf(src, sizeof(src), "%s", o->source);
		snprintf(cid, sizeof(cid), "%.39s", o->case_id[0] ? o->case_id : "-");
		clean(detail);
		clean(src);
		clean(cid);
		printf("%-12s %-15s %5s %-5s %-20s %-4s %-12s %-20s %s  %s\n", o->type, ip, port,
		       proto ? proto : "-", t[0] ? t : "-", o->confidence ? "high" : "low", o->format, cid,
		       src, detail);
		return 0;
	}
	printf("{\"type\":");
	jstr(o->type);
	jkey("subtype", o->subtype);
	jkey("ip", ip);
	if (o->port >= 0)
		printf(",\"port\":%d", (int)o->port);
	else
		printf(",\"port\":null");
	if (proto)
		jkey("proto", proto);
	else
		printf(",\"proto\":null");
	if (t[0])
		jkey("time", t);
	else
		printf(",\"time\":null");
	jkey("time_orig", o->time_orig);
	jkey("case", o->case_id);
	jkey("sender", o->sender);
	jkey("format", o->format);
	jkey("confidence", o->confidence ? "high" : "low");
	jkey("source", o->source);
	jkey("detail", o->detail);
	if (o->has_peer) {
		char peer[ADDR_STRLEN];
		jkey("peer", addr_format(&o->peer, peer));
		if (o->peer_port >= 0)
			printf(",\"peer_port\":%d", (int)o->peer_port);
	}
	printf("}\n");
	return 0;
}

static void parse_bad(void *ctx, const char *msg)
{
	struct pctx *c = ctx;
	c->bad++;
	fprintf(stderr, "vigil report: %s: %s\n", c->file, msg);
}

static int cmd_parse(int argc, char **argv)
{
	struct pctx c = { 0 };
	const char *files[1024];
	size_t nf = 0;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			const char *o = argv[++i];
			if (!strcmp(o, "table"))
				c.table = true;
			else if (strcmp(o, "json")) {
				usage();
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage();
			return 2;
		} else if (nf < sizeof(files) / sizeof(files[0])) {
			files[nf++] = argv[i];
		}
	}
	if (!nf) {
		usage();
		return 2;
	}
	if (c.table)
		printf("%-12s %-15s %5s %-5s %-20s %-4s %-12s %-20s %s  %s\n", "TYPE", "IP", "PORT",
		       "PROTO", "TIME", "CONF", "FORMAT", "CASE", "SOURCE", "DETAIL");
	for (size_t i = 0; i < nf; i++) {
		char *raw, err[512] = "";
		size_t len;
		struct report_mail *m;
		struct report_stats st;

		if (read_input(files[i], &raw, &len)) {
			status = 1;
			continue;
		}
		c.file = files[i];
		c.n = c.bad = 0;
		int rc = report_mail_parse(raw, len, &m, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "vigil report: %s: not a readable mail: %s\n", files[i],
				err[0] ? err : vigil_strerror(rc));
			free(raw);
			status = 1;
			continue;
		}
		const struct report_msg *msg = report_mail_msg(m);
		int64_t reply = report_reply_incident(msg->subject);
		rc = report_parse_msg(msg, print_occ, parse_bad, &c, &st, err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "vigil report: %s: %s\n", files[i], err[0] ? err : vigil_strerror(rc));
		if (reply > 0)
			fprintf(stderr, "vigil report: %s: a reply about incident #%lld (ingest files it as correspondence)\n",
				files[i], (long long)reply);
		else if (c.n == 0) {
			fprintf(stderr, "vigil report: %s: no reported address found\n", files[i]);
			status = 1;
		}
		if (c.bad)
			status = 1;
		report_mail_free(m);
		free(raw);
	}
	return status;
}

/* ---- ingest ---- */

struct iopts {
	const char *conf, *desk, *nat, *sites, *rejected, *skew, *actor;
	const char *inputs[MAX_INPUTS];
	size_t n;
};

static void make_parent(const char *url)
{
	char path[1024];
	if (strncmp(url, "sqlite:", 7))
		return;
	snprintf(path, sizeof(path), "%s", url + 7);
	char *s = strrchr(path, '/');
	if (!s)
		return;
	*s = 0;
	mkdir(path, 0750);
}

static int open_desk(const struct conf *c, const char *url, const char *actor, struct desk **d)
{
	char err[512] = "";
	int rc;

	if (!url)
		url = conf_get(c, "desk", "url", DESK_DEFAULT_URL);
	make_parent(url);
	if ((rc = desk_open(url, d, err, sizeof(err)))) {
		fprintf(stderr, "vigil report: %s\n", err[0] ? err : vigil_strerror(rc));
		return 1;
	}
	desk_set_windows(*d, conf_get_duration(c, "desk", "window", DESK_DEFAULT_WINDOW_MS),
			 conf_get_duration(c, "desk", "recurrence", DESK_DEFAULT_RECURRENCE_MS));
	desk_set_actor(*d, actor ? actor : conf_get(c, "desk", "actor", NULL));
	return 0;
}

static int cmd_ingest(int argc, char **argv)
{
	struct iopts *o = calloc(1, sizeof(*o));
	struct conf *c = NULL;
	struct desk *d = NULL;
	struct whois_db *w = NULL;
	struct nat_index *nat = NULL;
	struct intake *in = NULL;
	struct intake_stats st = { 0 };
	char err[512] = "";
	int status = 0, rc;

	if (!o)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		const char **slot = !strcmp(a, "-c") ? &o->conf : !strcmp(a, "--desk") ? &o->desk :
				    !strcmp(a, "--nat") ? &o->nat : !strcmp(a, "--sites") ? &o->sites :
				    !strcmp(a, "--rejected") ? &o->rejected : !strcmp(a, "--skew") ? &o->skew :
				    !strcmp(a, "--actor") ? &o->actor : NULL;
		if (slot && more) {
			*slot = argv[++i];
		} else if ((a[0] == '-' && a[1]) || slot) {
			usage();
			free(o);
			return 2;
		} else if (o->n < MAX_INPUTS) {
			o->inputs[o->n++] = a;
		}
	}
	if (!o->n) {
		usage();
		free(o);
		return 2;
	}
	if ((rc = conf_load(o->conf, &c, err, sizeof(err)))) {
		fprintf(stderr, "vigil report: %s\n", err);
		free(o);
		return 2;
	}
	struct intake_opts io = { 0 };
	io.rejected_dir = o->rejected ? o->rejected : conf_get(c, "report", "rejected", "./var/rejected");
	io.nat_opts.skew_ms = conf_get_duration(c, "nat", "skew", NAT_DEFAULT_SKEW_MS);
	io.nat_opts.max_open_ms = conf_get_duration(c, "nat", "max_open", NAT_DEFAULT_MAX_OPEN_MS);
	if (o->skew) {
		char *end;
		double s = strtod(o->skew, &end);
		if (*end || s < 0 || s > 86400) {
			fprintf(stderr, "vigil report: --skew %s: seconds, 0 to 86400\n", o->skew);
			status = 2;
			goto out;
		}
		io.nat_opts.skew_ms = (int64_t)(s * 1000);
	}
	const char *natdir = o->nat ? o->nat : conf_get(c, "nat", "dir", NULL);
	if (natdir && (rc = nat_index_open(natdir, false, &nat, err, sizeof(err)))) {
		if (o->nat) {
			fprintf(stderr, "vigil report: %s\n", err);
			status = 1;
			goto out;
		}
		fprintf(stderr, "vigil report: %s; NAT gateways stay unresolved\n", err);
		nat = NULL;
	}
	if (cli_whois_open(c, o->sites, &w) < 0) {
		status = 1;
		goto out;
	}
	io.nat = nat;
	io.whois = w;
	if ((status = open_desk(c, o->desk, o->actor, &d)))
		goto out;
	if ((rc = intake_new(d, &io, &in))) {
		status = 1;
		goto out;
	}
	for (size_t i = 0; i < o->n; i++) {
		const char *p = o->inputs[i];
		struct stat sb;
		if (strcmp(p, "-") && !stat(p, &sb) && S_ISDIR(sb.st_mode)) {
			if (!intake_is_maildir(p)) {
				fprintf(stderr, "vigil report: %s: a directory but not a maildir (no new/ and cur/)\n", p);
				status = 1;
				continue;
			}
			rc = intake_maildir(in, p, &st);
		} else {
			char *raw;
			size_t len;
			if (read_input(p, &raw, &len)) {
				status = 1;
				continue;
			}
			rc = intake_mail(in, raw, len, p, &st);
			free(raw);
		}
		if (rc < 0) {
			status = 1;
			break; /* the desk failed: stop, nothing more is acknowledged */
		}
		if (rc == 1)
			status = 1;
	}
	intake_print(&st, stdout);
	if (st.bad_rows)
		fprintf(stderr, "vigil report: %llu rows could not be read (named above)\n",
			(unsigned long long)st.bad_rows);
out:
	intake_free(in);
	desk_close(d);
	nat_index_close(nat);
	whois_free(w);
	conf_free(c);
	free(o);
	return status;
}

/* ---- show ---- */

static int cmd_show(int argc, char **argv)
{
	const char *conf = NULL, *url = NULL, *ref = NULL;
	struct conf *c = NULL;
	struct desk *d = NULL;
	struct desk_document doc;
	char err[512] = "", *raw = NULL;
	size_t len = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "--desk") && i + 1 < argc)
			url = argv[++i];
		else if (argv[i][0] != '-' && !ref)
			ref = argv[i];
		else {
			usage();
			return 2;
		}
	}
	if (!ref) {
		usage();
		return 2;
	}
	if ((rc = conf_load(conf, &c, err, sizeof(err)))) {
		fprintf(stderr, "vigil report: %s\n", err);
		return 2;
	}
	if (open_desk(c, url, NULL, &d)) {
		conf_free(c);
		return 1;
	}
	rc = desk_document_get(d, ref, &doc, &raw, &len);
	if (rc) {
		fprintf(stderr, "vigil report: %s: %s\n", ref,
			rc == VIGIL_ENOTFOUND ? "no such document" : vigil_strerror(rc));
	} else if (fwrite(raw, 1, len, stdout) != len) {
		rc = VIGIL_EIO;
	}
	free(raw);
	desk_close(d);
	conf_free(c);
	return rc ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "parse"))
		return cmd_parse(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ingest"))
		return cmd_ingest(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage();
		return 0;
	}
	usage();
	return 2;
}
