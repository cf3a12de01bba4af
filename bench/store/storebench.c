/*
 * storebench.c - measures the flow store on the flow benchmark's synthetic
 * traffic model (bench/flows/model.c: heavy-tailed hosts and ports, 5% IPv6,
 * request/response pairs, scanners): bytes per flow on disk for each codec and
 * level, write throughput (flows/s), and read throughput, materialising whole
 * rows and decoding single columns. The flows are what `vigil collect` stores
 * from the benchmark's NetFlow v9 exports (exporter 127.0.0.1, version 9).
 *
 * usage: storebench [-n FLOWS] [-T SPAN_SECS] [-d DIR] [-f FLUSH_MS] [-b BLOCK_ROWS]
 *                   [-W] [-c CODEC:LEVEL ...]    (CODEC zstd|lz4|none; -W: write only)
 * Prints one line per configuration; rates are flows per CPU second.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../flows/model.h"
#include "store/store.h"
#include "util/err.h"
#include "util/vtime.h"

#define BATCH 2048 /* flows per store_writer_add, as the collector's store worker */

struct cfg {
	enum store_codec codec;
	int level;
	const char *name;
};

static void to_flow(const struct genflow *g, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->first_ms = g->first_ms;
	f->last_ms = g->last_ms;
	f->src = g->src;
	f->dst = g->dst;
	addr_from_v4(&f->exporter, 0x7f000001u);
	f->packets = g->packets;
	f->bytes = g->bytes;
	f->sampling = 1;
	f->in_if = g->in_if;
	f->out_if = g->out_if;
	f->domain = 1;
	f->sport = g->sport;
	f->dport = g->dport;
	f->proto = g->proto;
	f->tcp_flags = g->tcp_flags;
	f->tos = g->tos;
	f->src_mask = g->src_mask;
	f->dst_mask = g->dst_mask;
	f->direction = g->direction;
	f->version = 9;
}

static uint64_t du(const char *dir)
{
	char cmd[4200];
	FILE *p;
	unsigned long long v = 0;

	snprintf(cmd, sizeof(cmd), "du -sb '%s' | cut -f1", dir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%llu", &v) != 1)
			v = 0;
		pclose(p);
	}
	return v;
}

