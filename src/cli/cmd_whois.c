/*
 * cmd_whois.c - `vigil whois`: who is responsible for an address.
 *
 *   vigil whois [-c CONFIG] [--rpsl FILE ...] [--sites FILE] [--db SNAPSHOT]
 *               [-o text|json] IP ...
 *   vigil whois import [-c CONFIG] [--rpsl FILE ...] [--sites FILE] [-o SNAPSHOT]
 *
 * A lookup uses the RPSL dumps and sites table named on the command line if
 * any, else the snapshot (--db, [whois] db, ./var/whois.db) when it exists,
 * else the files named in vigil.conf ([whois] rpsl, sites). Each address
 * prints as a block (like whois(1), but resolved to the abuse contact) or,
 * with -o json, as one JSON object a line; every answer says where it came
 * from. Exit status: 0 all addresses matched, 1 one matched nothing, 2 usage
 * or load errors.
 */
#include "cli/commands.h"
#include "util/addr.h"
#include "util/conf.h"
#include "util/err.h"
#include "whois/whois.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_DB "./var/whois.db"
#define MAX_FILES 256
#define MAX_ERRORS_SHOWN 50

struct opts {
	const char *conf_path, *sites, *db, *out;
	const char *rpsl[MAX_FILES];
	size_t nrpsl;
	const char *ips[1024];
	size_t nips;
	bool json;
};

struct errs {
	uint64_t n;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: vigil whois [-c CONFIG] [--rpsl FILE ...] [--sites FILE] [--db SNAPSHOT]\n"
		"                   [-o text|json] IP ...\n"
		"       vigil whois import [-c CONFIG] [--rpsl FILE ...] [--sites FILE] [-o SNAPSHOT]\n"
		"  --rpsl FILE ...  RPSL dumps (ripe.db.inetnum, ... plain or .gz); repeatable\n"
		"  --sites FILE     the local constituency table (see docs/sites.example)\n"
		"  --db SNAPSHOT    a snapshot written by `vigil whois import` (default %s)\n"
		"  -o json          one JSON object a line instead of text blocks\n"
		"See vigil-whois(1).\n",
		DEFAULT_DB);
}

static void on_err(void *ctx, const char *file, uint32_t line, const char *msg)
{
	struct errs *e = ctx;

	if (e->n++ < MAX_ERRORS_SHOWN)
		fprintf(stderr, "vigil whois: %s:%u: %s\n", file, (unsigned)line, msg);
	else if (e->n == MAX_ERRORS_SHOWN + 1)
		fprintf(stderr, "vigil whois: more errors not shown (see the count below)\n");
}

static bool is_addr(const char *s)
{
	struct vaddr a;
	return addr_parse(s, &a) == 0;
}

/* Returns 0, or 2 on a usage error. */
static int parse_args(int argc, char **argv, int first, bool import, struct opts *o)
{
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "--rpsl") && more) {
			/* one or more files: up to the next option or address */
			while (i + 1 < argc && argv[i + 1][0] != '-' && (import || !is_addr(argv[i + 1]))) {
				if (o->nrpsl == MAX_FILES)
					return 2;
				o->rpsl[o->nrpsl++] = argv[++i];
			}
		} else if (!strcmp(a, "--sites") && more) {
			o->sites = argv[++i];
		} else if (!strcmp(a, "--db") && more) {
			o->db = argv[++i];
		} else if (!strcmp(a, "-c") && more) {
			o->conf_path = argv[++i];
		} else if (!strcmp(a, "-o") && more) {
			o->out = argv[++i];
			if (!import) {
				if (!strcmp(o->out, "json"))
					o->json = true;
				else if (strcmp(o->out, "text") != 0)
					return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			return 2;
		} else if (import) {
			if (o->nrpsl == MAX_FILES)
				return 2;
			o->rpsl[o->nrpsl++] = a;
		} else {
			if (o->nips == sizeof(o->ips) / sizeof(o->ips[0]))
				return 2;
			o->ips[o->nips++] = a;
		}
	}
	return 0;
}

static int add_conf_rpsl(void *ctx, const char *value)
{
	struct opts *o = ctx;

	if (o->nrpsl == MAX_FILES)
		return 1;
	o->rpsl[o->nrpsl++] = value;
	return 0;
}

static void print_stats(const struct whois_db *db, struct errs *e)
{
	struct whois_stats st;

	whois_get_stats(db, &st);
	fprintf(stderr,
		"vigil whois: %llu inetnum, %llu inet6num, %llu route, %llu route6, %llu aut-num, "
		"%llu organisation, %llu role, %llu person, %llu irt; %llu other objects skipped; "
		"%llu sites, %llu site prefixes; %llu bad objects/lines\n",
		(unsigned long long)st.inetnum, (unsigned long long)st.inet6num,
		(unsigned long long)st.route, (unsigned long long)st.route6,
		(unsigned long long)st.autnum, (unsigned long long)st.organisation,
		(unsigned long long)st.role, (unsigned long long)st.person,
		(unsigned long long)st.irt, (unsigned long long)st.skipped,
		(unsigned long long)st.sites, (unsigned long long)st.site_prefixes,
		(unsigned long long)(e ? e->n : st.bad));
}

