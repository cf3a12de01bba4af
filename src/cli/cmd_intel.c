/*
 * cmd_intel.c - `vigil intel`: check threat lists (load them, print the
 * entries per feed and every bad line as FILE:LINE: why) and look addresses
 * up in them. See vigil-intel(1).
 */
#include "cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "intel/intel.h"
#include "util/conf.h"
#include "util/err.h"

#define MAX_LISTS 256

static const char usage_text[] =
	"usage: vigil intel check [-c CONFIG] [[FORMAT:]FILE ...]\n"
	"       vigil intel lookup [-c CONFIG] [--list [FORMAT:]FILE ...] IP ...\n"
	"  FORMAT: plain (et, dshield), feodo, spamhaus, spamhaus-json, csv[:col=N]\n"
	"  A spec may start with name=FEED: and kind=cc: or kind=blocklist:.\n"
	"See vigil-intel(1).\n";

static void print_bad(void *ctx, const char *file, unsigned line, const char *msg)
{
	unsigned long *bad = ctx;

	if (line)
		printf("%s:%u: %s\n", file, line, msg);
	else
		printf("%s: %s\n", file, msg);
	(*bad)++;
}

static void quiet_bad(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	if (!line)
		fprintf(stderr, "vigil intel: %s: %s\n", file, msg);
}

struct specs {
	const char *v[MAX_LISTS];
	size_t n;
};

static int add_spec(void *ctx, const char *value)
{
	struct specs *s = ctx;

	if (s->n >= MAX_LISTS)
		return VIGIL_ELIMIT;
	s->v[s->n++] = value;
	return 0;
}

static int do_check(struct specs *sp)
{
	unsigned long bad = 0;
	int status = 0;

	for (size_t i = 0; i < sp->n; i++) {
		struct intel_set *s = intel_set_new();
		struct intel_load_stats st;
		long n;

		if (!s)
			return 1;
		memset(&st, 0, sizeof(st));
		n = intel_load(s, sp->v[i], print_bad, &bad, &st);
		if (n < 0) {
			if (n != VIGIL_EIO)
				printf("%s: %s\n", sp->v[i], vigil_strerror((int)n));
			status = 1;
		} else {
			printf("%s: feed %s, format %s, %llu entries, %llu bad lines\n", sp->v[i],
			       st.feed, intel_format_name(st.format), (unsigned long long)st.loaded,
			       (unsigned long long)st.bad);
		}
		intel_set_free(s);
	}
	return bad || status ? 1 : 0;
}

static int do_lookup(struct specs *sp, int argc, char **argv)
{
	struct intel_set *s = intel_set_new();
	int found = 0, status = 1;

	if (!s)
		return 1;
	for (size_t i = 0; i < sp->n; i++) {
		long n = intel_load(s, sp->v[i], quiet_bad, NULL, NULL);

		if (n < 0) {
			fprintf(stderr, "vigil intel: %s: %s\n", sp->v[i], vigil_strerror((int)n));
			status = 2;
			goto out;
		}
	}
	if (intel_build(s) < 0)
		goto out;
	for (int i = 0; i < argc; i++) {
		struct vaddr a;
		const struct intel_entry *e;
		char lo[ADDR_STRLEN], hi[ADDR_STRLEN];

		if (addr_parse(argv[i], &a) < 0) {
			fprintf(stderr, "vigil intel: not an address: %s\n", argv[i]);
			status = 2;
			goto out;
		}
		e = intel_lookup(s, &a);
		if (!e) {
			printf("%s not listed\n", argv[i]);
			continue;
		}
		found++;
		addr_format(&e->lo, lo);
		addr_format(&e->hi, hi);
		printf("%s listed: feed %s line %u, %s", argv[i], e->feed, e->line,
		       intel_kind_name((enum intel_kind)e->kind));
		if (e->family[0])
			printf(", %s", e->family);
		if (e->port >= 0)
			printf(", port %d", e->port);
		if (e->ref[0])
			printf(", %s", e->ref);
		if (e->len) {
			struct vprefix p = { e->lo, e->len };
			char ps[PREFIX_STRLEN];

			printf(", entry %s\n", prefix_format(&p, ps));
		} else {
			printf(", entry %s - %s\n", lo, hi);
		}
	}
	status = found ? 0 : 1;
out:
	intel_set_free(s);
	return status;
}

int cmd_intel(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct specs sp = { .n = 0 };
	struct conf *cf = NULL;
	const char *confpath = NULL, *sub;
	char err[256];
	int c, status = 2;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': confpath = optarg; break;
		case 'l':
			if (add_spec(&sp, optarg) < 0)
				goto usage;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (confpath) {
		if (conf_load(confpath, &cf, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil intel: %s\n", err);
			goto out;
		}
		if (conf_each(cf, "intel", "list", add_spec, &sp) < 0)
			goto usage;
	}
	if (strcmp(sub, "check") == 0) {
		for (int i = optind; i < argc; i++)
			if (add_spec(&sp, argv[i]) < 0)
				goto usage;
		if (sp.n == 0)
			goto usage;
		status = do_check(&sp);
	} else if (strcmp(sub, "lookup") == 0) {
		if (optind >= argc || sp.n == 0)
			goto usage;
		status = do_lookup(&sp, argc - optind, argv + optind);
	} else {
		goto usage;
	}
	goto out;
usage:
	fputs(usage_text, stderr);
	status = 2;
out:
	conf_free(cf);
	return status;
}
