/*
 * set.c - the intel set: entries of every loaded feed, interned strings, one
 * LPM over all of them, and the reload handle (see intel.h).
 *
 * Entries live in one growable array (capped at INTEL_MAX_ENTRIES); the LPM
 * maps an address to an entry index. Strings (feed names, malware families,
 * SBL ids) are interned in a small open-addressing table so a million entries
 * from one feed share one feed name. In front of the IPv4 LPM sits a bitmap of
 * the /24 blocks any IPv4 entry touches (2 MiB): nearly every address looked
 * up is listed nowhere, and one bit answers that without the LPM's index and
 * search.
 */
#include "intel/intel_int.h"
#include "util/err.h"
#include "util/lpm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct feed_info {
	const char *name;
	enum intel_format fmt;
	uint64_t loaded, bad;
};

struct intel_set {
	struct intel_entry *e;
	size_t n, cap;
	struct lpm *lpm;
	uint8_t *filt4;       /* bit k: /24 block k holds a listed IPv4 address */
	char **strs;          /* intern table, open addressing */
	size_t nstrs, capstrs;
	size_t strbytes;
	struct feed_info feeds[INTEL_MAX_FEEDS];
	size_t nfeeds;
	int refs;             /* readers holding it through a handle */
};

struct intel_set *intel_set_new(void)
{
	struct intel_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->lpm = lpm_new();
	if (!s->lpm) {
		free(s);
		return NULL;
	}
	return s;
}

void intel_set_free(struct intel_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->capstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->e);
	lpm_free(s->lpm);
	free(s->filt4);
	free(s);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* Interned copy of str (never NULL for a non-NULL input unless out of memory). */
static const char *intern(struct intel_set *s, const char *str)
{
	size_t i;

	if (!str || !*str)
		return "";
	if (s->nstrs * 2 >= s->capstrs) {
		size_t ncap = s->capstrs ? s->capstrs * 2 : 64;
		char **nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return NULL;
		for (size_t k = 0; k < s->capstrs; k++) {
			if (!s->strs[k])
				continue;
			i = str_hash(s->strs[k]) & (ncap - 1);
			while (nt[i])
				i = (i + 1) & (ncap - 1);
			nt[i] = s->strs[k];
		}
		free(s->strs);
		s->strs = nt;
		s->capstrs = ncap;
	}
	i = str_hash(str) & (s->capstrs - 1);
	while (s->strs[i]) {
		if (strcmp(s->strs[i], str) == 0)
			return s->strs[i];
		i = (i + 1) & (s->capstrs - 1);
	}
	s->strs[i] = strdup(str);
	if (!s->strs[i])
		return NULL;
	s->nstrs++;
	s->strbytes += strlen(str) + 1;
	return s->strs[i];
}

static struct feed_info *intel_set_feed(struct intel_set *s, const char *name,
					enum intel_format fmt)
{
	for (size_t i = 0; i < s->nfeeds; i++)
		if (strcmp(s->feeds[i].name, name) == 0)
			return &s->feeds[i];
	if (s->nfeeds >= INTEL_MAX_FEEDS)
		return NULL;
	s->feeds[s->nfeeds].name = intern(s, name);
	if (!s->feeds[s->nfeeds].name)
		return NULL;
	s->feeds[s->nfeeds].fmt = fmt;
	return &s->feeds[s->nfeeds++];
}

const char *intel_set_feed_name(struct intel_set *s, const char *name, enum intel_format fmt)
{
	struct feed_info *f = intel_set_feed(s, name, fmt);

	return f ? f->name : NULL;
}

void intel_set_feed_count(struct intel_set *s, const char *name, uint64_t loaded, uint64_t bad)
{
	for (size_t i = 0; i < s->nfeeds; i++) {
		if (strcmp(s->feeds[i].name, name) == 0) {
			s->feeds[i].loaded += loaded;
			s->feeds[i].bad += bad;
		}
	}
}

static int add_entry(struct intel_set *s, const struct intel_entry *e)
{
	if (s->n >= INTEL_MAX_ENTRIES)
		return VIGIL_ELIMIT;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		struct intel_entry *ne;

		if (ncap > INTEL_MAX_ENTRIES)
			ncap = INTEL_MAX_ENTRIES;
		ne = realloc(s->e, ncap * sizeof(*ne));
		if (!ne)
			return VIGIL_ENOMEM;
		s->e = ne;
		s->cap = ncap;
	}
	s->e[s->n++] = *e;
	return 0;
}

int intel_parse_add(struct intel_parse *p, const struct vaddr *lo, const struct vaddr *hi,
		    uint8_t len, int32_t port, const char *family, const char *ref)
{
	struct intel_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.lo = *lo;
	e.hi = *hi;
	e.len = len;
	e.feed = p->feed;
	e.family = intern(p->set, family);
	e.ref = intern(p->set, ref);
	if (!e.family || !e.ref)
		return VIGIL_ENOMEM;
	e.port = port;
	e.line = p->lineno;
	e.kind = (uint8_t)p->kind;
	rc = add_entry(p->set, &e);
	if (rc == 0)
		p->loaded++;
	return rc;
}

