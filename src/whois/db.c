/*
 * db.c - builds the constituency model from RPSL dumps (see model.h).
 *
 * Each object from the streaming reader (rpsl.c) is reduced to what
 * resolution needs: inetnum/inet6num ranges with netname, country and their
 * org / abuse-c / mnt-irt references; route/route6 prefixes with origins
 * (several origins for one prefix are all kept, chained); aut-num names;
 * organisation, role, person and irt contacts by key. Other classes
 * (mntner, domain, as-set ...) are counted and skipped. When all input is
 * read, references become indices, every net learns its enclosing net (so
 * abuse-c and mnt-irt can be inherited from the allocation around an
 * assignment, as the RIPE database does) and the prefix indexes are built.
 */
#include "whois/model.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <zlib.h>

#define MAX_SITES_FILE (16u << 20)

/* references kept while building, resolved to indices at the end */
struct net_refs {
	uint32_t org, abuse, irt;
};

struct build {
	struct whois_db *db;
	whois_err_fn err;
	void *ctx;
	uint32_t file; /* index of the file being read */
	const char *fname;
	W_VEC(struct net_refs) nrefs;
	W_VEC(uint32_t) orefs;  /* organisation abuse-c */
	W_VEC(uint32_t) arefs;  /* aut-num org */
	struct w_map route_by_pfx, org_by_key, contact_by_key, irt_by_key;
	char scratch[4096];
};

int w_db_alloc(struct whois_db **out)
{
	struct whois_db *db = calloc(1, sizeof(*db));

	if (!db)
		return VIGIL_ENOMEM;
	if (w_arena_init(&db->a)) {
		free(db);
		return VIGIL_ENOMEM;
	}
	*out = db;
	return 0;
}

void whois_free(struct whois_db *db)
{
	if (!db)
		return;
	w_arena_free(&db->a);
	free(db->files.v);
	free(db->nets.v);
	free(db->net_parent.v);
	if (db->v4tab)
		munmap(db->v4tab, db->v4tab_bytes);
	free(db->v4l2);
	free(db->routes.v);
	free(db->orgs.v);
	free(db->contacts.v);
	free(db->irts.v);
	free(db->auts.v);
	free(db->sites.v);
	free(db->sitepfx.v);
	lpm_free(db->net_lpm);
	lpm_free(db->route_lpm);
	lpm_free(db->site_lpm);
	w_map_free(&db->aut_by_asn);
	free(db);
}

int w_db_file(struct whois_db *db, const char *path, uint32_t *idx)
{
	const char *base = strrchr(path, '/');
	uint32_t off;
	int rc;

	base = base ? base + 1 : path;
	if ((rc = w_arena_intern(&db->a, base, strlen(base), &off)) != 0)
		return rc;
	*idx = (uint32_t)db->files.n;
	return W_PUSH(db->files, off);
}

static void report(struct build *b, uint32_t line, const char *msg)
{
	b->db->st.bad++;
	if (b->err)
		b->err(b->ctx, b->fname, line, msg);
}

/* First value of attribute name, or NULL. */
static const char *attr(const struct whois_rpsl_object *o, const char *name)
{
	for (size_t i = 1; i < o->nattrs; i++)
		if (strcmp(o->attrs[i].name, name) == 0)
			return o->attrs[i].value;
	return NULL;
}

/* Intern a single-line form of v (continuations become spaces). */
static int put_line(struct build *b, const char *v, uint32_t *off)
{
	size_t n = 0;

	if (!v) {
		*off = 0;
		return 0;
	}
	for (; v[n] && n < sizeof(b->scratch) - 1; n++)
		b->scratch[n] = v[n] == '\n' ? ' ' : v[n];
	return w_arena_intern(&b->db->a, b->scratch, n, off);
}

static int put_ref(struct build *b, const char *v, uint32_t *off)
{
	*off = W_NONE;
	if (!v || !*v)
		return 0;
	int rc = w_arena_intern_upper(&b->db->a, v, off);
	if (rc == VIGIL_EINVAL) {
		*off = W_NONE;
		return 0;
	}
	return rc;
}

