/*
 * cmd_export.c - `vigil incident export N... -o iodef|iodef1|xarf|json`:
 * incidents as other teams read them (src/exchange). Who we are comes from
 * [exchange] (team, name, email, restriction), falling back to [notify]
 * team and from. See vigil-incident(1).
 */
#include "cli/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk/desk.h"
#include "exchange/exchange.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/err.h"

#define MAX_EXPORT 10000

static const char usage_text[] =
	"usage: vigil incident export N ... [-o iodef|iodef1|xarf|json] [--out FILE]\n"
	"                             [--desk URL] [-c CONFIG]\n";

/* The address in "Name <addr>" (or the whole string) into out. */
static void bare_addr(const char *from, char *out, size_t n)
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt && gt > lt + 1)
		snprintf(out, n, "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(out, n, "%s", from);
}

int cmd_incident_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'O' },
		{ "desk", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "iodef", *outpath = NULL, *desk_url = NULL, *confpath = NULL;
	struct conf *cf = NULL;
	struct desk *d = NULL;
	json_t **incs = NULL;
	size_t n = 0;
	struct exchange_opts eo;
	struct buf b;
	char err[512] = "", email[256], domain[256];
	int c, rc, status = 2;

	buf_init(&b, 1u << 30);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': format = optarg; break;
		case 'O': outpath = optarg; break;
		case 'D': desk_url = optarg; break;
		case 'c': confpath = optarg; break;
		case 'h': fputs(usage_text, stdout); status = 0; goto out;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	if (argc - optind > MAX_EXPORT) {
		fprintf(stderr, "vigil incident export: at most %d incidents at once\n", MAX_EXPORT);
		goto out;
	}
	if (conf_load(confpath, &cf, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil incident export: %s\n", err);
		goto out;
	}
	status = 1;
	if (desk_open(desk_url ? desk_url : conf_get(cf, "desk", "url", DESK_DEFAULT_URL), &d, err,
		      sizeof(err)) < 0) {
		fprintf(stderr, "vigil incident export: %s\n", err);
		goto out;
	}
	if (!(incs = calloc((size_t)(argc - optind), sizeof(*incs))))
		goto out;
	for (int i = optind; i < argc; i++) {
		char *end;
		long long id;

		errno = 0;
		id = strtoll(argv[i], &end, 10);
		if (errno || *end || id <= 0) {
			fprintf(stderr, "vigil incident export: not an incident number: %s\n", argv[i]);
			status = 2;
			goto out;
		}
		if ((rc = desk_show(d, id, &incs[n])) < 0) {
			fprintf(stderr, "vigil incident export: incident %lld: %s\n", id,
				rc == VIGIL_ENOTFOUND ? "no such incident" : vigil_strerror(rc));
			goto out;
		}
		n++;
	}
	bare_addr(conf_get(cf, "exchange", "email", conf_get(cf, "notify", "from", "csirt@localhost")),
		  email, sizeof(email));
	snprintf(domain, sizeof(domain), "%s", strchr(email, '@') ? strchr(email, '@') + 1 : "localhost");
	memset(&eo, 0, sizeof(eo));
	eo.team = conf_get(cf, "exchange", "team", domain);
	eo.team_name = conf_get(cf, "exchange", "name", conf_get(cf, "notify", "team", "CSIRT"));
	eo.email = email;
	eo.restriction = conf_get(cf, "exchange", "restriction", "amber");
	eo.lang = conf_get(cf, "exchange", "lang", "en");
	if ((rc = exchange_write(format, incs, n, &eo, &b, err, sizeof(err))) < 0) {
		fprintf(stderr, "vigil incident export: %s\n", err);
		status = rc == VIGIL_EINVAL ? 2 : 1;
		goto out;
	}
	if (outpath) {
		FILE *f = fopen(outpath, "w");

		if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
			fprintf(stderr, "vigil incident export: %s: %s\n", outpath, strerror(errno));
			goto out;
		}
	} else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) {
		goto out;
	}
	status = 0;
	goto out;
usage:
	fputs(usage_text, stderr);
	status = 2;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(incs[i]);
	free(incs);
	desk_close(d);
	conf_free(cf);
	buf_free(&b);
	return status;
}
