/*
 * lookup.c - resolving an address against the constituency model: the most
 * specific inetnum/inet6num, then org -> organisation, abuse-c -> role or
 * person abuse-mailbox (the net's own abuse-c first, then its org's, then
 * the same up the enclosing nets: db.c bakes that walk into each net when
 * it indexes), mnt-irt -> irt (also inherited), origin
 * AS from the most specific route, and the sites table on top, overriding
 * the fields it sets. Read-only on the model, so any number of threads may
 * look up at once; nothing is allocated.
 *
 * IPv4 goes through a direct table built here when the model is indexed:
 * one 8-byte entry per /24 holding the net and route answers of the whole
 * /24, so a lookup is one table read, then the net (one cache line), then
 * its org / abuse contact / irt; only /24s split among several answers
 * (assignments smaller than a /24) search the interval index (util/lpm.h).
 */
#include "whois/model.h"
#include "util/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

static size_t hot_align(size_t bytes) { return bytes >= HUGE_PAGE ? HUGE_PAGE : 64; }

void *w_alloc_hot(size_t n, size_t elem)
{
	size_t bytes, al;
	void *p;

	if (!n || elem > SIZE_MAX / n)
		return NULL;
	bytes = n * elem;
	al = hot_align(bytes);
	bytes = (bytes + al - 1) / al * al;
	p = aligned_alloc(al, bytes);
#ifdef MADV_HUGEPAGE
	if (p && al == HUGE_PAGE)
		(void)madvise(p, bytes, MADV_HUGEPAGE); /* fewer TLB misses; advisory */
#endif
	return p;
}

int w_hot_nets(struct whois_db *db)
{
	size_t n = db->nets.n;
	struct w_net *p;

	if (!n || (uintptr_t)db->nets.v % hot_align(n * sizeof(*p)) == 0)
		return 0;
	if (!(p = w_alloc_hot(n, sizeof(*p))))
		return VIGIL_ENOMEM;
	memcpy(p, db->nets.v, n * sizeof(*p));
	free(db->nets.v);
	db->nets.v = p;
	db->nets.cap = n;
	return 0;
}

/* The second level: a block of W_L2N /29 entries for every /24 whose nets
 * differ inside it (assignments smaller than a /24). */
static int build_l2(struct whois_db *db)
{
	size_t nt = (size_t)1 << W_V4BITS, nsplit = 0, k;
	int rc = 0;

	for (k = 0; k < nt; k++)
		nsplit += db->v4tab[k].net == W_SPLIT;
	if (!nsplit || nsplit >= W_L2)
		return 0;
	if (!(db->v4l2 = w_alloc_hot(nsplit, W_L2N * sizeof(uint32_t))))
		return VIGIL_ENOMEM;
	memset(db->v4l2, 0, nsplit * W_L2N * sizeof(uint32_t));
	nsplit = 0;
	for (k = 0; k < nt && !rc; k++) {
		if (db->v4tab[k].net != W_SPLIT)
			continue;
		rc = lpm_fill_v4(db->net_lpm, (uint32_t)k << (32 - W_V4BITS), W_L2SHIFT, W_L2N,
				 db->v4l2 + nsplit * W_L2N, 1);
		db->v4tab[k].net = W_L2 | (uint32_t)nsplit++;
	}
	return rc;
}