int intel_add(struct intel_set *s, const char *feed, enum intel_kind kind, const struct vprefix *p,
	      int32_t port, const char *family)
{
	struct intel_entry e;

	memset(&e, 0, sizeof(e));
	prefix_range(p, &e.lo, &e.hi);
	e.len = p->len;
	if (!intel_set_feed(s, feed ? feed : "manual", INTEL_FMT_PLAIN))
		return VIGIL_ELIMIT;
	e.feed = intern(s, feed ? feed : "manual");
	e.family = intern(s, family);
	e.ref = "";
	if (!e.feed || !e.family)
		return VIGIL_ENOMEM;
	e.port = port;
	e.kind = (uint8_t)kind;
	intel_set_feed_count(s, e.feed, 1, 0);
	return add_entry(s, &e);
}

#define FILT4_BYTES ((size_t)1 << 21) /* 2^24 /24 blocks, one bit each */

/* Set the filter bits of the /24 blocks lo..hi (inclusive block numbers). */
static void filt4_mark(uint8_t *f, uint32_t lo, uint32_t hi)
{
	while (lo <= hi && (lo & 7)) {
		f[lo >> 3] |= (uint8_t)(1u << (lo & 7));
		if (lo++ == hi)
			return;
	}
	if (lo > hi)
		return;
	if (hi - lo >= 8) {
		uint32_t n = (hi - lo + 1) >> 3;

		memset(f + (lo >> 3), 0xff, n);
		lo += n << 3;
	}
	for (; lo <= hi; lo++)
		f[lo >> 3] |= (uint8_t)(1u << (lo & 7));
}

int intel_build(struct intel_set *s)
{
	struct lpm *t = lpm_new();
	uint8_t *filt = calloc(1, FILT4_BYTES);
	int rc = VIGIL_ENOMEM;

	if (!t || !filt)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		if (addr_is_v4(&s->e[i].lo) && addr_is_v4(&s->e[i].hi) &&
		    addr_cmp(&s->e[i].lo, &s->e[i].hi) <= 0)
			filt4_mark(filt, addr_v4(&s->e[i].lo) >> 8, addr_v4(&s->e[i].hi) >> 8);
	/* Block-list entries first, C&C after: for equal ranges the last wins. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->n; i++) {
			if ((s->e[i].kind == INTEL_CC) != (pass == 1))
				continue;
			rc = lpm_add_range(t, &s->e[i].lo, &s->e[i].hi, (uint32_t)i);
			if (rc < 0)
				goto out;
		}
	}
	rc = lpm_build(t);
	if (rc < 0)
		goto out;
	lpm_free(s->lpm);
	s->lpm = t;
	t = NULL;
	free(s->filt4);
	s->filt4 = filt;
	filt = NULL;
	rc = 0;
out:
	lpm_free(t);
	free(filt);
	return rc;
}

const struct intel_entry *intel_lookup(const struct intel_set *s, const struct vaddr *a)
{
	uint32_t v;

	if (!s || s->n == 0)
		return NULL;
	if (addr_is_v4(a))
		return intel_lookup_v4(s, addr_v4(a));
	v = lpm_lookup(s->lpm, a);
	return v == LPM_NONE || v >= s->n ? NULL : &s->e[v];
}

const struct intel_entry *intel_lookup_v4(const struct intel_set *s, uint32_t v4)
{
	uint32_t v;

	if (!s || s->n == 0)
		return NULL;
	if (s->filt4 && !(s->filt4[v4 >> 11] & (1u << ((v4 >> 8) & 7))))
		return NULL; /* no listed address in its /24 */
	v = lpm_lookup_v4(s->lpm, v4);
	return v == LPM_NONE || v >= s->n ? NULL : &s->e[v];
}

void intel_each(const struct intel_set *s, int (*fn)(void *ctx, const struct intel_entry *e),
		void *ctx)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (fn(ctx, &s->e[i]))
			return;
}

/* Whether before has an entry of e's kind over all of e's range: the most
 * specific entries at both ends are one that holds the whole range. */
static bool covered(const struct intel_set *before, const struct intel_entry *e)
{
	const struct intel_entry *a, *b;

	if (!before)
		return false;
	a = intel_lookup(before, &e->lo);
	b = intel_lookup(before, &e->hi);
	return a && a == b && a->kind == e->kind && addr_cmp(&a->lo, &e->lo) <= 0 &&
	       addr_cmp(&a->hi, &e->hi) >= 0;
}

long intel_diff(const struct intel_set *now, const struct intel_set *before,
		struct intel_set **out)
{
	struct intel_set *s = intel_set_new();
	int rc = 0;

