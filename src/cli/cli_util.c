/* cli_util.c - small helpers shared by the subcommands (see commands.h). */
#include "cli/commands.h"

#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "whois/whois.h"

#include <stdio.h>
#include <sys/stat.h>

#define MAX_RPSL 64

void cli_report_bad_line(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	if (line)
		log_warn("%s:%u: %s", file, line, msg);
	else
		log_error("%s: %s", file, msg);
}

int cli_site_of(void *ctx, const struct vaddr *a, char *site, size_t n)
{
	const struct whois_db *db = ctx;
	struct whois_result res;

	if (!db || !whois_lookup(db, a, &res))
		return -1;
	if (res.site)
		snprintf(site, n, "%s", res.site);
	else if (res.org_name)
		snprintf(site, n, "%s", res.org_name);
	else if (res.netname)
		snprintf(site, n, "%s", res.netname);
	else
		return -1;
	return 0;
}

int cli_whois_open(const struct conf *cf, const char *sites_override, struct whois_db **out)
{
	const char *db = conf_get(cf, "whois", "db", NULL);
	const char *sites = sites_override ? sites_override : conf_get(cf, "whois", "sites", NULL);
	const char *rpsl[MAX_RPSL];
	size_t nrpsl;
	struct stat st;
	int rc;

	*out = NULL;
	if ((rc = conf_get_all(cf, "whois", "rpsl", rpsl, MAX_RPSL, &nrpsl)) < 0)
		return rc;
	if (sites_override)
		db = NULL;
	if (!db && !sites && nrpsl == 0 && stat("var/whois.db", &st) == 0)
		db = "var/whois.db";
	if (db) {
		if ((rc = whois_open(db, out)) < 0) {
			log_error("whois snapshot %s: %s", db, vigil_strerror(rc));
			return rc;
		}
	} else if (sites || nrpsl) {
		rc = whois_build(rpsl, nrpsl, sites, cli_report_bad_line, NULL, out);
		if (rc < 0) {
			log_error("constituency: %s", vigil_strerror(rc));
			return rc;
		}
	}
	return 0;
}