int w_v4tab_build(struct whois_db *db)
{
	size_t bytes = ((size_t)1 << W_V4BITS) * sizeof(struct w_v4ent);
	void *p;
	int rc;

	if (db->v4tab)
		munmap(db->v4tab, db->v4tab_bytes);
	free(db->v4l2);
	db->v4tab = NULL;
	db->v4l2 = NULL;
	db->v4tab_bytes = 0;
	if (db->nets.n >= W_L2 - 1 || db->routes.n >= W_SPLIT - 1)
		return 0; /* index + 1 would not fit: search only */
	/* anonymous memory reads as zero (no answer) and only the pages of
	 * covered /24s are ever touched */
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return VIGIL_ENOMEM;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	db->v4tab = p;
	db->v4tab_bytes = bytes;
	if ((rc = lpm_fill_v4(db->net_lpm, 0, 32 - W_V4BITS, (size_t)1 << W_V4BITS,
			      &db->v4tab[0].net, 2)) != 0 ||
	    (rc = lpm_fill_v4(db->route_lpm, 0, 32 - W_V4BITS, (size_t)1 << W_V4BITS,
			      &db->v4tab[0].route, 2)) != 0 ||
	    (rc = build_l2(db)) != 0) {
		munmap(db->v4tab, bytes);
		free(db->v4l2);
		db->v4tab = NULL;
		db->v4l2 = NULL;
		db->v4tab_bytes = 0;
	}
	return rc;
}

/* The net, route and site answers (LPM_NONE when none) for one address. */
static inline void find(const struct whois_db *db, const struct vaddr *a, uint32_t *ni,
			uint32_t *ri, uint32_t *si)
{
	if (addr_is_v4(a)) {
		uint32_t v4 = addr_v4(a);
		if (db->v4tab) {
			struct w_v4ent e = db->v4tab[v4 >> (32 - W_V4BITS)];
			uint32_t n = e.net;
			if (n != W_SPLIT && (n & W_L2))
				n = db->v4l2[(size_t)(n & ~W_L2) * W_L2N +
					     ((v4 >> W_L2SHIFT) & (W_L2N - 1))];
			/* index + 1, so 0 (no answer) becomes LPM_NONE */
			*ni = n == W_SPLIT ? lpm_lookup_v4(db->net_lpm, v4) : n - 1;
			*ri = e.route == W_SPLIT ? lpm_lookup_v4(db->route_lpm, v4) : e.route - 1;
		} else {
			*ni = lpm_lookup_v4(db->net_lpm, v4);
			*ri = lpm_lookup_v4(db->route_lpm, v4);
		}
		*si = db->sitepfx.n ? lpm_lookup_v4(db->site_lpm, v4) : LPM_NONE;
	} else {
		*ni = lpm_lookup(db->net_lpm, a);
		*ri = lpm_lookup(db->route_lpm, a);
		*si = db->sitepfx.n ? lpm_lookup(db->site_lpm, a) : LPM_NONE;
	}
}

static const char *S(const struct whois_db *db, uint32_t off)
{
	return off ? db->a.p + off : NULL;
}

static struct whois_src src(const struct whois_db *db, const char *cls, uint32_t key,
			    uint32_t file, uint32_t line)
{
	struct whois_src s = { cls, db->a.p + key, db->a.p + db->files.v[file], line };
	return s;
}

static void apply_site(const struct whois_db *db, uint32_t si, struct whois_result *out)
{
	const struct w_sitepfx *p = &db->sitepfx.v[si];
	const struct w_site *s = &db->sites.v[p->site];
	struct whois_src base = src(db, "site", s->id, s->file, p->line);

	if (!out->found) {
		out->lo = p->lo;
		out->hi = p->hi;
	}
	out->found = true;
	out->is_ours = true;
	out->site = S(db, s->id);
	out->src_site = base;
	if (p->nat) {
		out->is_nat_gateway = true;
		out->src_nat = base;
	}
	if (s->name) {
		out->org_name = S(db, s->name);
		out->src_org = src(db, "site", s->id, s->file, s->line_name);
	}
	if (s->abuse) {
		out->abuse_mailbox = S(db, s->abuse);
		out->src_abuse = src(db, "site", s->id, s->file, s->line_abuse);
	}
	if (s->contact || s->phone) {
		if (s->contact)
			out->contact = S(db, s->contact);
		if (s->phone)
			out->phone = S(db, s->phone);
		out->src_contact = src(db, "site", s->id, s->file, s->line_contact ? s->line_contact : s->line);
	}
	out->pgp = S(db, s->pgp);
	out->language = S(db, s->language);
	out->format = S(db, s->format);
	out->batch = S(db, s->batch);
}