	*out = NULL;
	if (!s)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < now->n && !rc; i++) {
		struct intel_entry e = now->e[i];

		enum intel_format fmt = INTEL_FMT_PLAIN;

		if (covered(before, &e))
			continue;
		for (size_t f = 0; f < now->nfeeds; f++)
			if (now->feeds[f].name == e.feed)
				fmt = now->feeds[f].fmt;
		if (!intel_set_feed(s, e.feed, fmt) || !(e.feed = intern(s, e.feed)) ||
		    !(e.family = intern(s, e.family)) || !(e.ref = intern(s, e.ref))) {
			rc = VIGIL_ENOMEM;
			break;
		}
		intel_set_feed_count(s, e.feed, 1, 0);
		rc = add_entry(s, &e);
	}
	if (!rc)
		rc = intel_build(s);
	if (rc) {
		intel_set_free(s);
		return rc;
	}
	*out = s;
	return (long)s->n;
}

size_t intel_count(const struct intel_set *s)
{
	return s ? s->n : 0;
}

size_t intel_memory(const struct intel_set *s)
{
	if (!s)
		return 0;
	return sizeof(*s) + s->cap * sizeof(*s->e) + lpm_memory(s->lpm) +
	       (s->filt4 ? FILT4_BYTES : 0) +
	       s->capstrs * sizeof(char *) + s->strbytes;
}

void intel_feeds(const struct intel_set *s,
		 void (*fn)(void *ctx, const char *feed, enum intel_format fmt, uint64_t loaded,
			    uint64_t bad),
		 void *ctx)
{
	for (size_t i = 0; s && i < s->nfeeds; i++)
		fn(ctx, s->feeds[i].name, s->feeds[i].fmt, s->feeds[i].loaded, s->feeds[i].bad);
}

const char *intel_kind_name(enum intel_kind k)
{
	return k == INTEL_CC ? "cc" : "blocklist";
}

/* ---- reload handle ---- */

struct intel_handle {
	pthread_mutex_t mu;
	struct intel_set *cur;
	struct intel_set *old[8]; /* retired sets still held by readers */
};

struct intel_handle *intel_handle_new(struct intel_set *set)
{
	struct intel_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (!set)
		set = intel_set_new();
	if (!set) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	h->cur = set;
	return h;
}

void intel_handle_free(struct intel_handle *h)
{
	if (!h)
		return;
	intel_set_free(h->cur);
	for (size_t i = 0; i < 8; i++)
		intel_set_free(h->old[i]);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

const struct intel_set *intel_handle_acquire(struct intel_handle *h)
{
	struct intel_set *s;

	pthread_mutex_lock(&h->mu);
	s = h->cur;
	s->refs++;
	pthread_mutex_unlock(&h->mu);
	return s;
}

void intel_handle_hold(struct intel_handle *h, const struct intel_set *set)
{
	pthread_mutex_lock(&h->mu);
	if (h->cur == set)
		h->cur->refs++;
	for (size_t i = 0; i < 8; i++)
		if (h->old[i] == set)
			h->old[i]->refs++;
	pthread_mutex_unlock(&h->mu);
}

void intel_handle_release(struct intel_handle *h, const struct intel_set *set)
{
	struct intel_set *victim = NULL;

	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < 8; i++) {
		if (h->old[i] == set) {
			if (--h->old[i]->refs <= 0) {
				victim = h->old[i];
				h->old[i] = NULL;
			}
			goto out;
		}
	}
	if (h->cur == set)
		h->cur->refs--;
out:
	pthread_mutex_unlock(&h->mu);
	intel_set_free(victim);
}

void intel_handle_swap(struct intel_handle *h, struct intel_set *set)
{
	struct intel_set *victim = NULL;

	pthread_mutex_lock(&h->mu);
	if (h->cur->refs <= 0) {
		victim = h->cur;
	} else {
		size_t i;

		for (i = 0; i < 8 && h->old[i]; i++)
			;
		if (i < 8)
			h->old[i] = h->cur;
		else
			victim = h->cur; /* cannot happen with well-behaved readers */
	}
	h->cur = set;
	pthread_mutex_unlock(&h->mu);
	intel_set_free(victim);
}

int intel_reload(struct intel_handle *h, const char *const *specs, size_t nspecs,
		 intel_err_fn errfn, void *ctx)
{
	struct intel_set *s = intel_set_new();
	long rc = VIGIL_ENOMEM;

	if (!s)
		goto out;
	for (size_t i = 0; i < nspecs; i++) {
		rc = intel_load(s, specs[i], errfn, ctx, NULL);
		if (rc < 0)
			goto out;
	}
	rc = intel_build(s);
	if (rc < 0)
		goto out;
	intel_handle_swap(h, s);
	s = NULL;
	rc = 0;
out:
	intel_set_free(s);
	return (int)rc;
}
