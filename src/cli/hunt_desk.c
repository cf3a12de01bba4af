/*
 * hunt_desk.c - retro-hunt events into the desk (see hunt_desk.h). The
 * events are held until the hunt is over (a hunt finds few: one a host,
 * peer and hour) and then filed in batches, so no desk transaction is held
 * open while the store is read.
 */
#include "cli/hunt_desk.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct held {
	struct event *e;
	size_t n, cap;
	bool nomem;
};

static void hold(void *ctx, const struct event *e)
{
	struct held *h = ctx;

	if (h->nomem)
		return;
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 256;
		struct event *ne = realloc(h->e, ncap * sizeof(*ne));

		if (!ne) {
			h->nomem = true;
			return;
		}
		h->e = ne;
		h->cap = ncap;
	}
	h->e[h->n++] = *e;
}

int hunt_to_desk(const struct conf *conf, const struct hunt_opts *o, struct desk *d,
		 struct hunt_stats *hs, struct desk_ingest_stats *ds, char *err, size_t errlen)
{
	struct held h = { 0 };
	struct buf b;
	int rc;

	memset(ds, 0, sizeof(*ds));
	rc = hunt_run(conf, o, hold, &h, hs, err, errlen);
	if (rc == 0 && h.nomem) {
		snprintf(err, errlen, "out of memory holding the hunt's events");
		rc = VIGIL_ENOMEM;
	}
	buf_init(&b, 1 << 16);
	for (size_t i = 0; rc == 0 && i < h.n; i += 1000) {
		if ((rc = desk_ingest_begin(d)) < 0)
			break;
		for (size_t j = i; rc == 0 && j < h.n && j < i + 1000; j++) {
			buf_reset(&b);
			if ((rc = event_to_json(&h.e[j], &b)) == 0)
				rc = desk_ingest_event(d, &h.e[j], (const char *)b.data, b.len, "hunt", ds);
		}
		if (rc == 0)
			rc = desk_ingest_commit(d, NULL, NULL, 0);
		else
			desk_ingest_rollback(d);
	}
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "desk: %s", vigil_strerror(rc));
	buf_free(&b);
	free(h.e);
	return rc < 0 ? rc : 0;
}

void hunt_print(FILE *f, const char *who, const struct hunt_stats *hs,
		const struct desk_ingest_stats *ds)
{
	fprintf(f,
		"%s: %llu entries (%llu addresses asked of the store's filters", who,
		(unsigned long long)hs->entries, (unsigned long long)hs->filter_hosts);
	if (hs->wide)
		fprintf(f, "; %llu entries too wide for them: every block read",
			(unsigned long long)hs->wide);
	fprintf(f,
		"); %llu of %llu segments skipped, %llu blocks read, %llu skipped, "
		"%llu rows, %.1f MB; %llu flows matched, %llu events",
		(unsigned long long)hs->segments_skipped,
		(unsigned long long)hs->segments, (unsigned long long)hs->blocks,
		(unsigned long long)hs->blocks_skipped, (unsigned long long)hs->rows,
		(double)hs->bytes_read / 1e6, (unsigned long long)hs->matched,
		(unsigned long long)hs->events);
	if (ds)
		fprintf(f, ": %llu new incidents, %llu joined, %llu reopened, %llu duplicates",
			(unsigned long long)ds->new_incidents, (unsigned long long)ds->joined,
			(unsigned long long)ds->reopened, (unsigned long long)ds->duplicates);
	fprintf(f, "; %.2f s\n", (double)hs->elapsed_ms / 1000.0);
}