static void apply_net(const struct whois_db *db, uint32_t ni, struct whois_result *out)
{
	const struct w_net *n = &db->nets.v[ni];
	uint32_t org, abuse, irt;

	out->found = true;
	out->lo = n->lo;
	out->hi = n->hi;
	out->netname = S(db, n->netname);
	out->country = S(db, n->country);
	out->src_net = src(db, addr_is_v4(&n->lo) ? "inetnum" : "inet6num", n->key, n->file, n->line);
	/* inheritance from enclosing nets is baked in by w_db_index() */
	org = n->org;
	abuse = n->abuse;
	irt = n->irt;
	/* start the independent memory reads together */
	if (org != W_NONE)
		__builtin_prefetch(&db->orgs.v[org]);
	if (abuse != W_NONE)
		__builtin_prefetch(&db->contacts.v[abuse]);
	if (irt != W_NONE)
		__builtin_prefetch(&db->irts.v[irt]);
	if (org != W_NONE) {
		const struct w_org *g = &db->orgs.v[org];
		out->org_id = S(db, g->key);
		out->org_name = S(db, g->name);
		out->src_org = src(db, "organisation", g->key, g->file, g->line);
		if (!out->country)
			out->country = S(db, g->country);
		if (g->email || g->phone) {
			out->contact = S(db, g->email);
			out->phone = S(db, g->phone);
			out->src_contact = out->src_org;
		}
	}
	if (abuse != W_NONE) {
		const struct w_contact *c = &db->contacts.v[abuse];
		out->abuse_mailbox = S(db, c->abuse_mailbox);
		out->src_abuse = src(db, c->is_role ? "role" : "person", c->key, c->file, c->line);
		if (!out->src_contact.cls && (c->email || c->phone)) {
			out->contact = S(db, c->email);
			out->phone = S(db, c->phone);
			out->src_contact = out->src_abuse;
		}
	}
	if (irt != W_NONE) {
		const struct w_irt *t = &db->irts.v[irt];
		out->irt = S(db, t->key);
		out->irt_abuse_mailbox = S(db, t->abuse_mailbox);
		out->irt_email = S(db, t->email);
		out->irt_signature = S(db, t->signature);
		out->irt_encryption = S(db, t->encryption);
		out->src_irt = src(db, "irt", t->key, t->file, t->line);
		if (!out->abuse_mailbox) {
			out->abuse_mailbox = out->irt_abuse_mailbox;
			out->src_abuse = out->src_irt;
		}
	}
}

static void apply_route(const struct whois_db *db, uint32_t ri, struct whois_result *out)
{
	const struct w_route *r = &db->routes.v[ri];

	out->src_route = src(db, addr_is_v4(&r->lo) ? "route" : "route6", r->key, r->file, r->line);
	for (uint32_t i = ri; i != W_NONE && out->nasn < WHOIS_MAX_AS; i = db->routes.v[i].next)
		out->asn[out->nasn++] = db->routes.v[i].asn;
	out->as_name = S(db, r->as_name);
	if (!out->found) {
		out->lo = r->lo;
		out->hi = r->hi;
	}
	out->found = true;
}

bool whois_lookup(const struct whois_db *db, const struct vaddr *a, struct whois_result *out)
{
	uint32_t ni, ri, si;

	find(db, a, &ni, &ri, &si);
	if (ni != LPM_NONE)
		__builtin_prefetch(&db->nets.v[ni]);
	if (ri != LPM_NONE)
		__builtin_prefetch(&db->routes.v[ri]);
	memset(out, 0, sizeof(*out));
	if (ni != LPM_NONE)
		apply_net(db, ni, out);
	if (ri != LPM_NONE)
		apply_route(db, ri, out);
	if (si != LPM_NONE)
		apply_site(db, si, out);
	return out->found;
}

size_t whois_lookup_batch(const struct whois_db *db, const struct vaddr *a, size_t n,
			  struct whois_result *out)
{
	enum { STEP = 16 };
	uint32_t ni[STEP], ri[STEP], si[STEP];
	size_t found = 0;

