/*
 * cmd_flows.c - `vigil flows`: list or rank flows from captures (-r) or the
 * store (-R) with an nfdump-style filter. The command line, the input loop
 * and the progress line live here; filtering, aggregation and output are the
 * query engine's (src/query/query.h).
 */
#include "cli/commands.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/flows_nodes.h"
#include "flow/flow.h"
#include "query/query.h"
#include "store/store.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#define DEFAULT_STORE_DIR "./var/flows"
#define MAX_CAPTURES 4096
#define MAX_FILTER_FILE (1u << 20)
#define MAX_NODES 64

static const char usage_text[] =
	"usage: vigil flows [-r CAPTURE ... | -R STOREDIR | --node URL ... [--token-file F]\n"
	"                   [--partial-ok]] [-C CONFIG] [-t FROM[-TO] | -t -1h]\n"
	"                   [-s KEY[/ORDER] ...] [-a | -A KEY,... | -b | -B] [-O ORDER]\n"
	"                   [-c N] [-n N] [-o FORMAT] [-q] [-N]\n"
	"                   [-f FILTERFILE | 'FILTER']\n"
	"  -s KEY: srcip dstip ip srcport dstport port proto srcas dstas as inif outif\n"
	"          tos router exporter nhip; ORDER: flows (default) packets bytes pps bps bpp\n"
	"  -A KEY: srcip dstip srcport dstport proto srcip4/N dstip6/N srcnet dstnet srcas\n"
	"          dstas inif outif next router tos (-a: the 5-tuple; -b/-B: bidirectional)\n"
	"  -O: tstart tend flows packets bytes pps bps bpp duration\n"
	"  FORMAT: table csv json line long extended biline null 'fmt:%ts %td %sap ...'\n"
	"  FILTER: nfdump syntax, e.g. 'proto tcp and dst port 445 and not src net 10.0.0.0/8'\n"
	"See vigil-flows(1).\n";

struct progress {
	bool on;
	uint64_t next_ns;
	bool shown;
};

static void progress(struct progress *p, uint64_t rows, uint64_t units, const char *what, bool force)
{
	uint64_t now;

	if (!p->on)
		return;
	now = vtime_mono_ns();
	if (!force && now < p->next_ns)
		return;
	p->next_ns = now + 250000000ULL;
	if (rows >= 1000000)
		fprintf(stderr, "\r  %.1f M flows, %" PRIu64 " %s ...", (double)rows / 1e6, units, what);
	else
		fprintf(stderr, "\r  %" PRIu64 " flows, %" PRIu64 " %s ...", rows, units, what);
	p->shown = true;
}

static void progress_clear(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = false;
}

/* Captures: flows arrive from the decoder in small batches; run them in
 * batches of QUERY_BATCH_ROWS. */
struct cap_ctx {
	struct query_run *qr;
	struct flow *buf;
	size_t n;
	int rc;          /* first error, or 1 when done (-n reached) */
	uint64_t seen;
	uint64_t capno;  /* captures opened so far */
	struct progress *pr;
};

static void cap_flush(struct cap_ctx *c)
{
	if (c->n && c->rc == 0)
		c->rc = query_run_flows(c->qr, c->buf, c->n);
	c->seen += c->n;
	c->n = 0;
	progress(c->pr, c->seen, c->capno, c->capno == 1 ? "capture" : "captures", false);
}

static void cap_emit(void *ctx, const struct flow *flows, size_t n)
{
	struct cap_ctx *c = ctx;

	while (n && c->rc == 0) {
		size_t k = QUERY_BATCH_ROWS - c->n < n ? QUERY_BATCH_ROWS - c->n : n;
		memcpy(c->buf + c->n, flows, k * sizeof(*flows));
		c->n += k;
		flows += k;
		n -= k;
		if (c->n == QUERY_BATCH_ROWS)
			cap_flush(c);
	}
}