static bool mail_sep(char c) { return c == ' ' || c == '\t' || c == '\n' || c == ',' || c == ';'; }

/* Append the addresses found in v to out (", "-separated, no duplicates):
 * "a@x <a@x>", "a@x, b@y", "a@x (preferred)", "\"q s\"@x" all come out clean. */
static void mailboxes(const char *v, char *out, size_t cap, size_t *len)
{
	size_t i = 0;

	while (v[i]) {
		while (v[i] && mail_sep(v[i]))
			i++;
		if (v[i] == '(') { /* a comment */
			while (v[i] && v[i] != ')')
				i++;
			if (v[i])
				i++;
			continue;
		}
		size_t s = i;
		bool q = false;
		while (v[i] && (q || !mail_sep(v[i]))) {
			if (v[i] == '"')
				q = !q;
			i++;
		}
		size_t e = i;
		if (e > s && v[s] == '<')
			s++;
		if (e > s && v[e - 1] == '>')
			e--;
		const char *at = memchr(v + s, '@', e - s);
		if (e <= s || !at || at == v + e - 1 || at == v + s)
			continue;
		size_t n = e - s;
		bool dup = false;
		for (size_t k = 0; k + n <= *len; k++)
			if ((k == 0 || out[k - 1] == ' ') && strncasecmp(out + k, v + s, n) == 0 &&
			    (k + n == *len || out[k + n] == ','))
				dup = true;
		if (dup || *len + n + 3 > cap)
			continue;
		if (*len) {
			memcpy(out + *len, ", ", 2);
			*len += 2;
		}
		memcpy(out + *len, v + s, n);
		*len += n;
	}
}

static int put_mailboxes(struct build *b, const struct whois_rpsl_object *o, const char *name,
			 uint32_t *off)
{
	size_t len = 0;

	for (size_t i = 1; i < o->nattrs; i++)
		if (strcmp(o->attrs[i].name, name) == 0)
			mailboxes(o->attrs[i].value, b->scratch, sizeof(b->scratch) - 1, &len);
	return w_arena_intern(&b->db->a, b->scratch, len, off);
}

/* "193.0.0.0 - 193.0.7.255", "2001:db8::/32", or LACNIC's "24.232.16/24". */
static int parse_range(const char *v, struct vaddr *lo, struct vaddr *hi)
{
	const char *dash = strchr(v, '-');
	struct vprefix p;
	char tmp[64];

	if (dash) {
		const char *e = dash;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		const char *s = dash + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		if (addr_parse_n(v, (size_t)(e - v), lo) || addr_parse(s, hi) ||
		    addr_is_v4(lo) != addr_is_v4(hi) || addr_cmp(lo, hi) > 0)
			return VIGIL_EINVAL;
		return 0;
	}
	size_t n = strlen(v);
	const char *slash = strchr(v, '/');
	if (n >= sizeof(tmp) - 8)
		return VIGIL_EINVAL;
	if (!strchr(v, ':') && slash) {
		size_t dots = 0, k = (size_t)(slash - v);
		for (size_t i = 0; i < k; i++)
			dots += v[i] == '.';
		memcpy(tmp, v, k);
		for (; dots < 3; dots++) {
			memcpy(tmp + k, ".0", 2);
			k += 2;
		}
		memcpy(tmp + k, slash, n - (size_t)(slash - v) + 1);
	} else {
		memcpy(tmp, v, n + 1);
	}
	if (prefix_parse(tmp, &p))
		return VIGIL_EINVAL;
	prefix_range(&p, lo, hi);
	return 0;
}

static int parse_asn(const char *v, uint32_t *asn)
{
	uint64_t x = 0;
	size_t i = 0;

	if ((v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's'))
		i = 2;
	if (v[i] < '0' || v[i] > '9')
		return VIGIL_EINVAL;
	for (; v[i] >= '0' && v[i] <= '9'; i++) {
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > UINT32_MAX)
			return VIGIL_EINVAL;
	}
	if (v[i] && v[i] != ' ' && v[i] != '\t' && v[i] != '\n')
		return VIGIL_EINVAL;
	*asn = (uint32_t)x;
	return 0;
}