	for (size_t base = 0; base < n; base += STEP) {
		size_t m = n - base < STEP ? n - base : STEP;
		/* the memory reads of a lookup depend on each other (table, net,
		 * org / contact / irt); run each stage for every address before
		 * the next so the misses of different addresses overlap */
		if (db->v4tab)
			for (size_t i = 0; i < m; i++)
				if (addr_is_v4(&a[base + i]))
					__builtin_prefetch(&db->v4tab[addr_v4(&a[base + i]) >> (32 - W_V4BITS)]);
		for (size_t i = 0; i < m; i++) {
			find(db, &a[base + i], &ni[i], &ri[i], &si[i]);
			if (ni[i] != LPM_NONE)
				__builtin_prefetch(&db->nets.v[ni[i]]);
			if (ri[i] != LPM_NONE)
				__builtin_prefetch(&db->routes.v[ri[i]]);
		}
		for (size_t i = 0; i < m; i++) {
			if (ni[i] == LPM_NONE)
				continue;
			const struct w_net *nt = &db->nets.v[ni[i]];
			if (nt->org != W_NONE)
				__builtin_prefetch(&db->orgs.v[nt->org]);
			if (nt->abuse != W_NONE)
				__builtin_prefetch(&db->contacts.v[nt->abuse]);
		}
		for (size_t i = 0; i < m; i++) {
			struct whois_result *r = &out[base + i];
			memset(r, 0, sizeof(*r));
			if (ni[i] != LPM_NONE)
				apply_net(db, ni[i], r);
			if (ri[i] != LPM_NONE)
				apply_route(db, ri[i], r);
			if (si[i] != LPM_NONE)
				apply_site(db, si[i], r);
			found += r->found;
		}
	}
	return found;
}

char *whois_src_format(const struct whois_src *s, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (!s->cls)
		return buf;
	if (strcmp(s->cls, "site") == 0)
		snprintf(buf, len, "%s line %u (site %s)", s->file, (unsigned)s->line, s->key);
	else
		snprintf(buf, len, "%s %s (%s line %u)", s->cls, s->key, s->file, (unsigned)s->line);
	return buf;
}

char *whois_range_format(const struct whois_result *r, char *buf)
{
	struct vprefix p;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	int len = -1;

	/* a prefix when hi = lo | ones(128 - len) and lo has those bits clear */
	for (int l = 0; l <= 128 && len < 0; l++) {
		bool ok = true;
		for (int i = 0; i < 16 && ok; i++) {
			int bits = l - i * 8; /* network bits in this byte */
			uint8_t host = bits >= 8 ? 0 : bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
			if ((r->lo.b[i] & host) != 0 || (r->hi.b[i] & host) != host ||
			    (r->lo.b[i] & (uint8_t)~host) != (r->hi.b[i] & (uint8_t)~host))
				ok = false;
		}
		if (ok)
			len = l;
	}
	if (len >= 0 && (!addr_is_v4(&r->lo) || len >= 96)) {
		p.addr = r->lo;
		p.len = (uint8_t)len;
		return prefix_format(&p, buf);
	}
	snprintf(buf, WHOIS_RANGE_STRLEN, "%s - %s", addr_format(&r->lo, a), addr_format(&r->hi, b));
	return buf;
}

int whois_each_site(const struct whois_db *db,
		    int (*fn)(void *ctx, const char *site, const struct vaddr *a), void *ctx)
{
	for (size_t s = 0; s < db->sites.n; s++) {
		/* the first prefix of the site: lookups there answer for it */
		for (size_t i = 0; i < db->sitepfx.n; i++) {
			int rc;

			if (db->sitepfx.v[i].site != s)
				continue;
			if ((rc = fn(ctx, w_str(db, db->sites.v[s].id), &db->sitepfx.v[i].lo)))
				return rc;
			break;
		}
	}
	return 0;
}
