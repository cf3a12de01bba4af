/*
 * index.c - the NAT mapping index: a directory of immutable runs, one set
 * per hour (short mappings) and per day (long and open ones). Opening lists
 * the runs; adding pairs each close with its open in memory (keyed by
 * outside address, port and protocol) and buffers finished mappings;
 * flushing writes one new run per partition touched, crash-safe, and
 * merges a partition's runs into one when it has too many.
 *
 * An open with no close yet stays in memory until its close comes and is
 * written at the close of the index as open (end 0); the next ingest's
 * teardown of it (yesterday's build, today's DESTROY) is written as it is
 * and the lookup pairs the two.
 */
#include "nat/nat_int.h"
#include "util/err.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_MAPS (1u << 20) /* buffered mappings before a flush is forced */
#define MAX_RUNS_PER_PART 16  /* more than this after a flush: merge them */
#define MAX_LONG_RUNS 2       /* the long runs of a day are small and every lookup reads them */
#define MAX_SOURCES 65535

struct open_ent {
	struct nat_map m;
	uint32_t next; /* free list; 0 = end (entries are 1-based) */
	bool written;  /* already in a run as open */
	bool used;
};

struct slot {
	uint32_t tag, idx;
};

struct nat_writer {
	struct nat_map *buf;
	size_t n, cap;
	/* open mappings by (outside, port, proto) */
	struct slot *bucket;
	size_t nbucket, ngone;
	struct open_ent *ent; /* 1-based; ent[0] unused */
	size_t nent, entcap, nopen;
	uint32_t freelist;
	char **srcs;
	size_t nsrcs;
	char *last_src;   /* the source of the last add (most adds repeat it) */
	uint16_t last_id;
	struct nat_sort_scratch scratch;
	struct nat_map *grouped; /* flush: the buffer grouped by partition */
	size_t grouped_cap;
	uint32_t *gid;
};

/* ---- parts ---- */

static int part_cmp(const void *a, const void *b)
{
	const struct nat_part *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->t0 != y->t0)
		return x->t0 < y->t0 ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t nat_part_lower(const struct nat_index *x, char kind, int64_t t0)
{
	size_t a = 0, b = x->nparts;
	struct nat_part k = { .kind = kind, .t0 = t0, .seq = 0 };

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (part_cmp(&x->parts[m], &k) < 0)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

struct nat_run *nat_part_run(struct nat_index *x, struct nat_part *p)
{
	if (p->run || p->bad)
		return p->run;
	int err = nat_run_open(p->path, &p->run);
	if (err) {
		p->bad = true;
		p->run = NULL;
		x->bad_runs++;
		if (err != VIGIL_ENOTFOUND)
			log_warn("nat: %s: %s; skipped", p->path, vigil_strerror(err));
	}
	return p->run;
}

static int64_t utc_ms(int y, int mo, int d, int h)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h };
	return (int64_t)timegm(&tm) * 1000;
}

/* "2024030110-000001.nat" (h) or "20240301-000001.nat" (l). */
static bool parse_name(char kind, const char *name, int64_t *t0, unsigned *seq)
{
	int y, mo, d, h = 0, used = 0;
	unsigned s;

	if (kind == 'h') {
		if (sscanf(name, "%4d%2d%2d%2d-%6u.nat%n", &y, &mo, &d, &h, &s, &used) != 5)
			return false;
	} else if (sscanf(name, "%4d%2d%2d-%6u.nat%n", &y, &mo, &d, &s, &used) != 4) {
		return false;
	}
	if (name[used] || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23)
		return false;
	*t0 = utc_ms(y, mo, d, h);
	*seq = s;
	return true;
}

static int part_push(struct nat_index *x, char kind, int64_t t0, unsigned seq, const char *path)
{
	if (x->nparts == x->partcap) {
		size_t c = x->partcap ? 2 * x->partcap : 64;
		struct nat_part *np = realloc(x->parts, c * sizeof(*np));
		if (!np)
			return VIGIL_ENOMEM;
		x->parts = np;
		x->partcap = c;
	}
	struct nat_part *p = &x->parts[x->nparts];
	memset(p, 0, sizeof(*p));
	if (!(p->path = strdup(path)))
		return VIGIL_ENOMEM;
	p->kind = kind;
	p->t0 = t0;
	p->seq = seq;
	x->nparts++;
	return 0;
}

