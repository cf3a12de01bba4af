/*
 * advisory.c - advisories to the constituency: to every site, or to the
 * sites a flow query over the store concerns (every site with a host
 * answering 1434/udp in the last week, as for SQL Slammer), each site's
 * mail listing its own hosts. The query's addresses on the chosen side
 * (the flows' sources by default) are looked up in the sites table; the
 * desk records which site got which mail, so a site never gets it twice.
 */
#include "notify/notify_int.h"
#include "query/query.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADV_MAX_HOSTS 200000 /* addresses one query may name */
#define ADV_HOSTS_LISTED 1000 /* hosts one site's mail lists */

struct adv_site {
	struct notify_who who;
	struct buf hosts; /* "a, b, c" */
	size_t nhosts;
};

struct adv {
	struct notify *n;
	struct adv_site *v;
	size_t nv, cap;
};

static struct adv_site *site_of(struct adv *a, const struct notify_who *w)
{
	struct adv_site *grown;

	for (size_t i = 0; i < a->nv; i++)
		if (!strcmp(a->v[i].who.key, w->key))
			return &a->v[i];
	if (a->nv == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		if (!(grown = realloc(a->v, a->cap * sizeof(*grown))))
			return NULL;
		a->v = grown;
	}
	memset(&a->v[a->nv], 0, sizeof(a->v[0]));
	a->v[a->nv].who = *w;
	buf_init(&a->v[a->nv].hosts, 1u << 20);
	return &a->v[a->nv++];
}

static void adv_free(struct adv *a)
{
	for (size_t i = 0; i < a->nv; i++)
		buf_free(&a->v[i].hosts);
	free(a->v);
}

static int each_site(void *ctx, const char *site, const struct vaddr *addr)
{
	struct adv *a = ctx;
	struct notify_who w;
	char s[ADDR_STRLEN];

	if (notify_who(a->n, addr_format(addr, s), &w) || !w.ours || strcmp(w.site, site)) {
		log_warn("advisory: site %s has nobody to tell (no abuse or contact)", site);
		return 0;
	}
	return site_of(a, &w) ? 0 : VIGIL_ENOMEM;
}

static void add_host(struct adv *a, const char *host)
{
	struct notify_who w;
	struct adv_site *s;

	if (notify_who(a->n, host, &w) || !w.ours || !(s = site_of(a, &w)))
		return;
	s->nhosts++;
	if (s->nhosts <= ADV_HOSTS_LISTED) {
		if (s->hosts.len)
			buf_addstr(&s->hosts, ", ");
		buf_addstr(&s->hosts, host);
	}
}

/* The addresses of the flows sel selects, on its side, through a top-N run. */
static int from_flows(struct adv *a, const struct notify_selector *sel, char *err, size_t errlen)
{
	struct query_opts o = { .format = QUERY_OUT_CSV, .limit = ADV_MAX_HOSTS,
				.from_ms = sel->from_ms, .to_ms = sel->to_ms };
	struct query_run *qr = NULL;
	struct store_reader *r = NULL;
	struct store_select ss;
	struct store_block *b;
	char *text = NULL, *save = NULL, *line;
	size_t tlen = 0;
	FILE *mem;
	int rc;

	if (!a->n->store_dir[0]) {
		snprintf(err, errlen, "a flow filter needs the flow store ([store] dir or -R)");
		return VIGIL_EINVAL;
	}
	if (!sel->side || strcmp(sel->side, "dst"))
		o.stat_key[o.nstats++] = QUERY_KEY_SRCIP;
	if (sel->side && (!strcmp(sel->side, "dst") || !strcmp(sel->side, "any")))
		o.stat_key[o.nstats++] = QUERY_KEY_DSTIP;
	for (size_t i = 0; i < o.nstats; i++)
		o.stat_order[i] = QUERY_ORDER_FLOWS;
	if (!(mem = open_memstream(&text, &tlen)))
		return VIGIL_ENOMEM;
	if ((rc = query_run_new(sel->filter, &o, mem, &qr, err, errlen)))
		goto out;
	ss = (struct store_select){ .from_ms = o.from_ms, .to_ms = o.to_ms };
	ss.nhosts = query_run_hosts(qr, &ss.hosts);
	if ((rc = store_reader_open(a->n->store_dir, &ss, &r)) < 0) {
		snprintf(err, errlen, "%s: %s", a->n->store_dir, vigil_strerror(rc));
		goto out;
	}
	while ((rc = store_reader_next_block(r, &b)) > 0)
		if ((rc = query_run_block(qr, b)))
			break;
	rc = rc < 0 ? rc : query_run_finish(qr);
out:
	if (r)
		store_reader_close(r);
	query_run_free(qr);
	fclose(mem);
	if (rc >= 0 && text) {
		/* stat,order,rank,key,... */
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f[4];
			char *p = line;
			int k;

			for (k = 0; k < 4 && p; k++) {
				f[k] = p;
				if ((p = strchr(p, ',')))
					*p++ = 0;
			}
			if (k == 4 && strcmp(f[0], "stat"))
				add_host(a, f[3]);
		}
	}
	free(text);
	return rc < 0 ? rc : 0;
}