static int add_net(struct build *b, const struct whois_rpsl_object *o, bool v6)
{
	struct w_net n = { .org = W_NONE, .abuse = W_NONE, .irt = W_NONE };
	struct net_refs r;
	int rc;

	/* LACNIC writes IPv6 blocks as "inetnum:" too */
	if (!v6 && !parse_range(o->key, &n.lo, &n.hi) && !addr_is_v4(&n.lo))
		v6 = true;
	if (parse_range(o->key, &n.lo, &n.hi) || addr_is_v4(&n.lo) == v6) {
		report(b, o->line, v6 ? "inet6num: bad prefix" : "inetnum: bad range");
		return 0;
	}
	n.file = b->file;
	n.line = o->line;
	if ((rc = w_arena_add(&b->db->a, o->key, strlen(o->key), &n.key)) ||
	    (rc = put_line(b, attr(o, "netname"), &n.netname)) ||
	    (rc = put_line(b, attr(o, "country"), &n.country)) ||
	    (rc = put_ref(b, attr(o, "org"), &r.org)) ||
	    (rc = put_ref(b, attr(o, "abuse-c"), &r.abuse)) ||
	    (rc = put_ref(b, attr(o, "mnt-irt"), &r.irt)))
		return rc;
	if ((rc = W_PUSH(b->db->nets, n)) || (rc = W_PUSH(b->nrefs, r)))
		return rc;
	if (v6)
		b->db->st.inet6num++;
	else
		b->db->st.inetnum++;
	return 0;
}

static int add_route(struct build *b, const struct whois_rpsl_object *o, bool v6)
{
	struct w_route r = { .next = W_NONE };
	struct vprefix p;
	char buf[PREFIX_STRLEN];
	uint32_t pk;
	const char *origin = attr(o, "origin");
	int rc;

	if (prefix_parse(o->key, &p) || addr_is_v4(&p.addr) == v6 || !strchr(o->key, '/')) {
		report(b, o->line, "route: bad prefix");
		return 0;
	}
	if (!origin || parse_asn(origin, &r.asn)) {
		report(b, o->line, "route: missing or bad origin");
		return 0;
	}
	prefix_range(&p, &r.lo, &r.hi);
	r.file = b->file;
	r.line = o->line;
	prefix_format(&p, buf);
	if ((rc = w_arena_intern(&b->db->a, buf, strlen(buf), &pk)) != 0)
		return rc;
	r.key = pk;
	uint32_t head = w_map_get(&b->route_by_pfx, pk);
	if (head != W_NONE) {
		for (uint32_t i = head; i != W_NONE; i = b->db->routes.v[i].next)
			if (b->db->routes.v[i].asn == r.asn)
				return 0; /* the same route again (another source) */
		r.next = b->db->routes.v[head].next;
		b->db->routes.v[head].next = (uint32_t)b->db->routes.n;
	} else if ((rc = w_map_put(&b->route_by_pfx, pk, (uint32_t)b->db->routes.n)) != 0) {
		return rc;
	}
	if ((rc = W_PUSH(b->db->routes, r)) != 0)
		return rc;
	if (v6)
		b->db->st.route6++;
	else
		b->db->st.route++;
	return 0;
}