static int list_kind(struct nat_index *x, char kind)
{
	char d[4200], path[4400];
	snprintf(d, sizeof(d), "%s/%c", x->dir, kind);
	DIR *dp = opendir(d);
	struct dirent *de;
	int err = 0;

	if (!dp)
		return errno == ENOENT ? 0 : VIGIL_EIO;
	while (!err && (de = readdir(dp))) {
		int64_t t0;
		unsigned seq;
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".tmp")) {
			/* a write cut off by a crash: never linked, never read */
			if (x->writable) {
				snprintf(path, sizeof(path), "%s/%s", d, de->d_name);
				unlink(path);
			}
			continue;
		}
		if (!parse_name(kind, de->d_name, &t0, &seq))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, de->d_name);
		err = part_push(x, kind, t0, seq, path);
	}
	closedir(dp);
	return err;
}

int nat_index_open(const char *dir, bool writable, struct nat_index **out, char *err, size_t errlen)
{
	struct nat_index *x = calloc(1, sizeof(*x));
	struct stat st;
	int rc;

	if (!x || !(x->dir = strdup(dir))) {
		free(x);
		return VIGIL_ENOMEM;
	}
	x->writable = writable;
	if (writable) {
		char d[4200];
		static const char kinds[3] = { 0, 'h', 'l' }; /* the index, then its two folders */
		for (int i = 0; i < 3; i++) {
			const char *k = &kinds[i];
			if (*k)
				snprintf(d, sizeof(d), "%s/%c", dir, *k);
			else
				snprintf(d, sizeof(d), "%s", dir);
			if (mkdir(d, 0755) && errno != EEXIST) {
				snprintf(err, errlen, "%s: %s", d, strerror(errno));
				nat_index_close(x);
				return VIGIL_EIO;
			}
		}
		if (!(x->w = calloc(1, sizeof(*x->w)))) {
			nat_index_close(x);
			return VIGIL_ENOMEM;
		}
	} else if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: no NAT index here (vigil nat ingest -w %s makes one)", dir, dir);
		nat_index_close(x);
		return VIGIL_ENOTFOUND;
	}
	if ((rc = list_kind(x, 'h')) || (rc = list_kind(x, 'l'))) {
		snprintf(err, errlen, "%s: cannot list the index: %s", dir, vigil_strerror(rc));
		nat_index_close(x);
		return rc;
	}
	if (x->nparts)
		qsort(x->parts, x->nparts, sizeof(*x->parts), part_cmp);
	*out = x;
	return 0;
}

/* ---- the writer ---- */

static uint64_t key_hash(const struct vaddr *a, uint16_t port, uint8_t proto)
{
	uint64_t x = addr_hash(a) ^ ((uint64_t)port << 8 | proto) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

static bool same_key(const struct nat_map *m, const struct vaddr *a, uint16_t port, uint8_t proto)
{
	return m->port == port && m->proto == proto && addr_eq(&m->outside, a);
}

static int buf_push(struct nat_writer *w, const struct nat_map *m)
{
	if (w->n == w->cap) {
		/* the flush size at once: no copies while it fills */
		size_t c = w->cap ? 2 * w->cap : FLUSH_MAPS + 4096;
		struct nat_map *nb = realloc(w->buf, c * sizeof(*nb));
		if (!nb)
			return VIGIL_ENOMEM;
		w->buf = nb;
		w->cap = c;
	}
	w->buf[w->n++] = *m;
	return 0;
}

/* The open mappings: open addressing over slots holding 32 bits of the
 * key's hash and the entry's index, so a probe that misses (every new
 * build) touches one cache line and no entry. */
#define SLOT_FREE 0u
#define SLOT_GONE UINT32_MAX

static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1u; /* never 0 */
}

static int grow_table(struct nat_writer *w)
{
	size_t nb = 8192; /* rebuilt at four times the live entries: tombstones go */
	struct slot *b;

	while (nb < 4 * (w->nopen + 1))
		nb *= 2;
	if (!(b = calloc(nb, sizeof(*b))))
		return VIGIL_ENOMEM;
	for (size_t i = 1; i < w->nent; i++) {
		struct open_ent *e = &w->ent[i];
		if (!e->used)
			continue;
		uint64_t h = key_hash(&e->m.outside, e->m.port, e->m.proto);
		size_t at = h & (nb - 1);
		while (b[at].idx != SLOT_FREE)
			at = (at + 1) & (nb - 1);
		b[at].tag = tag_of(h);
		b[at].idx = (uint32_t)i;
	}
	free(w->bucket);
	w->bucket = b;
	w->nbucket = nb;
	w->ngone = 0;
	return 0;
}

