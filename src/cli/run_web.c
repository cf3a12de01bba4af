/*
 * run_web.c - [web] of vigil.conf into a running web desk (run_web.h): the
 * page directory found like the notification templates are (the setting,
 * $VIGIL_WEB_ROOT, ./web, /usr/share/vigil/web), the constituency lent to
 * the server through callbacks, and the in-process collector's counters.
 */
#include "cli/run_web.h"
#include "cli/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect/collect.h"
#include "util/conf.h"
#include "util/err.h"
#include "web/web.h"
#include "whois/whois.h"

struct run_web {
	struct web *web;
	const struct whois_db *whois;
	struct collect *col;
};

static int site_of(void *ctx, const struct vaddr *a, char *site, size_t n)
{
	struct run_web *r = ctx;

	return cli_site_of((void *)r->whois, a, site, n);
}

static json_t *whois_json(void *ctx, const struct vaddr *a)
{
	struct run_web *r = ctx;
	struct whois_result res;
	char ip[ADDR_STRLEN];

	memset(&res, 0, sizeof(res));
	if (r->whois)
		whois_lookup(r->whois, a, &res);
	return cli_whois_json(addr_format(a, ip), &res);
}

struct find_site {
	const char *site;
	struct vaddr a;
	bool found;
};

static int find_site(void *ctx, const char *site, const struct vaddr *a)
{
	struct find_site *f = ctx;

	if (strcmp(site, f->site))
		return 0;
	f->a = *a;
	f->found = true;
	return 1;
}

static json_t *site_contacts(void *ctx, const char *site)
{
	struct run_web *r = ctx;
	struct find_site f = { .site = site };
	struct whois_result res;
	json_t *arr = json_array(), *o;

	if (!r->whois || !arr)
		return arr;
	whois_each_site(r->whois, find_site, &f);
	if (!f.found || !whois_lookup(r->whois, &f.a, &res))
		return arr;
	o = json_object();
	if (res.abuse_mailbox)
		json_object_set_new(o, "abuse_mailbox", json_string(res.abuse_mailbox));
	if (res.contact)
		json_object_set_new(o, "contact", json_string(res.contact));
	if (res.phone)
		json_object_set_new(o, "phone", json_string(res.phone));
	if (res.pgp)
		json_object_set_new(o, "pgp", json_string(res.pgp));
	if (res.language)
		json_object_set_new(o, "language", json_string(res.language));
	json_array_append_new(arr, o);
	return arr;
}

static int collector(void *ctx, struct web_collector_stats *st)
{
	struct run_web *r = ctx;
	struct collect_totals t;

	if (!r->col)
		return -1;
	collect_get_totals(r->col, &t);
	st->packets = t.packets;
	st->flows = t.flows;
	st->bad_packets = t.bad_packets;
	st->seq_lost = t.seq_lost;
	st->kernel_drops = t.kernel_drops;
	st->denied = t.denied;
	st->stored = t.stored;
	st->store_errors = t.store_errors;
	st->exporters = t.exporters;
	return 0;
}

static bool is_dir(const char *p)
{
	struct stat sb;

	return p && !stat(p, &sb) && S_ISDIR(sb.st_mode);
}

static const char *pick_root(const char *set)
{
	const char *env = getenv("VIGIL_WEB_ROOT");

	if (set && *set)
		return set;
	if (env && *env)
		return env;
	if (is_dir("./web"))
		return "./web";
	return "/usr/share/vigil/web";
}

int run_web_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		  struct collect *col, bool force, const char *listen_override,
		  const char *root_override, struct run_web **out)
{
	const char *listen = listen_override ? listen_override : conf_get(cf, "web", "listen", NULL);
	struct web_conf wc;
	struct run_web *r;
	char err[512] = "";
	int rc;

	*out = NULL;
	if (!listen && !force)
		return 0;
	if (!(r = calloc(1, sizeof(*r)))) {
		fprintf(stderr, "vigil web: out of memory\n");
		return -1;
	}
	r->whois = whois;
	r->col = col;
	memset(&wc, 0, sizeof(wc));
	wc.listen = listen ? listen : WEB_DEFAULT_LISTEN;
	wc.root = pick_root(root_override ? root_override : conf_get(cf, "web", "root", NULL));
	if (!is_dir(wc.root)) {
		fprintf(stderr, "vigil web: no page directory %s ([web] root): serving the API only\n",
			wc.root);
		wc.root = NULL;
	}
	wc.cert = conf_get(cf, "web", "cert", NULL);
	wc.key = conf_get(cf, "web", "key", NULL);
	wc.desk_url = desk_url ? desk_url : conf_get(cf, "desk", "url", "sqlite:./var/desk.sqlite");
	wc.store_dir = conf_get(cf, "store", "dir", "./var/flows");
	wc.session_ttl_ms = conf_get_duration(cf, "web", "session_ttl", WEB_DEFAULT_TTL_MS);
	wc.login_rate = (int)conf_get_int(cf, "web", "login_rate", WEB_DEFAULT_LOGIN_RATE);
	wc.site_of = whois ? site_of : NULL;
	wc.whois_json = whois_json;
	wc.site_contacts = site_contacts;
	wc.collector = col ? collector : NULL;
	wc.ctx = r;
	if ((rc = web_start(&wc, &r->web, err, sizeof(err)))) {
		fprintf(stderr, "vigil web: %s\n", err[0] ? err : vigil_strerror(rc));
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

unsigned run_web_port(const struct run_web *r)
{
	return r ? web_port(r->web) : 0;
}

void run_web_stop(struct run_web *r)
{
	if (!r)
		return;
	web_stop(r->web);
	free(r);
}