static int read_captures(struct query_run *qr, char **caps, size_t ncaps, struct progress *pr)
{
	struct cap_ctx c = { .qr = qr, .pr = pr };
	char err[512];
	int rc = 0;

	c.buf = malloc(QUERY_BATCH_ROWS * sizeof(*c.buf));
	if (!c.buf) {
		fprintf(stderr, "vigil flows: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < ncaps && c.rc == 0; i++) {
		struct flow_decoder *d = flow_decoder_new(NULL);
		long got;
		if (!d) {
			fprintf(stderr, "vigil flows: out of memory\n");
			rc = 1;
			break;
		}
		c.capno = i + 1;
		got = flow_pcap_read(caps[i], d, cap_emit, &c, err, sizeof(err));
		flow_decoder_free(d);
		if (got < 0) {
			progress_clear(pr);
			fprintf(stderr, "vigil flows: %s\n", err[0] ? err : vigil_strerror((int)got));
			rc = 1;
			break;
		}
	}
	cap_flush(&c);
	if (c.rc < 0 && rc == 0) {
		progress_clear(pr);
		if (c.rc == VIGIL_ELIMIT)
			fprintf(stderr, "vigil flows: -O holds at most %u flows: narrow the filter or -t, or add -c\n",
				QUERY_SORT_MAX_ROWS);
		else
			fprintf(stderr, "vigil flows: %s\n", vigil_strerror(c.rc));
		rc = 1;
	}
	free(c.buf);
	return rc;
}

static int read_store(struct query_run *qr, const char *dir, int64_t from, int64_t to,
		      struct progress *pr, struct store_reader_stats *st)
{
	struct store_select sel = { .from_ms = from, .to_ms = to };
	struct store_reader *r = NULL;
	struct store_block *b;
	int rc;

	sel.nhosts = query_run_hosts(qr, &sel.hosts);
	rc = store_reader_open(dir, &sel, &r);
	if (rc < 0) {
		fprintf(stderr, "vigil flows: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	while ((rc = store_reader_next_block(r, &b)) > 0) {
		rc = query_run_block(qr, b);
		if (rc != 0)
			break;
		if (pr->on) {
			store_reader_get_stats(r, st);
			progress(pr, st->rows, st->segments, "segments", false);
		}
	}
	store_reader_get_stats(r, st);
	store_reader_close(r);
	if (rc < 0) {
		progress_clear(pr);
		if (rc == VIGIL_ELIMIT)
			fprintf(stderr, "vigil flows: -O holds at most %u flows: narrow the filter or -t, or add -c\n",
				QUERY_SORT_MAX_ROWS);
		else
			fprintf(stderr, "vigil flows: %s: %s\n", dir, vigil_strerror(rc));
		return 1;
	}
	return 0;
}

/* Read a filter from a file (-f), bounded. Caller frees. */
static char *read_filter_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s;
	size_t n;

	if (!fp)
		return NULL;
	s = malloc(MAX_FILTER_FILE + 1);
	if (!s) {
		fclose(fp);
		return NULL;
	}
	n = fread(s, 1, MAX_FILTER_FILE, fp);
	s[n] = '\0';
	fclose(fp);
	/* nfdump filter files may carry # comments: blank them out */
	for (char *p = s; (p = strchr(p, '#'));)
		while (*p && *p != '\n')
			*p++ = ' ';
	return s;
}

static char *join_args(char **argv, int argc)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	len = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (i)
			s[len++] = ' ';
		memcpy(s + len, argv[i], l);
		len += l;
		s[len] = '\0';
	}
	return s;
}