/* The open entry of a key (0: none) and its slot. */
static uint32_t find_open(struct nat_writer *w, const struct vaddr *a, uint16_t port, uint8_t proto,
			  size_t *slot)
{
	if (!w->nbucket)
		return 0;
	uint64_t h = key_hash(a, port, proto);
	uint32_t tag = tag_of(h);
	for (size_t at = h & (w->nbucket - 1);; at = (at + 1) & (w->nbucket - 1)) {
		const struct slot *sl = &w->bucket[at];
		if (sl->idx == SLOT_FREE)
			return 0;
		if (sl->idx != SLOT_GONE && sl->tag == tag && same_key(&w->ent[sl->idx].m, a, port, proto)) {
			if (slot)
				*slot = at;
			return sl->idx;
		}
	}
}

static int put_open(struct nat_writer *w, const struct nat_map *m)
{
	uint32_t i;

	if (2 * (w->nopen + w->ngone + 1) > w->nbucket && grow_table(w))
		return VIGIL_ENOMEM;
	if (w->freelist) {
		i = w->freelist;
		w->freelist = w->ent[i].next;
	} else {
		if (w->nent == 0)
			w->nent = 1;
		if (w->nent >= w->entcap) {
			size_t c = w->entcap ? 2 * w->entcap : 4096;
			struct open_ent *ne = realloc(w->ent, c * sizeof(*ne));
			if (!ne)
				return VIGIL_ENOMEM;
			w->ent = ne;
			w->entcap = c;
		}
		i = (uint32_t)w->nent++;
	}
	struct open_ent *e = &w->ent[i];
	e->m = *m;
	e->written = false;
	e->used = true;
	uint64_t h = key_hash(&m->outside, m->port, m->proto);
	size_t at = h & (w->nbucket - 1);
	while (w->bucket[at].idx != SLOT_FREE && w->bucket[at].idx != SLOT_GONE)
		at = (at + 1) & (w->nbucket - 1);
	if (w->bucket[at].idx == SLOT_GONE)
		w->ngone--;
	w->bucket[at].tag = tag_of(h);
	w->bucket[at].idx = i;
	w->nopen++;
	return 0;
}

static void drop_open(struct nat_writer *w, uint32_t i, size_t slot)
{
	w->bucket[slot].idx = SLOT_GONE;
	w->ngone++;
	w->ent[i].used = false;
	w->ent[i].next = w->freelist;
	w->freelist = i;
	w->nopen--;
}

static int source_id(struct nat_writer *w, const char *source, uint16_t *id)
{
	if (w->last_src && !strcmp(w->last_src, source)) {
		*id = w->last_id;
		return 0;
	}
	size_t i;
	for (i = 0; i < w->nsrcs; i++)
		if (!strcmp(w->srcs[i], source))
			break;
	if (i == w->nsrcs) {
		if (w->nsrcs == MAX_SOURCES) {
			i = MAX_SOURCES - 1; /* past 65535 files in one ingest the last name stands */
		} else {
			char **ns = realloc(w->srcs, (w->nsrcs + 1) * sizeof(*ns));
			if (!ns)
				return VIGIL_ENOMEM;
			w->srcs = ns;
			if (!(w->srcs[w->nsrcs] = strndup(source, NAT_SRC_MAX - 1)))
				return VIGIL_ENOMEM;
			w->nsrcs++;
		}
	}
	*id = (uint16_t)i;
	w->last_src = w->srcs[i];
	w->last_id = (uint16_t)i;
	return 0;
}