static int choose(struct notify *n, const struct notify_selector *sel, struct adv *a, char *err,
		  size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->n = n;
	if (!n->w) {
		snprintf(err, errlen, "an advisory needs the constituency ([whois] db or sites)");
		return VIGIL_EINVAL;
	}
	if (sel->all)
		return whois_each_site(n->w, each_site, a);
	if (!sel->filter || !*sel->filter) {
		snprintf(err, errlen, "choose the recipients: every site, or a flow filter");
		return VIGIL_EINVAL;
	}
	return from_flows(a, sel, err, errlen);
}

int notify_advisory_sites(struct notify *n, const struct notify_selector *sel,
			  int (*fn)(void *ctx, const char *site, const char *recipient,
				    const char *hosts),
			  void *ctx, char *err, size_t errlen)
{
	struct adv a;
	int rc = choose(n, sel, &a, err, errlen);

	for (size_t i = 0; rc == 0 && i < a.nv; i++)
		if (fn(ctx, a.v[i].who.site, a.v[i].who.to, a.v[i].hosts.data ? a.v[i].hosts.data : ""))
			break;
	adv_free(&a);
	return rc;
}

static json_t *adv_data(struct notify *n, const struct desk_advisory *adv, const char *body,
			const struct adv_site *s, int64_t now)
{
	json_t *data = json_object(), *hosts = json_array();
	char *copy = strdup(s->hosts.data ? s->hosts.data : ""), *save = NULL, *h;

	for (h = copy ? strtok_r(copy, ", ", &save) : NULL; h; h = strtok_r(NULL, ", ", &save))
		json_array_append_new(hosts, json_pack("{s:s}", "host", h));
	free(copy);
	json_object_set_new(data, "advisory",
			    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)adv->id, "title",
				      adv->title, "body", body));
	json_object_set_new(data, "hosts_count", json_integer((json_int_t)s->nhosts));
	json_object_set_new(data, "hosts", hosts);
	json_object_set_new(data, "more_events",
			    json_integer(s->nhosts > ADV_HOSTS_LISTED ? (json_int_t)(s->nhosts - ADV_HOSTS_LISTED) : 0));
	notify_data_common(n, data, &s->who, now, 0);
	return data;
}

static int load(struct notify *n, int64_t id, struct desk_advisory *adv, char **body, char *err,
		size_t errlen)
{
	int rc = desk_advisory_get(n->d, id, adv, body);

	if (rc)
		snprintf(err, errlen, "advisory %lld: %s", (long long)id, vigil_strerror(rc));
	return rc;
}

int notify_advisory_preview(struct notify *n, int64_t id, const struct notify_selector *sel,
			    const char *site, FILE *out, char *err, size_t errlen)
{
	struct desk_advisory adv;
	char *body = NULL;
	struct adv a;
	struct adv_site *s = NULL;
	const struct tmpl *t;
	struct buf b;
	json_t *data;
	int rc;

	if ((rc = load(n, id, &adv, &body, err, errlen)))
		return rc;
	if ((rc = choose(n, sel, &a, err, errlen)))
		goto out;
	for (size_t i = 0; i < a.nv && !s; i++)
		if (!site || !strcmp(a.v[i].who.site, site))
			s = &a.v[i];
	if (!s) {
		snprintf(err, errlen, "advisory %lld concerns %s", (long long)id,
			 site ? "no such site" : "no site");
		rc = VIGIL_ENOTFOUND;
		goto out;
	}
	if (!(t = tmplset_get(n->ts, s->who.language, "advisory", err, errlen))) {
		rc = VIGIL_ENOTFOUND;
		goto out;
	}
	data = adv_data(n, &adv, body, s, vtime_now_ms());
	buf_init(&b, NOTIFY_MAX_MAIL);
	rc = tmpl_render(t, data, &b);
	json_decref(data);
	if (!rc)
		fprintf(out, "From: %s\nTo: %s\nX-Site: %s\nX-Template: %s\n%s", n->c.from, s->who.to,
			s->who.site, tmpl_name(t), b.data ? b.data : "");
	buf_free(&b);
out:
	adv_free(&a);
	free(body);
	return rc;
}

int notify_advisory_send(struct notify *n, int64_t id, const struct notify_selector *sel,
			 int64_t now, char *err, size_t errlen)
{
	struct desk_advisory adv;
	char *body = NULL;
	struct adv a;
	int rc, queued = 0, failed = 0;

	if ((rc = load(n, id, &adv, &body, err, errlen)))
		return rc;
	if ((rc = choose(n, sel, &a, err, errlen)))
		goto out;
	for (size_t i = 0; i < a.nv; i++) {
		struct adv_site *s = &a.v[i];
		struct notify_mail nm;
		char why[512];
		json_t *data = adv_data(n, &adv, body, s, now);

		rc = notify_compose(n, "advisory", &s->who, NULL, data, "advisory", "", NULL, NULL,
				    now, &nm, why, sizeof(why));
		json_decref(data);
		if (rc) {
			log_error("advisory %lld to %s: %s", (long long)id, s->who.site, why);
			snprintf(err, errlen, "%s", why);
			failed++;
			continue;
		}
		rc = desk_advisory_queue(n->d, id, s->who.site, s->hosts.data ? s->hosts.data : "",
					 &nm.m, nm.raw, nm.len);
		free(nm.raw);
		if (rc == 0)
			queued++;
		else if (rc != VIGIL_EEXIST)
			failed++;
	}
	if (queued)
		desk_advisory_sent(n->d, id, now);
	rc = failed ? VIGIL_EIO : queued;
out:
	adv_free(&a);
	free(body);
	return rc;
}