int cmd_flows(int argc, char **argv)
{
	char *caps[MAX_CAPTURES];
	size_t ncaps = 0;
	const char *storedir = NULL, *confpath = NULL, *trange = NULL, *ffile = NULL;
	struct query_opts o;
	struct query_run *qr = NULL;
	struct conf *cf = NULL;
	struct progress pr = { 0 };
	struct store_reader_stats sst;
	char *filter = NULL, err[1024];
	int opt, rc = 2;
	bool quiet = false, limit_set = false, plain = false, sort_set = false;
	const char *fmtarg = NULL, *sortarg = NULL, *tokfile = NULL;
	const char *nodes[MAX_NODES];
	size_t nnodes = 0;
	bool partial_ok = false;
	char fmtbuf[1024], token[520];
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 1000 },
		{ "token-file", required_argument, NULL, 1001 },
		{ "partial-ok", no_argument, NULL, 1002 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	memset(&o, 0, sizeof(o));
	memset(&sst, 0, sizeof(sst));
	o.format = QUERY_OUT_TABLE;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:R:C:c:t:s:n:o:O:A:abBNf:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 1000:
			if (nnodes == MAX_NODES) {
				fprintf(stderr, "vigil flows: at most %d --node\n", MAX_NODES);
				goto out;
			}
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				fprintf(stderr, "vigil flows: --node is a URL (http://HOST:PORT), not '%s'\n",
					optarg);
				goto out;
			}
			nodes[nnodes++] = optarg;
			break;
		case 1001: tokfile = optarg; break;
		case 1002: partial_ok = true; break;
		case 'r':
			if (ncaps == MAX_CAPTURES) {
				fprintf(stderr, "vigil flows: at most %d captures\n", MAX_CAPTURES);
				goto out;
			}
			caps[ncaps++] = optarg;
			break;
		case 'R': storedir = optarg; break;
		case 'C': confpath = optarg; break;
		case 'N': plain = true; break;
		case 'a': o.aggregate = true; break;
		case 'b':
		case 'B':
			o.aggregate = true;
			o.agg.bidir = opt == 'b' ? 1 : 2;
			break;
		case 'A':
			o.aggregate = true;
			if (query_aggspec_parse(optarg, &o.agg, err, sizeof(err)) != 0) {
				fprintf(stderr, "vigil flows: %s\n", err);
				goto out;
			}
			break;
		case 'O':
			if (query_sort_parse(optarg, &o.sort) != 0) {
				fprintf(stderr, "vigil flows: bad -O '%s': one of tstart tend flows packets bytes "
						"pps bps bpp duration\n", optarg);
				goto out;
			}
			sort_set = true;
			sortarg = optarg;
			break;
		case 'c': {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (end == optarg || *end || v <= 0) {
				fprintf(stderr, "vigil flows: bad -c '%s': a number of flows (the configuration "
						"file is -C)\n", optarg);
				goto out;
			}
			o.max_records = (uint64_t)v;
			break;
		}
		case 't': trange = optarg; break;
		case 'f': ffile = optarg; break;
		case 'q': quiet = true; break;
		case 's':
			if (o.nstats == QUERY_MAX_STATS) {
				fprintf(stderr, "vigil flows: at most %d -s\n", QUERY_MAX_STATS);
				goto out;
			}
			if (query_stat_parse(optarg, &o.stat_key[o.nstats], &o.stat_order[o.nstats]) != 0) {
				fprintf(stderr, "vigil flows: bad -s '%s': KEY is one of srcip dstip ip srcport "
						"dstport port proto srcas dstas as inif outif if tos router "
						"exporter nhip, ORDER one of flows packets bytes pps bps bpp "
						"tstart tend\n", optarg);
				goto out;
			}
			o.stat_explicit[o.nstats] = strchr(optarg, '/') != NULL;
			o.nstats++;
			break;
		case 'n': {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (end == optarg || *end || v < 0) {
				fprintf(stderr, "vigil flows: bad -n '%s'\n", optarg);
				goto out;
			}
			o.limit = (size_t)v;
			limit_set = true;
			break;
		}
		case 'o':
			fmtarg = optarg;
			if (!strcmp(optarg, "table"))
				o.format = QUERY_OUT_TABLE;
			else if (!strcmp(optarg, "csv"))
				o.format = QUERY_OUT_CSV;
			else if (!strcmp(optarg, "json"))
				o.format = QUERY_OUT_JSON;
			else if (!strcmp(optarg, "null"))
				o.format = QUERY_OUT_NULL;
			else if (!strncmp(optarg, "fmt:", 4)) {
				o.format = QUERY_OUT_FMT;
				o.fmt = optarg + 4;
			} else if (query_named_format(optarg)) {
				o.format = QUERY_OUT_FMT;
				o.fmt = query_named_format(optarg);
			} else {
				fprintf(stderr, "vigil flows: -o is table, csv, json, line, long, extended, biline, "
						"null or fmt:..., not '%s'\n", optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			rc = 0;
			goto out;
		default:
			fputs(usage_text, stderr);
			goto out;
		}
	}
	if (ncaps && storedir) {
		fprintf(stderr, "vigil flows: -r and -R exclude each other\n");
		goto out;
	}
	if (nnodes && (ncaps || storedir)) {
		fprintf(stderr, "vigil flows: --node excludes -r and -R\n");
		goto out;
	}
	if ((tokfile || partial_ok) && !nnodes) {
		fprintf(stderr, "vigil flows: --token-file and --partial-ok go with --node\n");
		goto out;
	}
	token[0] = '\0';
	if (tokfile) {
		FILE *tf = fopen(tokfile, "r");
		size_t tn = tf ? fread(token, 1, sizeof(token) - 1, tf) : 0;
		if (tf)
			fclose(tf);
		token[tn] = '\0';
		while (tn && (token[tn - 1] == '\n' || token[tn - 1] == '\r' || token[tn - 1] == ' '))
			token[--tn] = '\0';
		if (!tn) {
			fprintf(stderr, "vigil flows: cannot read a token from %s\n", tokfile);
			rc = 1;
			goto out;
		}
	}
	if (ffile && optind < argc) {
		fprintf(stderr, "vigil flows: give the filter with -f or on the command line, not both\n");
		goto out;
	}
	if (trange && vtime_parse_range(trange, &o.from_ms, &o.to_ms) != 0) {
		fprintf(stderr, "vigil flows: bad time range '%s' (e.g. 2024-01-02T03:00-2024-01-02T04:00, -12h)\n",
			trange);
		goto out;
	}
	if (o.nstats && !limit_set)
		o.limit = 10;
	if (o.nstats && o.aggregate) {
		fprintf(stderr, "vigil flows: -s and -a/-A/-b/-B exclude each other\n");
		goto out;
	}
	if (o.nstats && sort_set) {
		/* nfdump: -O orders the -s tables that name no order of their own */
		enum query_order so;
		if (query_sort_stat_order(o.sort, &so) != 0) {
			fprintf(stderr, "vigil flows: -O with -s is one of flows packets bytes pps bps bpp "
					"tstart tend\n");
			goto out;
		}
		for (size_t i = 0; i < o.nstats; i++)
			if (!o.stat_explicit[i])
				o.stat_order[i] = so;
	}
	/* nfdump's automatic formats: -A shows its keys, -b/-B the biline one */
	if (o.aggregate && !fmtarg) {
		o.format = QUERY_OUT_FMT;
		if (o.agg.bidir)
			o.fmt = query_named_format("biline");
		else if (o.agg.fields) {
			query_aggspec_format(&o.agg, fmtbuf, sizeof(fmtbuf));
			o.fmt = fmtbuf;
		} else {
			o.fmt = query_named_format("line");
		}
	}
	o.plain = plain;
	o.no_header = quiet;
	o.summary = !quiet;
	if (ffile) {
		filter = read_filter_file(ffile);
		if (!filter) {
			fprintf(stderr, "vigil flows: cannot read filter file %s\n", ffile);
			rc = 1;
			goto out;
		}
	} else {
		filter = join_args(argv + optind, argc - optind);
		if (!filter)
			goto out;
	}
	if (conf_load(confpath, &cf, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil flows: %s\n", err);
		goto out;
	}
	if (!ncaps && !storedir && !nnodes)
		storedir = conf_get(cf, "store", "dir", DEFAULT_STORE_DIR);
	if (nnodes) {
		/* the filter is the nodes' to run; here only their answers are merged */
		char cerr[1024];
		struct query_filter *chk = NULL;
		int frc = query_filter_compile(filter, &chk, cerr, sizeof(cerr));
		query_filter_free(chk);
		if (frc < 0) {
			fprintf(stderr, "%s\n", cerr[0] ? cerr : vigil_strerror(frc));
			goto out;
		}
		o.merged = true;
	}
	int qrc = query_run_new(nnodes ? "" : filter, &o, stdout, &qr, err, sizeof(err));
	if (qrc < 0) {
		if (err[0])
			fprintf(stderr, "%s\n", err);
		else
			fprintf(stderr, "vigil flows: %s\n", vigil_strerror(qrc));
		goto out;
	}
	pr.on = isatty(2) != 0;
	size_t nfailed = 0;
	if (nnodes) {
		struct flows_nodes_req rq = { .nodes = nodes, .nnodes = nnodes, .filter = filter,
					      .opts = &o, .sort_name = o.nstats ? NULL : sortarg,
					      .token = token[0] ? token : NULL };
		struct query_node_stats ns = { 0 };
		int nrc = flows_nodes_run(&rq, qr, &ns, &nfailed);
		if (nrc < 0) {
			fprintf(stderr, "vigil flows: %s\n", vigil_strerror(nrc));
			rc = 1;
			goto out;
		}
		if (nfailed == nnodes) {
			fprintf(stderr, "vigil flows: no node answered\n");
			rc = 1;
			goto out;
		}
		sst.segments = ns.segments;
		sst.segments_skipped = ns.segments_skipped;
		sst.blocks = ns.blocks;
		sst.bad_blocks = ns.bad_blocks;
		sst.bytes_read = ns.bytes_read;
		rc = 0;
	} else if (ncaps)
		rc = read_captures(qr, caps, ncaps, &pr);
	else
		rc = read_store(qr, storedir, o.from_ms, o.to_ms, &pr, &sst);
	progress_clear(&pr);
	if (rc != 0)
		goto out;
	if (query_run_finish(qr) != 0) {
		fprintf(stderr, "vigil flows: writing the output failed\n");
		rc = 1;
	}
	struct query_run_stats qs;
	query_run_get_stats(qr, &qs);
	if ((o.format == QUERY_OUT_TABLE || o.format == QUERY_OUT_FMT) && o.summary &&
	    (storedir || nnodes) && rc == 0)
		printf("Store: %" PRIu64 " segments read, %" PRIu64 " skipped by time/host index, %" PRIu64
		       " blocks, %" PRIu64 " bad blocks, %" PRIu64 " bytes read\n",
		       sst.segments, sst.segments_skipped, sst.blocks, sst.bad_blocks + qs.bad_blocks,
		       sst.bytes_read);
	if (qs.agg_dropped)
		fprintf(stderr, "vigil flows: too many distinct keys (-a/-A/-b/-B hold at most %u records): %" PRIu64
				" flows not counted\n", QUERY_SORT_MAX_ROWS, qs.agg_dropped);
	if (qs.bad_blocks)
		fprintf(stderr, "vigil flows: %" PRIu64 " store blocks could not be decoded and were skipped\n",
			qs.bad_blocks);
	if (nfailed && rc == 0) {
		fprintf(stderr, "vigil flows: the answer is partial: %zu of %zu nodes failed%s\n", nfailed,
			nnodes, partial_ok ? " (--partial-ok)" : "");
		if (!partial_ok)
			rc = 3;
	}
out:
	query_run_free(qr);
	conf_free(cf);
	free(filter);
	return rc;
}