/* Throughput is measured in CPU time of this process: the reference machine
 * is shared (load average ~10 on 2 cores), so wall time mostly measures the
 * neighbours. t0 comes from cpu_ns(). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double secs(uint64_t t0) { return (double)(cpu_ns() - t0) / 1e9; }

int main(int argc, char **argv)
{
	struct model_opts mo = { .seed = 2009, .flows = 2000000, .start_ms = 1793491200000LL,
				 .span_ms = 360000, .v6_permille = 50 };
	struct cfg cfgs[16];
	int ncfg = 0, ch;
	const char *base = "/tmp/vigil-storebench";
	int64_t flush_ms = 1000;
	uint32_t block_rows = 0;
	int write_only = 0;

	while ((ch = getopt(argc, argv, "n:T:d:c:f:b:W")) != -1) {
		switch (ch) {
		case 'n': mo.flows = strtoull(optarg, NULL, 10); break;
		case 'T': mo.span_ms = strtoll(optarg, NULL, 10) * 1000; break;
		case 'd': base = optarg; break;
		case 'f': flush_ms = strtoll(optarg, NULL, 10); break;
		case 'W': write_only = 1; break;
		case 'b': block_rows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c':
			if (ncfg < 16) {
				struct cfg *c = &cfgs[ncfg++];
				char *colon = strchr(optarg, ':');

				c->name = optarg;
				c->codec = !strncmp(optarg, "lz4", 3) ? STORE_LZ4 : !strncmp(optarg, "none", 4) ? STORE_NONE : STORE_ZSTD;
				c->level = colon ? (int)strtol(colon + 1, NULL, 10) : 0;
			}
			break;
		default:
			fprintf(stderr, "usage: storebench [-n FLOWS] [-T SPAN_SECS] [-d DIR] [-f FLUSH_MS] "
					"[-b BLOCK_ROWS] [-W] [-c CODEC:LEVEL ...]\n");
			return 2;
		}
	}
	if (ncfg == 0)
		cfgs[ncfg++] = (struct cfg){ STORE_ZSTD, 3, "zstd:3" };
	printf("# %" PRIu64 " flows over %" PRId64 " s, flush %" PRId64 " ms, block rows %u\n", mo.flows,
	       mo.span_ms / 1000, flush_ms, block_rows ? block_rows : 65536);
	printf("# %-8s %9s %11s %10s %10s %12s %12s %12s %12s\n", "codec", "bytes", "bytes/flow", "write/s", "writer/s",
	       "read rows/s", "dport+proto/s", "src/s", "first/s");
	{
		struct model *m = model_new(&mo);
		struct genflow g[2];
		struct flow f[2];
		int64_t now;
		uint64_t t0 = cpu_ns(), n = 0;
		int got;

		while (m && (got = model_next(m, g, &now)) > 0) {
			for (int i = 0; i < got; i++)
				to_flow(&g[i], &f[i]);
			n += (uint64_t)got;
		}
		printf("# generating the flows alone: %.0f flows/s (included in write/s)\n", (double)n / secs(t0));
		model_free(m);
	}
	for (int k = 0; k < ncfg; k++) {
		struct store_opts o = { .segment_ms = 300000, .flush_ms = flush_ms, .block_rows = block_rows,
					.codec = cfgs[k].codec, .level = cfgs[k].level, .sync = -1 };
		struct model *m = model_new(&mo);
		struct store_writer *w;
		struct store_reader *r;
		struct store_block *b;
		struct genflow g[2];
		static struct flow f[BATCH + 2];
		size_t nf = 0;
		int64_t now = 0, bnow = 0, bstart = 0;
		uint64_t t0, t1, tws = 0, n = 0, bytes;
		double tw, tr, tc, ts, tf, th;
		char dir[4096], cmd[4200];
		int got, err;
		const struct flow *rows;
		size_t nr;
		volatile uint64_t sink = 0;

		snprintf(dir, sizeof(dir), "%s/%s", base, cfgs[k].name);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0 || !m)
			return 1;
		if ((err = store_writer_open(dir, &o, &w))) {
			fprintf(stderr, "storebench: %s\n", vigil_strerror(err));
			return 1;
		}
		/* batches of BATCH flows as the collector's store worker appends
		 * them; the writer's own CPU time is summed around its calls */
		t0 = cpu_ns();
		for (;;) {
			got = model_next(m, g, &now);
			if (nf && (got <= 0 || nf >= BATCH || now - bstart >= 100)) {
				t1 = cpu_ns();
				store_writer_tick(w, bnow);
				store_writer_add(w, f, nf);
				tws += cpu_ns() - t1;
				nf = 0;
			}
			if (got <= 0)
				break;
			if (nf == 0)
				bstart = now;
			bnow = now;
			for (int i = 0; i < got; i++)
				to_flow(&g[i], &f[nf++]);
			n += (uint64_t)got;
		}
		t1 = cpu_ns();
		store_writer_close(w);
		tws += cpu_ns() - t1;
		tw = secs(t0);
		model_free(m);
		bytes = du(dir);
		if (write_only) {
			printf("  %-8s %9" PRIu64 " %11.2f %10.0f %10.0f (write only)\n", cfgs[k].name, bytes,
			       (double)bytes / (double)n, (double)n / tw, (double)n / ((double)tws / 1e9));
			continue;
		}

		/* whole rows */
		t0 = cpu_ns();
		store_reader_open(dir, NULL, &r);
		while (store_reader_next(r, &rows, &nr) == 1)
			sink += rows[nr - 1].bytes;
		store_reader_close(r);
		tr = secs(t0);
		/* a filter's columns: proto tcp and dst port 445 */
		t0 = cpu_ns();
		store_reader_open(dir, NULL, &r);
		while (store_reader_next_block(r, &b) == 1) {
			const uint16_t *dp = store_block_col(b, FLOW_COL_DPORT);
			const uint8_t *pr = store_block_col(b, FLOW_COL_PROTO);

			for (size_t i = 0; dp && pr && i < store_block_rows(b); i++)
				sink += dp[i] == 445 && pr[i] == 6;
		}
		store_reader_close(r);
		tc = secs(t0);
		t0 = cpu_ns();
		store_reader_open(dir, NULL, &r);
		while (store_reader_next_block(r, &b) == 1) {
			const struct vaddr *s = store_block_col(b, FLOW_COL_SRC);

			sink += s ? s[0].b[15] : 0;
		}
		store_reader_close(r);
		ts = secs(t0);
		t0 = cpu_ns();
		store_reader_open(dir, NULL, &r);
		while (store_reader_next_block(r, &b) == 1) {
			const int64_t *s = store_block_col(b, FLOW_COL_FIRST);

			sink += s ? (uint64_t)s[0] : 0;
		}
		store_reader_close(r);
		tf = secs(t0);
		/* host lookup: the model's rare host, through the segment index */
		{
			struct vaddr host;
			struct store_select sel = { INT64_MIN, INT64_MAX, &host, 1 };
			struct store_reader_stats st;
			uint64_t hits = 0;

			addr_parse(model_rare_host(), &host);
			t0 = cpu_ns();
			store_reader_open(dir, &sel, &r);
			while (store_reader_next_block(r, &b) == 1) {
				const struct vaddr *s = store_block_col(b, FLOW_COL_SRC);
				const struct vaddr *d = store_block_col(b, FLOW_COL_DST);

				for (size_t i = 0; s && d && i < store_block_rows(b); i++)
					hits += addr_eq(&s[i], &host) || addr_eq(&d[i], &host);
			}
			store_reader_get_stats(r, &st);
			store_reader_close(r);
			th = secs(t0);
			printf("# %s: host %s: %" PRIu64 " flows, %" PRIu64 " of %" PRIu64
			       " segments skipped by the index, %" PRIu64 " rows decoded, %.3f s\n",
			       cfgs[k].name, model_rare_host(), hits, st.segments_skipped, st.segments, st.rows, th);
		}
		printf("  %-8s %9" PRIu64 " %11.2f %10.0f %10.0f %12.0f %12.0f %12.0f %12.0f\n", cfgs[k].name, bytes,
		       (double)bytes / (double)n, (double)n / tw, (double)n / ((double)tws / 1e9), (double)n / tr, (double)n / tc,
		       (double)n / ts, (double)n / tf);
		fflush(stdout);
		(void)sink;
	}
	return 0;
}