static int add_org(struct build *b, const struct whois_rpsl_object *o)
{
	struct w_org g = { .abuse = W_NONE };
	uint32_t ref;
	int rc;

	g.file = b->file;
	g.line = o->line;
	if ((rc = put_ref(b, o->key, &g.key)) != 0)
		return rc;
	if (g.key == W_NONE) {
		report(b, o->line, "organisation: bad key");
		return 0;
	}
	if ((rc = put_line(b, attr(o, "org-name"), &g.name)) ||
	    (rc = put_line(b, attr(o, "country"), &g.country)) ||
	    (rc = put_line(b, attr(o, "e-mail"), &g.email)) ||
	    (rc = put_line(b, attr(o, "phone"), &g.phone)) ||
	    (rc = put_ref(b, attr(o, "abuse-c"), &ref)))
		return rc;
	if ((rc = w_map_put(&b->org_by_key, g.key, (uint32_t)b->db->orgs.n)) ||
	    (rc = W_PUSH(b->db->orgs, g)) || (rc = W_PUSH(b->orefs, ref)))
		return rc;
	b->db->st.organisation++;
	return 0;
}

static int add_contact(struct build *b, const struct whois_rpsl_object *o, bool role)
{
	struct w_contact c = { .is_role = role };
	int rc;

	c.file = b->file;
	c.line = o->line;
	if ((rc = put_ref(b, attr(o, "nic-hdl"), &c.key)) != 0)
		return rc;
	if (c.key == W_NONE) {
		report(b, o->line, role ? "role: no nic-hdl" : "person: no nic-hdl");
		return 0;
	}
	if ((rc = put_line(b, o->key, &c.name)) ||
	    (rc = put_mailboxes(b, o, "abuse-mailbox", &c.abuse_mailbox)) ||
	    (rc = put_line(b, attr(o, "e-mail"), &c.email)) ||
	    (rc = put_line(b, attr(o, "phone"), &c.phone)))
		return rc;
	if ((rc = w_map_put(&b->contact_by_key, c.key, (uint32_t)b->db->contacts.n)) ||
	    (rc = W_PUSH(b->db->contacts, c)))
		return rc;
	if (role)
		b->db->st.role++;
	else
		b->db->st.person++;
	return 0;
}

/* Key ids of an irt's signature/encryption (falling back to its PGPKEY auth). */
static int put_keys(struct build *b, const struct whois_rpsl_object *o, const char *name,
		    uint32_t *off)
{
	size_t len = 0;

	for (size_t i = 1; i < o->nattrs; i++) {
		const char *v = o->attrs[i].value;
		if (strcmp(o->attrs[i].name, name) != 0 &&
		    !(strcmp(name, "*auth") == 0 && strcmp(o->attrs[i].name, "auth") == 0 &&
		      strncasecmp(v, "PGPKEY-", 7) == 0))
			continue;
		size_t n = strcspn(v, " \t\n");
		if (n == 0 || len + n + 3 >= sizeof(b->scratch))
			continue;
		if (len) {
			memcpy(b->scratch + len, ", ", 2);
			len += 2;
		}
		memcpy(b->scratch + len, v, n);
		len += n;
	}
	return w_arena_intern(&b->db->a, b->scratch, len, off);
}

static int add_irt(struct build *b, const struct whois_rpsl_object *o)
{
	struct w_irt t;
	int rc;

	t.file = b->file;
	t.line = o->line;
	if ((rc = put_ref(b, o->key, &t.key)) != 0)
		return rc;
	if (t.key == W_NONE) {
		report(b, o->line, "irt: bad name");
		return 0;
	}
	if ((rc = put_mailboxes(b, o, "abuse-mailbox", &t.abuse_mailbox)) ||
	    (rc = put_line(b, attr(o, "e-mail"), &t.email)) ||
	    (rc = put_line(b, attr(o, "phone"), &t.phone)) ||
	    (rc = put_keys(b, o, "signature", &t.signature)) ||
	    (rc = put_keys(b, o, "encryption", &t.encryption)))
		return rc;
	if (!t.signature && (rc = put_keys(b, o, "*auth", &t.signature)) != 0)
		return rc;
	if (!t.abuse_mailbox) {
		report(b, o->line, "irt: no abuse-mailbox");
		return 0;
	}
	if ((rc = w_map_put(&b->irt_by_key, t.key, (uint32_t)b->db->irts.n)) ||
	    (rc = W_PUSH(b->db->irts, t)))
		return rc;
	b->db->st.irt++;
	return 0;
}