int nat_index_add(struct nat_index *x, const struct nat_rec *r, const char *source)
{
	struct nat_writer *w = x->w;
	struct nat_map m = { 0 };
	size_t link = 0;
	uint32_t i;
	int err;

	if (!w)
		return VIGIL_ESTATE;
	if ((err = source_id(w, source ? source : "-", &m.src)))
		return err;
	m.outside = r->outside;
	m.port = r->outside_port;
	m.proto = r->proto;
	m.inside = r->inside;
	m.inside_port = r->inside_port;
	m.line = r->line;
	i = find_open(w, &r->outside, r->outside_port, r->proto, &link);

	if (r->ev == NAT_OPEN) {
		if (!r->start_ms)
			return VIGIL_EINVAL;
		m.start_ms = r->start_ms;
		if (i) { /* the port was built again without a teardown: the old one ended */
			struct open_ent *e = &w->ent[i];
			if (addr_eq(&e->m.inside, &m.inside) && e->m.inside_port == m.inside_port &&
			    e->m.start_ms == m.start_ms)
				return 0; /* the same build logged twice */
			if (!e->written && (err = buf_push(w, &e->m)))
				return err;
			drop_open(w, i, link);
		}
		if (r->end_ms) { /* a line that states both ends (a flow record) */
			m.end_ms = r->end_ms;
			err = buf_push(w, &m);
		} else {
			err = put_open(w, &m);
		}
	} else {
		if (!r->end_ms)
			return VIGIL_EINVAL;
		m.end_ms = r->end_ms;
		if (i && addr_eq(&w->ent[i].m.inside, &m.inside)) {
			struct open_ent *e = &w->ent[i];
			m.start_ms = e->m.start_ms;
			m.line = e->m.line; /* the build line says most */
			m.src = e->m.src;
			if (!m.inside_port)
				m.inside_port = e->m.inside_port;
			drop_open(w, i, link);
		} else if (r->start_ms) {
			m.start_ms = r->start_ms;
		} else {
			m.start_ms = m.end_ms;
			m.flags |= NAT_MAP_NOSTART;
		}
		if (m.end_ms < m.start_ms)
			m.end_ms = m.start_ms;
		err = buf_push(w, &m);
	}
	if (!err && w->n >= FLUSH_MAPS)
		err = nat_index_flush(x);
	return err;
}

/* ---- flushing ---- */

static bool is_hourly(const struct nat_map *m)
{
	return m->end_ms && !(m->flags & NAT_MAP_NOSTART) && m->end_ms - m->start_ms <= NAT_HOUR_MS;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;
	if (t % unit < 0)
		q--;
	return q * unit;
}

static void part_of(const struct nat_map *m, char *kind, int64_t *t0)
{
	*kind = is_hourly(m) ? 'h' : 'l';
	*t0 = floor_to(m->start_ms, *kind == 'h' ? NAT_HOUR_MS : NAT_DAY_MS);
}

