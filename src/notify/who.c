/*
 * who.c - who is told about an address: for our own hosts the site's
 * `abuse` mailbox (else its `contact`) from the sites table, with its
 * language, format, batch and PGP key, and a second contact to escalate to;
 * for outside hosts the abuse-mailbox of the network in the RIPE database
 * (else its irt's), batched per contact as [notify] outside_batch says.
 */
#include "notify/notify_int.h"
#include "util/err.h"
#include "util/vtime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The bare addresses of list, comma-separated, into out; false when none. */
static bool clean_list(const char *list, char *out, size_t n)
{
	char buf[1024];
	const char *v[16];
	int k;
	size_t len = 0;

	out[0] = 0;
	if (!list || !*list)
		return false;
	k = mail_addresses(list, buf, sizeof(buf), v, 16);
	for (int i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "," : "", v[i]);
	return k > 0 && len < n;
}

int notify_who(const struct notify *n, const char *host, struct notify_who *w)
{
	struct whois_result r;
	struct vaddr a;
	char first[512];

	memset(w, 0, sizeof(*w));
	if (!n->w || addr_parse(host, &a) || !whois_lookup(n->w, &a, &r))
		return VIGIL_ENOTFOUND;
	snprintf(w->language, sizeof(w->language), "%s", r.language && *r.language ? r.language : "en");
	snprintf(w->format, sizeof(w->format), "%s", r.format && *r.format ? r.format : "text");
	if (r.netname)
		snprintf(w->netname, sizeof(w->netname), "%s", r.netname);
	if (r.country)
		snprintf(w->country, sizeof(w->country), "%s", r.country);
	if (r.as_name)
		snprintf(w->as_name, sizeof(w->as_name), "%s", r.as_name);
	w->nasn = r.nasn;
	memcpy(w->asn, r.asn, sizeof(w->asn));
	if (r.is_ours && r.site) {
		w->ours = true;
		snprintf(w->site, sizeof(w->site), "%s", r.site);
		snprintf(w->site_name, sizeof(w->site_name), "%s",
			 r.org_name && *r.org_name ? r.org_name : r.site);
		if (!clean_list(r.abuse_mailbox, w->to, sizeof(w->to)) &&
		    !clean_list(r.contact, w->to, sizeof(w->to)))
			return VIGIL_ENOTFOUND;
		/* the second contact: the site's contact when notices go to abuse */
		if (clean_list(r.contact, first, sizeof(first)) && strcasecmp(first, w->to))
			snprintf(w->escalate, sizeof(w->escalate), "%s", first);
		else if (n->c.escalate[0])
			clean_list(n->c.escalate, w->escalate, sizeof(w->escalate));
		if (r.pgp)
			snprintf(w->pgp, sizeof(w->pgp), "%s", r.pgp);
		w->batch_ms = n->c.batch_ms;
		if (r.batch && *r.batch) {
			int64_t ms;

			if (!strcasecmp(r.batch, "now"))
				w->batch_ms = 0;
			else if (!vtime_parse_duration(r.batch, &ms))
				w->batch_ms = ms;
		}
		snprintf(w->key, sizeof(w->key), "site:%s", w->site);
		return 0;
	}
	if (!n->c.outside)
		return VIGIL_ENOTFOUND;
	if (!clean_list(r.abuse_mailbox, w->to, sizeof(w->to)) &&
	    !clean_list(r.irt_abuse_mailbox, w->to, sizeof(w->to)) &&
	    !clean_list(r.irt_email, w->to, sizeof(w->to)))
		return VIGIL_ENOTFOUND;
	snprintf(w->site_name, sizeof(w->site_name), "%s",
		 r.org_name && *r.org_name ? r.org_name : (r.netname ? r.netname : "-"));
	snprintf(w->format, sizeof(w->format), "%s", notify_wants_csv(&n->c, w->to) ? "csv" : "text");
	w->batch_ms = n->c.outside_batch_ms;
	snprintf(w->key, sizeof(w->key), "contact:%s", w->to);
	return 0;
}

json_t *notify_who_json(const struct notify_who *w)
{
	json_t *asn = json_array();

	for (unsigned i = 0; i < w->nasn; i++)
		json_array_append_new(asn, json_integer(w->asn[i]));
	if (w->ours)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", w->site, "name",
				 w->site_name, "abuse", w->to, "contact", w->escalate, "language",
				 w->language, "format", w->format, "asn", asn);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", w->site_name, "abuse", w->to,
			 "as_name", w->as_name, "netname", w->netname, "country", w->country,
			 "asn", asn);
}