static int add_aut(struct build *b, const struct whois_rpsl_object *o)
{
	struct w_aut u = { .org = W_NONE };
	uint32_t ref;
	int rc;

	if (parse_asn(o->key, &u.asn)) {
		report(b, o->line, "aut-num: bad AS number");
		return 0;
	}
	u.file = b->file;
	u.line = o->line;
	if ((rc = put_line(b, attr(o, "as-name"), &u.name)) ||
	    (rc = put_ref(b, attr(o, "org"), &ref)))
		return rc;
	if ((rc = W_PUSH(b->db->auts, u)) || (rc = W_PUSH(b->arefs, ref)))
		return rc;
	b->db->st.autnum++;
	return 0;
}

static int on_object(void *ctx, const struct whois_rpsl_object *o)
{
	struct build *b = ctx;
	const char *c = o->cls;

	if (!strcmp(c, "inetnum"))
		return add_net(b, o, false);
	if (!strcmp(c, "inet6num"))
		return add_net(b, o, true);
	if (!strcmp(c, "route"))
		return add_route(b, o, false);
	if (!strcmp(c, "route6"))
		return add_route(b, o, true);
	if (!strcmp(c, "organisation"))
		return add_org(b, o);
	if (!strcmp(c, "role"))
		return add_contact(b, o, true);
	if (!strcmp(c, "person"))
		return add_contact(b, o, false);
	if (!strcmp(c, "irt"))
		return add_irt(b, o);
	if (!strcmp(c, "aut-num"))
		return add_aut(b, o);
	b->db->st.skipped++;
	return 0;
}

static void on_bad(void *ctx, const char *file, uint32_t line, const char *msg)
{
	struct build *b = ctx;

	b->db->st.bad++;
	if (b->err)
		b->err(b->ctx, file, line, msg);
}

static int read_rpsl(struct build *b, const char *path)
{
	struct whois_rpsl *r = NULL;
	gzFile f;
	char *chunk = NULL;
	int rc = 0, n;

	if ((rc = w_db_file(b->db, path, &b->file)) != 0)
		return rc;
	b->fname = path; /* messages name the file as given */
	f = gzopen(path, "rb"); /* reads plain files as they are */
	if (!f) {
		if (b->err)
			b->err(b->ctx, path, 0, "cannot open");
		return VIGIL_EIO;
	}
	chunk = malloc(1 << 16);
	r = whois_rpsl_new(path, on_object, on_bad, b);
	if (!chunk || !r) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	while ((n = gzread(f, chunk, 1 << 16)) > 0)
		if ((rc = whois_rpsl_feed(r, chunk, (size_t)n)) != 0)
			goto out;
	if (n < 0) {
		if (b->err)
			b->err(b->ctx, path, 0, "read error (truncated gzip?)");
		rc = VIGIL_EIO;
		goto out;
	}
	rc = whois_rpsl_finish(r);
out:
	whois_rpsl_free(r);
	free(chunk);
	gzclose(f);
	return rc;
}

struct span {
	struct vaddr lo, hi;
	uint32_t idx;
};

static int span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	int c = addr_cmp(&a->lo, &b->lo);

	if (c)
		return c;
	c = addr_cmp(&a->hi, &b->hi);
	if (c)
		return -c; /* the larger encloses: first */
	return a->idx < b->idx ? -1 : 1;
}

/* Every net's parent: the smallest net strictly enclosing it. */
static int link_parents(struct whois_db *db)
{
	size_t n = db->nets.n, sp = 0;
	struct span *s = malloc((n + 1) * sizeof(*s));
	uint32_t *stack = malloc((n + 1) * sizeof(*stack));
	int rc = 0;

	if (!s || !stack ||
	    w_vec_reserve((void **)&db->net_parent.v, &db->net_parent.cap, n ? n : 1, sizeof(uint32_t))) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	db->net_parent.n = n;
	for (size_t i = 0; i < n; i++)
		s[i] = (struct span){ db->nets.v[i].lo, db->nets.v[i].hi, (uint32_t)i };
	qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct w_net *x = &db->nets.v[s[i].idx];
		while (sp) {
			const struct w_net *top = &db->nets.v[stack[sp - 1]];
			if (addr_is_v4(&top->lo) == addr_is_v4(&x->lo) &&
			    addr_cmp(&top->hi, &x->hi) >= 0)
				break;
			sp--;
		}
		db->net_parent.v[s[i].idx] = sp ? stack[sp - 1] : W_NONE;
		stack[sp++] = s[i].idx;
	}