/* Database text is untrusted: control characters (an escape sequence in a
 * dump aimed at the analyst's terminal) print as '?'. */
static void line(const char *name, const char *value)
{
	if (!value || !*value)
		return;
	printf("%-15s ", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

static void from(const struct whois_src *s)
{
	char buf[512];

	if (s->cls)
		line("  from:", whois_src_format(s, buf, sizeof(buf)));
}

static void print_text(const char *ip, const struct whois_result *r)
{
	char buf[512];

	printf("%% %s\n", ip);
	if (!r->found) {
		printf("%% no match\n\n");
		return;
	}
	line("address:", ip);
	line("prefix:", whois_range_format(r, buf));
	line("netname:", r->netname);
	line("country:", r->country);
	from(&r->src_net);
	if (r->is_ours) {
		snprintf(buf, sizeof(buf), "yes (site %s)", r->site);
		line("ours:", buf);
		if (r->is_nat_gateway)
			line("nat-gateway:", "yes");
		line("language:", r->language);
		line("format:", r->format);
		line("batch:", r->batch);
		line("pgp:", r->pgp);
		from(&r->src_site);
	} else {
		line("ours:", "no");
	}
	if (r->org_id && r->org_name && r->src_org.cls && strcmp(r->src_org.cls, "site") != 0) {
		snprintf(buf, sizeof(buf), "%s (%s)", r->org_name, r->org_id);
		line("organisation:", buf);
	} else {
		line("organisation:", r->org_name);
	}
	from(&r->src_org);
	for (unsigned i = 0; i < r->nasn; i++) {
		snprintf(buf, sizeof(buf), "AS%u%s%s", r->asn[i], i == 0 && r->as_name ? " " : "",
			 i == 0 && r->as_name ? r->as_name : "");
		line("origin:", buf);
	}
	from(&r->src_route);
	line("abuse-mailbox:", r->abuse_mailbox);
	from(&r->src_abuse);
	line("contact:", r->contact);
	line("phone:", r->phone);
	from(&r->src_contact);
	line("irt:", r->irt);
	line("irt-abuse:", r->irt_abuse_mailbox);
	line("irt-e-mail:", r->irt_email);
	line("irt-signature:", r->irt_signature);
	line("irt-encryption:", r->irt_encryption);
	from(&r->src_irt);
	printf("\n");
}

static void jstr(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static void jsrc(json_t *o, const char *k, const struct whois_src *s)
{
	char buf[512];

	if (s->cls)
		json_object_set_new(o, k, json_string(whois_src_format(s, buf, sizeof(buf))));
}

json_t *cli_whois_json(const char *ip, const struct whois_result *r)
{
	json_t *o = json_object(), *src = json_object(), *as = json_array();
	char buf[512];

	if (!o || !src || !as) {
		json_decref(o);
		json_decref(src);
		json_decref(as);
		return NULL;
	}
	jstr(o, "address", ip);
	json_object_set_new(o, "found", json_boolean(r->found));
	if (r->found)
		jstr(o, "prefix", whois_range_format(r, buf));
	jstr(o, "netname", r->netname);
	jstr(o, "country", r->country);
	json_object_set_new(o, "ours", json_boolean(r->is_ours));
	json_object_set_new(o, "nat_gateway", json_boolean(r->is_nat_gateway));
	jstr(o, "site", r->site);
	jstr(o, "org_id", r->org_id);
	jstr(o, "org_name", r->org_name);
	for (unsigned i = 0; i < r->nasn; i++)
		json_array_append_new(as, json_integer(r->asn[i]));
	json_object_set_new(o, "origin_as", as);
	jstr(o, "as_name", r->as_name);
	jstr(o, "abuse_mailbox", r->abuse_mailbox);
	jstr(o, "contact", r->contact);
	jstr(o, "phone", r->phone);
	jstr(o, "pgp", r->pgp);
	jstr(o, "language", r->language);
	jstr(o, "format", r->format);
	jstr(o, "batch", r->batch);
	jstr(o, "irt", r->irt);
	jstr(o, "irt_abuse_mailbox", r->irt_abuse_mailbox);
	jstr(o, "irt_email", r->irt_email);
	jstr(o, "irt_signature", r->irt_signature);
	jstr(o, "irt_encryption", r->irt_encryption);
	jsrc(src, "net", &r->src_net);
	jsrc(src, "org", &r->src_org);
	jsrc(src, "abuse", &r->src_abuse);
	jsrc(src, "contact", &r->src_contact);
	jsrc(src, "route", &r->src_route);
	jsrc(src, "irt", &r->src_irt);
	jsrc(src, "site", &r->src_site);
	jsrc(src, "nat", &r->src_nat);
	json_object_set_new(o, "sources", src);
	return o;
}

static int print_json(const char *ip, const struct whois_result *r)
{
	json_t *o = cli_whois_json(ip, r);
	char *s;

	if (!o)
		return VIGIL_ENOMEM;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return VIGIL_ENOMEM;
	puts(s);
	free(s);
	return 0;
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static int load_conf(struct opts *o, struct conf **cf)
{
	char err[512];

	if (conf_load(o->conf_path, cf, err, sizeof(err))) {
		fprintf(stderr, "vigil whois: %s\n", err);
		return 2;
	}
	return 0;
}

static int do_import(struct opts *o)
{
	struct conf *cf = NULL;
	struct whois_db *db = NULL;
	struct errs e = { 0 };
	const char *out;
	int rc, ret = 2;

	if ((rc = load_conf(o, &cf)) != 0)
		return rc;
	if (!o->nrpsl && !o->sites) {
		conf_each(cf, "whois", "rpsl", add_conf_rpsl, o);
		o->sites = conf_get(cf, "whois", "sites", NULL);
	}
	if (!o->nrpsl && !o->sites) {
		fprintf(stderr, "vigil whois import: no --rpsl or --sites, and none in the config\n");
		goto out;
	}
	out = o->out ? o->out : conf_get(cf, "whois", "db", DEFAULT_DB);
	if ((rc = whois_build(o->rpsl, o->nrpsl, o->sites, on_err, &e, &db)) != 0) {
		fprintf(stderr, "vigil whois import: %s\n", vigil_strerror(rc));
		goto out;
	}
	print_stats(db, &e);
	{
		/* the default ./var/whois.db: create ./var when it is missing */
		char dir[4096];
		const char *slash = strrchr(out, '/');
		if (slash && slash != out && (size_t)(slash - out) < sizeof(dir)) {
			memcpy(dir, out, (size_t)(slash - out));
			dir[slash - out] = '\0';
			if (!exists(dir))
				mkdir(dir, 0755);
		}
	}
	if ((rc = whois_save(db, out)) != 0) {
		fprintf(stderr, "vigil whois import: writing %s: %s (%s)\n", out, vigil_strerror(rc),
			strerror(errno));
		goto out;
	}
	fprintf(stderr, "vigil whois: wrote %s\n", out);
	ret = 0;
out:
	whois_free(db);
	conf_free(cf);
	return ret;
}

static int do_lookup(struct opts *o)
{
	struct conf *cf = NULL;
	struct whois_db *db = NULL;
	struct errs e = { 0 };
	int rc, ret = 2;

	if ((rc = load_conf(o, &cf)) != 0)
		return rc;
	if (!o->nrpsl && !o->sites) {
		const char *snap = o->db ? o->db : conf_get(cf, "whois", "db", DEFAULT_DB);
		if (o->db || exists(snap)) {
			if ((rc = whois_open(snap, &db)) != 0) {
				fprintf(stderr, "vigil whois: %s: %s\n", snap, vigil_strerror(rc));
				goto out;
			}
		} else {
			conf_each(cf, "whois", "rpsl", add_conf_rpsl, o);
			o->sites = conf_get(cf, "whois", "sites", NULL);
			if (!o->nrpsl && !o->sites) {
				fprintf(stderr, "vigil whois: no data: give --rpsl/--sites, run `vigil "
						"whois import`, or set [whois] rpsl/sites in the config\n");
				goto out;
			}
		}
	}
	if (!db) {
		if ((rc = whois_build(o->rpsl, o->nrpsl, o->sites, on_err, &e, &db)) != 0) {
			fprintf(stderr, "vigil whois: %s\n", vigil_strerror(rc));
			goto out;
		}
		if (e.n)
			print_stats(db, &e);
	}
	ret = 0;
	for (size_t i = 0; i < o->nips; i++) {
		struct vaddr a;
		struct whois_result r;
		if (addr_parse(o->ips[i], &a)) {
			fprintf(stderr, "vigil whois: not an address: %s\n", o->ips[i]);
			ret = 2;
			continue;
		}
		if (!whois_lookup(db, &a, &r) && ret == 0)
			ret = 1;
		if (o->json)
			print_json(o->ips[i], &r);
		else
			print_text(o->ips[i], &r);
	}
out:
	whois_free(db);
	conf_free(cf);
	return ret;
}

int cmd_whois(int argc, char **argv)
{
	struct opts o;
	bool import = argc > 1 && !strcmp(argv[1], "import");

	memset(&o, 0, sizeof(o));
	if (parse_args(argc, argv, import ? 2 : 1, import, &o)) {
		usage();
		return 2;
	}
	if (import)
		return do_import(&o);
	if (!o.nips) {
		usage();
		return 2;
	}
	return do_lookup(&o);
}
