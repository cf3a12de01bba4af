/*
 * cmd_store.c - `vigil store info|verify|expire`: what is in the flow store
 * (segments, time span, flows, bytes per flow), whether every block still
 * matches its checksum, and retention by age and total size. The store
 * directory and retention defaults come from vigil.conf [store].
 */
#include "cli/commands.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DIR "./var/flows"

static const char *const codec_names[] = { "?", "zstd", "lz4", "none" };

/* "500G", "20M", "1T", "4096" (bytes; K/M/G/T are powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return VIGIL_EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return VIGIL_EINVAL;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return VIGIL_EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static void human(uint64_t b, char *buf, size_t n)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

struct info {
	int list, verify;
	uint64_t segs, open, rows, blocks, bytes, bad, broken, torn, nofooter;
	int64_t min_first, max_last;
	unsigned codecs; /* bit per codec seen */
};

static int on_segment(void *ctx, const struct store_segment_info *si)
{
	struct info *in = ctx;
	char a[VTIME_STRLEN], b[VTIME_STRLEN];

	in->segs++;
	in->bytes += si->bytes;
	if (si->err) {
		in->broken++;
		if (in->list)
			printf("%s  unreadable header (%s)\n", si->path, vigil_strerror(si->err));
		return 0;
	}
	in->open += si->open != 0;
	in->rows += si->rows;
	in->blocks += si->blocks;
	in->bad += si->bad_blocks;
	in->torn += si->torn != 0;
	in->nofooter += !si->open && !si->footer;
	if (si->codec < 4)
		in->codecs |= 1u << si->codec;
	if (si->rows && si->min_first < in->min_first)
		in->min_first = si->min_first;
	if (si->rows && si->max_last > in->max_last)
		in->max_last = si->max_last;
	if (in->list) {
		if (si->rows)
			printf("%s  %s .. %s", si->path, vtime_format_s(si->min_first, a),
			       vtime_format_s(si->max_last, b));
		else
			printf("%s  (empty)", si->path);
		printf("  flows %" PRIu64 "  blocks %" PRIu64 "  bytes %" PRIu64 "%s%s%s\n", si->rows,
		       si->blocks, si->bytes, si->open ? "  open" : "", si->torn ? "  torn-tail" : "",
		       !si->open && !si->footer ? "  no-footer" : "");
	}
	if (!si->open && !si->footer && in->verify)
		fprintf(stderr, "%s: footer damaged (blocks still readable by scanning)\n", si->path);
	return 0;
}

static void on_bad(void *ctx, const char *path, uint64_t block, uint64_t off, const char *why)
{
	(void)ctx;
	fprintf(stderr, "%s: block %" PRIu64 " at offset %" PRIu64 ": %s\n", path, block, off, why);
}

static int do_info(const char *dir, int list, int verify)
{
	struct info in;
	char a[VTIME_STRLEN], b[VTIME_STRLEN], h[32];
	int rc;

	memset(&in, 0, sizeof(in));
	in.list = list;
	in.verify = verify;
	in.min_first = INT64_MAX;
	in.max_last = INT64_MIN;
	rc = store_scan(dir, verify, on_segment, verify ? on_bad : NULL, &in);
	if (rc == VIGIL_ENOTFOUND) {
		fprintf(stderr, "vigil store: no store at %s\n", dir);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "vigil store: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	printf("store:     %s\n", dir);
	printf("segments:  %" PRIu64 " (%" PRIu64 " open)\n", in.segs, in.open);
	if (in.rows)
		printf("span:      %s .. %s\n", vtime_format_s(in.min_first, a), vtime_format_s(in.max_last, b));
	human(in.bytes, h, sizeof(h));
	printf("flows:     %" PRIu64 " in %" PRIu64 " blocks\n", in.rows, in.blocks);
	printf("bytes:     %" PRIu64 " (%s)\n", in.bytes, h);
	if (in.rows)
		printf("per flow:  %.2f bytes\n", (double)in.bytes / (double)in.rows);
	printf("codec:    ");
	for (int c = 1; c < 4; c++)
		if (in.codecs & (1u << c))
			printf(" %s", codec_names[c]);
	printf("\n");
	if (in.torn)
		printf("torn tails: %" PRIu64 " (open segments: the block in progress at a crash)\n", in.torn);
	if (!verify)
		return 0;
	if (in.bad || in.broken || in.nofooter) {
		printf("verify:    FAILED: %" PRIu64 " bad blocks, %" PRIu64 " unreadable segments, %" PRIu64
		       " damaged footers\n", in.bad, in.broken, in.nofooter);
		return 1;
	}
	printf("verify:    OK, every block checksum and column decodes\n");
	return 0;
}

static int do_expire(const char *dir, int64_t max_age, uint64_t max_size)
{
	struct store_expire_result r;
	char h1[32], h2[32];
	int rc;

	if (max_age <= 0 && max_size == 0) {
		fprintf(stderr, "vigil store expire: nothing to do: give --max-age and/or --max-size "
				"(or [store] max_age / max_size in vigil.conf)\n");
		return 2;
	}
	rc = store_expire(dir, max_age, max_size, vtime_now_ms(), &r);
	if (rc) {
		fprintf(stderr, "vigil store expire: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	human(r.bytes_removed, h1, sizeof(h1));
	human(r.bytes_kept, h2, sizeof(h2));
	printf("removed %" PRIu64 " segments (%s), kept %" PRIu64 " (%s)\n", r.segments_removed, h1,
	       r.segments_kept, h2);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vigil store info [-l] | verify | expire [--max-age AGE] [--max-size SIZE]\n"
			"                   [-R STOREDIR] [-c CONFIG]\n");
}

int cmd_store(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "max-age", required_argument, NULL, 'a' },
		{ "max-size", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *dir = NULL, *conf_path = NULL, *age_s = NULL, *size_s = NULL;
	struct conf *cf = NULL;
	char err[256];
	int64_t max_age = 0;
	uint64_t max_size = 0;
	int ch, rc = 2, list = 0;

	if (argc < 2 || argv[1][0] == '-') {
		usage();
		return 2;
	}
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "R:c:lh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'R': dir = optarg; break;
		case 'c': conf_path = optarg; break;
		case 'a': age_s = optarg; break;
		case 's': size_s = optarg; break;
		case 'l': list = 1; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vigil store: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (conf_load(conf_path, &cf, err, sizeof(err))) {
		fprintf(stderr, "vigil store: %s\n", err);
		return 2;
	}
	if (!dir)
		dir = conf_get(cf, "store", "dir", DEFAULT_DIR);
	if (!age_s)
		age_s = conf_get(cf, "store", "max_age", NULL);
	if (!size_s)
		size_s = conf_get(cf, "store", "max_size", NULL);
	if (age_s && (vtime_parse_duration(age_s, &max_age) || max_age <= 0)) {
		fprintf(stderr, "vigil store: bad age '%s' (e.g. 90d, 12w, 36h)\n", age_s);
		goto out;
	}
	if (size_s && parse_size(size_s, &max_size)) {
		fprintf(stderr, "vigil store: bad size '%s' (e.g. 500G, 800M)\n", size_s);
		goto out;
	}
	if (!strcmp(sub, "info"))
		rc = do_info(dir, list, 0);
	else if (!strcmp(sub, "verify"))
		rc = do_info(dir, list, 1);
	else if (!strcmp(sub, "expire"))
		rc = do_expire(dir, max_age, max_size);
	else {
		fprintf(stderr, "vigil store: unknown subcommand '%s'\n", sub);
		usage();
	}
out:
	conf_free(cf);
	return rc;
}