out:
	free(s);
	free(stack);
	return rc;
}

static int resolve(struct build *b)
{
	struct whois_db *db = b->db;

	for (size_t i = 0; i < db->orgs.n; i++)
		db->orgs.v[i].abuse = w_map_get(&b->contact_by_key, b->orefs.v[i]);
	for (size_t i = 0; i < db->auts.n; i++)
		db->auts.v[i].org = w_map_get(&b->org_by_key, b->arefs.v[i]);
	for (size_t i = 0; i < db->nets.n; i++) {
		db->nets.v[i].org = w_map_get(&b->org_by_key, b->nrefs.v[i].org);
		db->nets.v[i].abuse = w_map_get(&b->contact_by_key, b->nrefs.v[i].abuse);
		db->nets.v[i].irt = w_map_get(&b->irt_by_key, b->nrefs.v[i].irt);
	}
	return link_parents(db);
}

/* Bake inheritance into every net: its org, abuse contact (with a mailbox)
 * and irt become the first found walking up through the enclosing nets, the
 * net's own abuse-c before its org's. Lookups then read one record and never
 * walk; running this again on its own output changes nothing (snapshots). */
static int inherit(struct whois_db *db)
{
	size_t n = db->nets.n;
	uint32_t *e = malloc((3 * n + 1) * sizeof(*e));

	if (!e)
		return VIGIL_ENOMEM;
	if (db->net_parent.n != n) { /* snapshot.c and link_parents() keep them equal */
		free(e);
		return VIGIL_EFORMAT;
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t org = W_NONE, abuse = W_NONE, irt = W_NONE;
		for (uint32_t i = (uint32_t)k, d = 0; i != W_NONE && d < W_MAX_DEPTH;
		     i = db->net_parent.v[i], d++) {
			const struct w_net *x = &db->nets.v[i];
			if (org == W_NONE)
				org = x->org;
			if (abuse == W_NONE) {
				if (x->abuse != W_NONE && db->contacts.v[x->abuse].abuse_mailbox)
					abuse = x->abuse;
				else if (x->org != W_NONE && db->orgs.v[x->org].abuse != W_NONE &&
					 db->contacts.v[db->orgs.v[x->org].abuse].abuse_mailbox)
					abuse = db->orgs.v[x->org].abuse;
			}
			if (irt == W_NONE)
				irt = x->irt;
			if (org != W_NONE && abuse != W_NONE && irt != W_NONE)
				break;
		}
		e[3 * k] = org;
		e[3 * k + 1] = abuse;
		e[3 * k + 2] = irt;
	}
	for (size_t k = 0; k < n; k++) {
		db->nets.v[k].org = e[3 * k];
		db->nets.v[k].abuse = e[3 * k + 1];
		db->nets.v[k].irt = e[3 * k + 2];
	}
	free(e);
	return 0;
}