static void part_path(const struct nat_index *x, char kind, int64_t t0, unsigned seq, char *out,
		      size_t n)
{
	time_t s = (time_t)(t0 / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	if (kind == 'h')
		snprintf(out, n, "%s/h/%04d%02d%02d%02d-%06u.nat", x->dir, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, seq % 1000000);
	else
		snprintf(out, n, "%s/l/%04d%02d%02d-%06u.nat", x->dir, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, seq % 1000000);
}

/* Write maps as a new run of partition (kind, t0); records it in x->parts. */
static int write_part(struct nat_index *x, char kind, int64_t t0, const struct nat_map *maps, size_t n,
		      const char *const *srcs, size_t nsrcs)
{
	char path[4400];
	size_t at = nat_part_lower(x, kind, t0);
	unsigned seq = 1;
	int err;

	for (size_t i = at; i < x->nparts && x->parts[i].kind == kind && x->parts[i].t0 == t0; i++)
		if (x->parts[i].seq >= seq)
			seq = x->parts[i].seq + 1;
	for (int tries = 0;; tries++) {
		part_path(x, kind, t0, seq, path, sizeof(path));
		err = nat_run_write(path, maps, n, srcs, nsrcs, x->w ? &x->w->scratch : NULL);
		if (err != VIGIL_EEXIST || tries > 1000)
			break;
		seq++; /* another writer took that name */
	}
	if (err)
		return err;
	if ((err = part_push(x, kind, t0, seq, path)))
		return err;
	if (x->nparts)
		qsort(x->parts, x->nparts, sizeof(*x->parts), part_cmp);
	return 0;
}

struct gather {
	struct nat_map *m;
	size_t n, cap;
	char **srcs;
	size_t nsrcs;
};

static int gather_one(void *ctx, const struct nat_map *m, const char *src)
{
	struct gather *g = ctx;
	size_t i;

	if (g->n == g->cap) {
		size_t c = g->cap ? 2 * g->cap : 8192;
		struct nat_map *nm = realloc(g->m, c * sizeof(*nm));
		if (!nm)
			return VIGIL_ENOMEM;
		g->m = nm;
		g->cap = c;
	}
	for (i = 0; i < g->nsrcs; i++)
		if (!strcmp(g->srcs[i], src))
			break;
	if (i == g->nsrcs) {
		if (g->nsrcs == MAX_SOURCES) {
			i--;
		} else {
			char **ns = realloc(g->srcs, (g->nsrcs + 1) * sizeof(*ns));
			if (!ns || !(ns[g->nsrcs] = strdup(src))) {
				if (ns)
					g->srcs = ns;
				return VIGIL_ENOMEM;
			}
			g->srcs = ns;
			g->nsrcs++;
		}
	}
	g->m[g->n] = *m;
	g->m[g->n].src = (uint16_t)i;
	g->n++;
	return 0;
}

static int cmp_map(const void *a, const void *b) { return nat_map_cmp(a, b); }

/* Merge the runs of partition (kind, t0) into one when there are too many:
 * the merged run is written first, the old ones removed after, so a crash
 * in between leaves duplicates (which the lookup merges), never a loss. */
static int compact_part(struct nat_index *x, char kind, int64_t t0)
{
	size_t at = nat_part_lower(x, kind, t0), end = at;
	struct gather g = { 0 };
	int err = 0;

	while (end < x->nparts && x->parts[end].kind == kind && x->parts[end].t0 == t0)
		end++;
	if (end - at <= (kind == 'l' ? MAX_LONG_RUNS : MAX_RUNS_PER_PART))
		return 0;
	for (size_t i = at; i < end && !err; i++) {
		struct nat_run *r = nat_part_run(x, &x->parts[i]);
		if (r)
			err = nat_run_each(r, gather_one, &g);
	}
	if (!err) {
		if (g.n)
			qsort(g.m, g.n, sizeof(*g.m), cmp_map);
		size_t k = 0;
		for (size_t i = 0; i < g.n; i++)
			if (!k || nat_map_cmp(&g.m[k - 1], &g.m[i]) || g.m[k - 1].inside_port != g.m[i].inside_port)
				g.m[k++] = g.m[i];
		g.n = k;
	}
	/* the old runs, by path: write_part re-sorts x->parts */
	size_t nold = end - at;
	char **old = calloc(nold, sizeof(*old));
	if (!old)
		err = VIGIL_ENOMEM;
	for (size_t i = 0; i < nold && !err; i++)
		old[i] = x->parts[at + i].path;
	if (!err)
		err = write_part(x, kind, t0, g.m, g.n, (const char *const *)g.srcs, g.nsrcs);
	if (!err) {
		for (size_t i = 0; i < nold; i++)
			unlink(old[i]);
		/* drop them from the list */
		size_t k = 0;
		for (size_t i = 0; i < x->nparts; i++) {
			bool gone = false;
			for (size_t j = 0; j < nold && !gone; j++)
				gone = x->parts[i].path == old[j];
			if (gone) {
				nat_run_close(x->parts[i].run);
				free(x->parts[i].path);
			} else {
				x->parts[k++] = x->parts[i];
			}
		}
		x->nparts = k;
	}
	free(old);
	free(g.m);
	for (size_t i = 0; i < g.nsrcs; i++)
		free(g.srcs[i]);
	free(g.srcs);
	return err;
}

static int flush(struct nat_index *x, bool opens)
{
	struct nat_writer *w = x ? x->w : NULL;
	int err = 0;

	if (!w)
		return 0;
	/* At the close, the mappings still open go in as open. Not at every
	 * flush: a busy gateway has hundreds of thousands open at any moment,
	 * nearly all closed seconds later, and writing them each time would
	 * write most sessions twice. */
	for (size_t i = 1; opens && i < w->nent && !err; i++) {
		struct open_ent *e = &w->ent[i];
		if (e->used && !e->written) {
			err = buf_push(w, &e->m);
			e->written = true;
		}
	}
	if (err || !w->n)
		return err;
	/* group by partition with a counting pass (a flush touches few of
	 * them: the hours the log covers and a day or two of long ones) */
	struct pgrp { char k; int64_t t0; size_t n, at; };
	struct pgrp *grp = NULL;
	size_t ngrp = 0, last = 0;
	if (w->grouped_cap < w->n) {
		size_t c = w->n + w->n / 4;
		uint32_t *ng = realloc(w->gid, c * sizeof(*ng));
		if (ng)
			w->gid = ng;
		struct nat_map *nm = realloc(w->grouped, c * sizeof(*nm));
		if (nm)
			w->grouped = nm;
		if (!ng || !nm)
			return VIGIL_ENOMEM;
		w->grouped_cap = c;
	}
	uint32_t *gid = w->gid;
	struct nat_map *sorted = w->grouped;
	for (size_t i = 0; i < w->n && !err; i++) {
		char k;
		int64_t t0;
		part_of(&w->buf[i], &k, &t0);
		if (!(ngrp && grp[last].k == k && grp[last].t0 == t0)) {
			for (last = 0; last < ngrp && !(grp[last].k == k && grp[last].t0 == t0); last++)
				;
			if (last == ngrp) {
				struct pgrp *ng = realloc(grp, (ngrp + 1) * sizeof(*ng));
				if (!ng) {
					err = VIGIL_ENOMEM;
					break;
				}
				grp = ng;
				grp[ngrp++] = (struct pgrp){ k, t0, 0, 0 };
			}
		}
		grp[last].n++;
		gid[i] = (uint32_t)last;
	}
	for (size_t g = 0, at = 0; g < ngrp && !err; g++) {
		grp[g].at = at;
		at += grp[g].n;
	}
	if (ngrp == 1)
		sorted = w->buf; /* one partition: no grouping needed */
	else
		for (size_t i = 0; i < w->n && !err; i++)
			sorted[grp[gid[i]].at++] = w->buf[i];
	for (size_t g = 0, at = 0; g < ngrp && !err; g++) {
		err = write_part(x, grp[g].k, grp[g].t0, sorted + at, grp[g].n, (const char *const *)w->srcs,
				 w->nsrcs);
		at += grp[g].n;
	}
	size_t ntouched = 0;
	char *touched_k = malloc(ngrp ? ngrp : 1);
	int64_t *touched_t = malloc((ngrp ? ngrp : 1) * sizeof(int64_t));
	if (!touched_k || !touched_t)
		err = err ? err : VIGIL_ENOMEM;
	for (size_t g = 0; g < ngrp && touched_k && touched_t; g++) {
		touched_k[ntouched] = grp[g].k;
		touched_t[ntouched++] = grp[g].t0;
	}
	free(grp);
	if (!err)
		w->n = 0;
	for (size_t i = 0; i < ntouched && !err; i++)
		err = compact_part(x, touched_k[i], touched_t[i]);
	free(touched_k);
	free(touched_t);
	return err;
}

int nat_index_flush(struct nat_index *x)
{
	return flush(x, false);
}

int nat_index_close(struct nat_index *x)
{
	int err = 0;

	if (!x)
		return 0;
	if (x->w) {
		err = flush(x, true);
		struct nat_writer *w = x->w;
		free(w->buf);
		free(w->grouped);
		free(w->gid);
		nat_sort_scratch_free(&w->scratch);
		free(w->bucket);
		free(w->ent);
		for (size_t i = 0; i < w->nsrcs; i++)
			free(w->srcs[i]);
		free(w->srcs);
		free(w);
	}
	for (size_t i = 0; i < x->nparts; i++) {
		nat_run_close(x->parts[i].run);
		free(x->parts[i].path);
	}
	free(x->parts);
	free(x->dir);
	free(x);
	return err;
}

/* ---- info and retention ---- */

int nat_index_info(struct nat_index *x, struct nat_index_info *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < x->nparts; i++) {
		struct nat_run *r = nat_part_run(x, &x->parts[i]);
		uint64_t n, b;
		int64_t lo, hi;
		if (!r)
			continue;
		nat_run_info(r, &n, &lo, &hi, &b);
		out->partitions++;
		out->mappings += n;
		out->bytes += b;
		if (n && (!out->first_ms || lo < out->first_ms))
			out->first_ms = lo;
		if (hi > out->last_ms)
			out->last_ms = hi;
	}
	return 0;
}

int nat_index_expire(struct nat_index *x, int64_t max_age_ms, int64_t now_ms, uint64_t *removed)
{
	int64_t cutoff = now_ms - max_age_ms;
	size_t k = 0;
	uint64_t n = 0;

	for (size_t i = 0; i < x->nparts; i++) {
		struct nat_part *p = &x->parts[i];
		bool old;
		if (p->kind == 'h') {
			old = p->t0 + 2 * NAT_HOUR_MS < cutoff;
		} else {
			/* a long run may hold mappings that last past its day, and
			 * open ones count until the cap */
			struct nat_run *r = nat_part_run(x, p);
			int64_t hi = p->t0 + NAT_DAY_MS;
			if (r) {
				int64_t me;
				nat_run_info(r, NULL, NULL, &me, NULL);
				if (me > hi)
					hi = me;
			}
			old = hi + NAT_DEFAULT_MAX_OPEN_MS < cutoff;
		}
		if (old && x->writable && !unlink(p->path)) {
			nat_run_close(p->run);
			free(p->path);
			n++;
		} else {
			x->parts[k++] = *p;
		}
	}
	x->nparts = k;
	if (removed)
		*removed = n;
	return x->writable ? 0 : VIGIL_ESTATE;
}