int w_db_index(struct whois_db *db)
{
	bool *tail = NULL;
	int rc = 0;

	lpm_free(db->net_lpm);
	lpm_free(db->route_lpm);
	lpm_free(db->site_lpm);
	db->net_lpm = lpm_new();
	db->route_lpm = lpm_new();
	db->site_lpm = lpm_new();
	if ((rc = inherit(db)) != 0)
		goto out;
	tail = calloc(db->routes.n + 1, sizeof(*tail));
	if (!db->net_lpm || !db->route_lpm || !db->site_lpm || !tail) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	w_map_free(&db->aut_by_asn); /* rebuilt here so snapshots need not store it */
	for (size_t i = 0; i < db->auts.n; i++)
		if ((rc = w_map_put(&db->aut_by_asn, db->auts.v[i].asn, (uint32_t)i)) != 0)
			goto out;
	for (size_t i = 0; i < db->routes.n; i++) {
		uint32_t ai = w_map_get(&db->aut_by_asn, db->routes.v[i].asn);
		db->routes.v[i].as_name = ai == W_NONE ? 0 : db->auts.v[ai].name;
	}
	for (size_t i = 0; i < db->nets.n; i++)
		if ((rc = lpm_add_range(db->net_lpm, &db->nets.v[i].lo, &db->nets.v[i].hi,
					(uint32_t)i)) != 0)
			goto out;
	for (size_t i = 0; i < db->routes.n; i++)
		if (db->routes.v[i].next < db->routes.n)
			tail[db->routes.v[i].next] = true;
	for (size_t i = 0; i < db->routes.n; i++)
		if (!tail[i] && (rc = lpm_add_range(db->route_lpm, &db->routes.v[i].lo,
						    &db->routes.v[i].hi, (uint32_t)i)) != 0)
			goto out;
	for (size_t i = 0; i < db->sitepfx.n; i++)
		if ((rc = lpm_add_range(db->site_lpm, &db->sitepfx.v[i].lo, &db->sitepfx.v[i].hi,
					(uint32_t)i)) != 0)
			goto out;
	if ((rc = lpm_build(db->net_lpm)) || (rc = lpm_build(db->route_lpm)) ||
	    (rc = lpm_build(db->site_lpm)))
		goto out;
	if ((rc = w_hot_nets(db)) != 0 || (rc = w_v4tab_build(db)) != 0)
		goto out;
	db->st.string_bytes = db->a.len;
out:
	free(tail);
	return rc;
}

static int read_sites(struct whois_db *db, const char *path, whois_err_fn err, void *ctx)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, n;
	int rc = 0;

	if (!f) {
		if (err)
			err(ctx, path, 0, "cannot open");
		return VIGIL_EIO;
	}
	text = malloc(MAX_SITES_FILE + 1);
	if (!text) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	while ((n = fread(text + len, 1, MAX_SITES_FILE + 1 - len, f)) > 0)
		len += n;
	if (len > MAX_SITES_FILE) {
		if (err)
			err(ctx, path, 0, "sites table larger than 16 MiB");
		rc = VIGIL_ELIMIT;
		goto out;
	}
	rc = w_sites_parse(db, path, text, len, err, ctx);
out:
	free(text);
	fclose(f);
	return rc;
}

int whois_build(const char *const *rpsl_files, size_t nfiles, const char *sites_file,
		whois_err_fn err, void *ctx, struct whois_db **out)
{
	struct build b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.err = err;
	b.ctx = ctx;
	*out = NULL;
	if ((rc = w_db_alloc(&b.db)) != 0)
		return rc;
	for (size_t i = 0; i < nfiles; i++)
		if ((rc = read_rpsl(&b, rpsl_files[i])) != 0)
			goto out;
	if ((rc = resolve(&b)) != 0)
		goto out;
	if (sites_file && (rc = read_sites(b.db, sites_file, err, ctx)) != 0)
		goto out;
	if ((rc = w_db_index(b.db)) != 0)
		goto out;
	*out = b.db;
	b.db = NULL;
out:
	whois_free(b.db);
	free(b.nrefs.v);
	free(b.orefs.v);
	free(b.arefs.v);
	w_map_free(&b.route_by_pfx);
	w_map_free(&b.org_by_key);
	w_map_free(&b.contact_by_key);
	w_map_free(&b.irt_by_key);
	return rc;
}

void whois_get_stats(const struct whois_db *db, struct whois_stats *st)
{
	*st = db->st;
	st->sites = db->sites.n;
	st->site_prefixes = db->sitepfx.n;
	st->string_bytes = db->a.len;
}
